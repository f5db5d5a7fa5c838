/**
 * The PBX's authorization endpoint: `GET /oauth/authorize` (route `authorize`) shows the consent page,
 * `POST /oauth/authorize` (route `authorize_decision`) takes the user's Allow / Deny and redirects back to the app.
 */
import { randomBytes } from 'node:crypto';
import type { SimRequest, SimResponse } from '../common/sim-http.js';
import { CONSENT_FIELDS, CONSENT_PATH, renderConsentPage, renderErrorPage } from './consent-page.js';
import type { PbxSimPublicApp } from './data.js';
import type { PbxState } from './state.js';

export function consentRoutes(sim: PbxState): void {
  sim.server.route('GET', CONSENT_PATH, 'authorize', (req) => authorizePage(sim, req));
  sim.server.route('POST', CONSENT_PATH, 'authorize_decision', (req) => authorizeDecision(sim, req));
}

/** Validates client and redirect URI; an invalid one is answered with a page, never a redirect (RFC 6749 §4.1.2.1). */
function consentTarget(sim: PbxState, params: URLSearchParams): { app: PbxSimPublicApp; redirectUri: string } | SimResponse {
  const clientId = params.get('client_id');
  const app = clientId ? sim.publicApps.find((a) => a.clientId === clientId) : undefined;
  if (!app) {
    const trustedApp = clientId ? sim.trusted.get(clientId) : undefined;
    return htmlPage(
      400,
      'Unknown application',
      trustedApp
        ? 'This application is a trusted application: it cannot ask users for access.'
        : 'No public application has this client_id. Check the App ID you were given.',
    );
  }
  const redirectUri = params.get('redirect_uri');
  if (!redirectUri || !app.redirectUris.includes(redirectUri)) {
    return htmlPage(400, 'Redirect URI mismatch', `The redirect_uri does not match any URI registered for the application “${app.name}”.`);
  }
  return { app, redirectUri };
}

function authorizePage(sim: PbxState, req: SimRequest): SimResponse {
  const target = consentTarget(sim, req.query);
  if ('status' in target) return target;
  const problem = requestProblem(req.query);
  if (problem) return redirectTo(target.redirectUri, { error: problem.error, error_description: problem.description, state: req.query.get('state') });
  return {
    status: 200,
    headers: { 'Cache-Control': 'no-store', 'X-Frame-Options': 'DENY' },
    contentType: 'text/html; charset=utf-8',
    text: renderConsentPage({
      appName: target.app.name,
      clientId: target.app.clientId,
      redirectUri: target.redirectUri,
      scope: 'all',
      state: req.query.get('state'),
      login: sim.defaultLogin,
    }),
  };
}

function authorizeDecision(sim: PbxState, req: SimRequest): SimResponse {
  const form = req.form();
  const target = consentTarget(sim, form);
  if ('status' in target) return target;
  const state = form.get('state');
  const problem = requestProblem(form);
  if (problem) return redirectTo(target.redirectUri, { error: problem.error, error_description: problem.description, state });
  if (form.get(CONSENT_FIELDS.decision) !== 'allow')
    return redirectTo(target.redirectUri, { error: 'access_denied', error_description: 'The user denied access', state });
  const login = (form.get(CONSENT_FIELDS.login) ?? '').trim();
  const user = sim.users.find((u) => u.login === login);
  if (!user) {
    return {
      status: 401,
      contentType: 'text/html; charset=utf-8',
      headers: { 'Cache-Control': 'no-store' },
      text: renderConsentPage({
        appName: target.app.name,
        clientId: target.app.clientId,
        redirectUri: target.redirectUri,
        scope: 'all',
        state,
        login,
        error: 'Unknown PBX login',
      }),
    };
  }
  const code = randomCode(30);
  sim.codes.set(code, {
    clientId: target.app.clientId,
    redirectUri: target.redirectUri,
    userId: user.id,
    // The issuer's clock, as for tokens, so that a test driving it can let a code expire.
    expiresAt: sim.issuer.now() + sim.codeLifetimeSec * 1000,
    used: false,
    accessTokens: [],
    refreshTokens: [],
  });
  return redirectTo(target.redirectUri, { code, state });
}

function requestProblem(params: URLSearchParams): { error: string; description: string } | undefined {
  if (params.get('response_type') !== 'code') return { error: 'unsupported_response_type', description: 'response_type must be code' };
  if (params.get('scope') !== 'all') return { error: 'invalid_scope', description: 'scope must be all' };
  return undefined;
}

function htmlPage(status: number, title: string, message: string): SimResponse {
  return { status, contentType: 'text/html; charset=utf-8', headers: { 'Cache-Control': 'no-store' }, text: renderErrorPage(title, message) };
}

function redirectTo(uri: string, params: Record<string, string | null>): SimResponse {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== null) u.searchParams.set(k, v);
  return { status: 302, headers: { Location: u.toString(), 'Cache-Control': 'no-store' } };
}

const CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` random letters and digits: authorization codes and refresh tokens. */
export function randomCode(length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');
}
