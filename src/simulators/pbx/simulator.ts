import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { checkBearer } from '../common/bearer.js';
import { SimConfigError, SimServer, type SimRequest, type SimResponse } from '../common/sim-server.js';
import { TokenIssuer } from '../common/token-issuer.js';
import { renderConsentPage, renderErrorPage } from './consent-page.js';
import { mediaType, oauthError, sameSecret, stableUuid } from '../common/http-helpers.js';

/**
 * A fake of the Telphin virtual PBX API server (PROVIDERS.md §5; the PBX's "Application Authorization and
 * Integration Start" guide), on one server:
 *
 * - `GET /oauth/authorize` (route `authorize`): the consent page; `POST /oauth/authorize` (`authorize_decision`):
 *   the user's Allow / Deny, answered by a redirect to the app's redirect URI with `code` (or `error`) and `state`;
 * - `POST /oauth/token` (`token`): `authorization_code`, `refresh_token` (public apps), `client_credentials`
 *   (trusted apps);
 * - `POST /api/ver1.0/application/` (`application_create`): creates a trusted application;
 * - `GET /api/ver1.0/user/` (`user`), `GET /api/ver1.0/client/{id|@me}/extension/` (`extensions`),
 *   `GET /api/ver1.0/client/{id|@me}/call_history/` (`call_history`), `GET /api/ver1.0/extension/{id}/record/`
 *   (`extension_records`), `GET /api/ver1.0/client/{id|@me}/record/{uuid}/storage_url/` (`storage_url`);
 * - `GET /storage/records/{uuid}?expires&signature` (`storage`): the signed storage link serving the file.
 *
 * Choices where the public documentation is silent (kept here so they are easy to correct):
 * - Consent: a login field (no password) names the PBX user; the page is shown only for a known public app and a
 *   redirect URI registered for it (exact string match), else an error page with no redirect. Once both are
 *   valid, other problems (`response_type` other than `code`, `scope` other than `all`) are redirected as
 *   RFC 6749 §4.1.2.1 errors. Deny redirects with `error=access_denied`. `state` is echoed when given.
 * - Codes: 30 random letters and digits (like the guide's example), valid 120 s, single-use; a second use is
 *   `invalid_grant` and revokes the tokens issued from the code (RFC 6749 §4.1.2).
 * - Token endpoint: form body only (`client_secret_post`, as the guide shows); an unknown client, a wrong secret
 *   or a deleted trusted app is 401 `invalid_client`; a grant type the app type may not use is 400
 *   `unauthorized_client`; a bad code or redirect URI mismatch is 400 `invalid_grant`; a bad refresh token is 401
 *   `invalid_grant` (PROVIDERS.md). Refresh tokens rotate and live 30 days. Client credentials get no refresh token.
 * - Access tokens are RS256 JWTs (real ones are opaque) for `sub` = the PBX user id, living 3600 s by default.
 * - `POST /api/ver1.0/application/` accepts `{"name","type":"trusted"}` or `{"name","trusted":true}` from any
 *   user token, and answers 201 `{"id","name","type":"trusted","secret"}` (or `client_id`/`client_secret` with the
 *   `appReplyFields: 'client_id'` option): the secret is never shown again.
 * - `{client}` in a path is `@me` or the user's own `client_id`; another client is 403, an unknown one 404.
 *   Extension group / extension limits of a user are not modelled.
 * - Lists page with `page` (from 1) and `per_page` (1..500, default 20). Call history keeps calls whose
 *   `start_time_gmt` is in [start_datetime, end_datetime), ordered by it (`order=desc` by default); dates not in
 *   `YYYY-MM-DD HH:MM:SS` form are 400 `{"message"}`.
 * - Errors of the API are `{"message": …}`; a 401 is `{"message":"Authorization required"}`.
 *   `rateLimitNext()` injects the PBX's 429 `{"message":"Too many requests: concurrent request not allowed"}`.
 * - A storage link lives 300 s and is signed (HMAC); a request that also carries an Authorization header is 400,
 *   as object stores answer a pre-signed URL with a second credential.
 */

export interface PbxSimUser {
  id: number;
  login: string;
  admin: boolean;
  access: 'full' | 'read_only';
  client_id: number | null;
  dealer_id: number | null;
  extension_group_id: number | null;
  extension_id: number | null;
  timezone: string;
}

export interface PbxSimPublicApp {
  clientId: string;
  clientSecret: string;
  name: string;
  redirectUris: string[];
}

export interface PbxSimTrustedApp {
  clientId: string;
  name: string;
  userId: number;
  createdAt: string;
  /** Deleted through revokeTrustedApp(): its token requests are `invalid_client`, its tokens are refused. */
  revoked: boolean;
}

export interface PbxSimExtension {
  id: number;
  client_id: number;
  status: string;
  name: string;
  type: 'phone' | 'queue' | 'ivr';
  label: string;
}

export interface PbxSimCdr {
  cdr_uuid: string;
  record_uuid: string | null;
  extension_id: number | null;
  flow: string;
  from_username: string;
  to_username: string;
  start_time_gmt: string;
  duration: number;
  result: string;
}

export interface PbxSimCall {
  client_id: number;
  call_uuid: string;
  flow: 'in' | 'out' | 'internal';
  init_time_gmt: string;
  start_time_gmt: string;
  bridged_time_gmt: string | null;
  hangup_time_gmt: string;
  duration: number;
  bridged: boolean;
  extension_id: number;
  from_username: string;
  to_username: string;
  result: string;
  hangup_cause: string;
  cdr: PbxSimCdr[];
}

export interface PbxSimRecord {
  record_uuid: string;
  client_id: number;
  extension_id: number;
  call_uuid: string;
  file_name: string;
  record_file_size: number;
  start_time_gmt: string;
  duration: number;
}

export interface PbxSimulatorOptions {
  publicApps?: PbxSimPublicApp[];
  users?: PbxSimUser[];
  extensions?: PbxSimExtension[];
  calls?: PbxSimCall[];
  /** The login the consent page offers (default: the first user's). */
  defaultLogin?: string;
  tokenLifetimeSec?: number;
  codeLifetimeSec?: number;
  /** Field names of the trusted application reply: `id`/`secret` (default) or `client_id`/`client_secret`. */
  appReplyFields?: 'id' | 'client_id';
}

export interface PbxSimulator {
  readonly server: SimServer;
  readonly issuer: TokenIssuer;
  readonly publicApps: readonly PbxSimPublicApp[];
  readonly users: readonly PbxSimUser[];
  start(opts?: { port?: number; host?: string }): Promise<string>;
  stop(): Promise<void>;
  /** The server's URL: the PBX host (PBX_BASE_URL); throws before start(). */
  readonly baseUrl: string;
  tokenLifetimeSec: number;
  codeLifetimeSec: number;
  /** Registers one more redirect URI for a public app (default: the first). */
  addRedirectUri(uri: string, clientId?: string): void;
  /** Trusted applications created so far (without their secrets). */
  trustedApps(): PbxSimTrustedApp[];
  /** Revokes every access and refresh token issued so far; apps keep working. */
  revokeTokens(): void;
  /** Deletes one trusted app (or every one): its token requests become `invalid_client`, its tokens stop working. */
  revokeTrustedApp(clientId?: string): number;
  /** The next `times` requests of `route` get the PBX's 429 "concurrent request not allowed". */
  rateLimitNext(route: string, times?: number, retryAfterSec?: number): void;
  /** The bytes the storage link of a record serves. */
  recordBytes(recordUuid: string): Uint8Array;
}

export const DEFAULT_PBX_PUBLIC_APP: Readonly<PbxSimPublicApp> = Object.freeze({
  clientId: 'a80f1e618ddd4d4584e2bd48fd404194',
  clientSecret: 'a2423941f5be408c998d5f7207570990',
  name: 'cxgraph (local)',
  redirectUris: ['http://localhost:4001/oauth/pbx/callback', 'http://127.0.0.1:4001/oauth/pbx/callback'],
});

export const SAMPLE_PBX_USERS: readonly PbxSimUser[] = Object.freeze([
  { id: 20, login: 'client1', admin: false, access: 'full', client_id: 12, dealer_id: null, extension_group_id: null, extension_id: null, timezone: 'Europe/Moscow' },
  { id: 21, login: 'client1-supervisor', admin: true, access: 'read_only', client_id: 12, dealer_id: null, extension_group_id: null, extension_id: null, timezone: 'Europe/Moscow' },
  { id: 30, login: 'client2', admin: false, access: 'full', client_id: 13, dealer_id: 5, extension_group_id: null, extension_id: null, timezone: 'Asia/Yekaterinburg' },
].map((u) => Object.freeze(u as PbxSimUser)));

export const SAMPLE_PBX_EXTENSIONS: readonly PbxSimExtension[] = Object.freeze([
  { id: 1201, client_id: 12, status: 'active', name: '12*101', type: 'phone', label: 'Anna Petrova' },
  { id: 1202, client_id: 12, status: 'active', name: '12*102', type: 'phone', label: 'Boris Ivanov' },
  { id: 1203, client_id: 12, status: 'blocked', name: '12*103', type: 'phone', label: '' },
  { id: 1290, client_id: 12, status: 'active', name: '12*900', type: 'queue', label: 'Support queue' },
  { id: 1291, client_id: 12, status: 'active', name: '12*901', type: 'ivr', label: 'Main menu' },
  { id: 1301, client_id: 13, status: 'active', name: '13*100', type: 'phone', label: 'Reception' },
].map((e) => Object.freeze(e as PbxSimExtension)));

/** Sample calls: 12 for client 12 and 3 for client 13 on 2024-05-01 (GMT); every fourth is missed (no record). */
export const SAMPLE_PBX_CALLS: readonly PbxSimCall[] = Object.freeze([
  ...Array.from({ length: 12 }, (_, i) => sampleCall(12, i, [1201, 1202, 1203][i % 3]!, `12*10${(i % 3) + 1}`)),
  ...Array.from({ length: 3 }, (_, i) => sampleCall(13, i, 1301, '13*100')),
]);

const UNAUTHORIZED_BODY = { message: 'Authorization required' };
const RATE_LIMITED_BODY = { message: 'Too many requests: concurrent request not allowed' };
const API = '/api/ver1.0';
const PBX_DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const REFRESH_LIFETIME_MS = 30 * 24 * 3600_000;
const STORAGE_LINK_LIFETIME_SEC = 300;

interface CodeGrant {
  clientId: string;
  redirectUri: string;
  userId: number;
  expiresAt: number;
  used: boolean;
  /** Access tokens and refresh tokens issued from this code, revoked if the code is replayed. */
  accessTokens: string[];
  refreshTokens: string[];
}

interface RefreshGrant {
  clientId: string;
  userId: number;
  expiresAt: number;
}

interface TrustedAppEntry extends PbxSimTrustedApp {
  secret: string;
}

export function createPbxSimulator(opts: PbxSimulatorOptions = {}): PbxSimulator {
  return new PbxSim(opts);
}

class PbxSim implements PbxSimulator {
  readonly server = new SimServer('pbx');
  readonly issuer = new TokenIssuer();
  readonly publicApps: PbxSimPublicApp[];
  readonly users: readonly PbxSimUser[];
  private readonly extensions: readonly PbxSimExtension[];
  private readonly calls: readonly PbxSimCall[];
  private readonly records = new Map<string, PbxSimRecord>();
  private readonly defaultLogin: string;
  private readonly appReplyFields: 'id' | 'client_id';
  private lifetimeSec: number;
  private codeSec: number;
  private readonly codes = new Map<string, CodeGrant>();
  private readonly refreshTokens = new Map<string, RefreshGrant>();
  private readonly trusted = new Map<string, TrustedAppEntry>();
  private readonly storageKey = randomBytes(32);

  constructor(opts: PbxSimulatorOptions) {
    this.publicApps = (opts.publicApps ?? [DEFAULT_PBX_PUBLIC_APP]).map((a) => ({ ...a, redirectUris: [...a.redirectUris] }));
    this.users = opts.users ?? SAMPLE_PBX_USERS;
    this.extensions = opts.extensions ?? SAMPLE_PBX_EXTENSIONS;
    this.calls = opts.calls ?? SAMPLE_PBX_CALLS;
    for (const c of this.calls) {
      for (const leg of c.cdr) {
        if (!leg.record_uuid) continue;
        this.records.set(leg.record_uuid, {
          record_uuid: leg.record_uuid,
          client_id: c.client_id,
          extension_id: leg.extension_id ?? c.extension_id,
          call_uuid: c.call_uuid,
          file_name: `${leg.record_uuid}.wav`,
          record_file_size: wavBytes(leg.record_uuid).length,
          start_time_gmt: leg.start_time_gmt,
          duration: leg.duration,
        });
      }
    }
    this.defaultLogin = opts.defaultLogin ?? this.users[0]?.login ?? '';
    this.appReplyFields = opts.appReplyFields ?? 'id';
    this.lifetimeSec = checkLifetime(opts.tokenLifetimeSec ?? 3600, 'tokenLifetimeSec');
    this.codeSec = checkLifetime(opts.codeLifetimeSec ?? 120, 'codeLifetimeSec');

    this.server.route('GET', '/oauth/authorize', 'authorize', (req) => this.authorizePage(req));
    this.server.route('POST', '/oauth/authorize', 'authorize_decision', (req) => this.authorizeDecision(req));
    this.server.route('POST', '/oauth/token', 'token', (req) => this.token(req));
    this.server.route('POST', `${API}/application/`, 'application_create', (req) => this.createApplication(req));
    this.server.route('GET', `${API}/user/`, 'user', (req) => this.api(req, (user) => ({ status: 200, json: userBody(user) })));
    this.server.route('GET', `${API}/client/:client/extension/`, 'extensions', (req) => this.api(req, (user) => this.listExtensions(req, user)));
    this.server.route('GET', `${API}/client/:client/call_history/`, 'call_history', (req) => this.api(req, (user) => this.callHistory(req, user)));
    this.server.route('GET', `${API}/extension/:id/record/`, 'extension_records', (req) => this.api(req, (user) => this.extensionRecords(req, user)));
    this.server.route('GET', `${API}/client/:client/record/:uuid/storage_url/`, 'storage_url', (req) => this.api(req, (user) => this.storageUrl(req, user)));
    this.server.route('GET', '/storage/records/:uuid', 'storage', (req) => this.storage(req));

    this.server.onRevoke(() => this.revokeTokens());
    this.server.onConfig({
      keys: ['tokenLifetimeSec', 'codeLifetimeSec', 'revokeTrustedApp'],
      apply: (values) => {
        // Validate everything before applying anything.
        const { tokenLifetimeSec, codeLifetimeSec, revokeTrustedApp } = values;
        const lifetime = tokenLifetimeSec === undefined ? undefined : configLifetime(tokenLifetimeSec, 'tokenLifetimeSec');
        const code = codeLifetimeSec === undefined ? undefined : configLifetime(codeLifetimeSec, 'codeLifetimeSec');
        if (revokeTrustedApp !== undefined && typeof revokeTrustedApp !== 'string') {
          throw new SimConfigError('revokeTrustedApp must be a trusted app id, or "*" for every one');
        }
        if (lifetime !== undefined) this.lifetimeSec = lifetime;
        if (code !== undefined) this.codeSec = code;
        if (typeof revokeTrustedApp === 'string') this.revokeTrustedApp(revokeTrustedApp === '*' ? undefined : revokeTrustedApp);
      },
      snapshot: () => ({
        tokenLifetimeSec: this.lifetimeSec,
        codeLifetimeSec: this.codeSec,
        trustedApps: this.trustedApps().map((a) => ({ clientId: a.clientId, userId: a.userId, revoked: a.revoked })),
      }),
    });
  }

  get baseUrl(): string {
    return this.server.url;
  }

  get tokenLifetimeSec(): number {
    return this.lifetimeSec;
  }
  set tokenLifetimeSec(v: number) {
    this.lifetimeSec = checkLifetime(v, 'tokenLifetimeSec');
  }
  get codeLifetimeSec(): number {
    return this.codeSec;
  }
  set codeLifetimeSec(v: number) {
    this.codeSec = checkLifetime(v, 'codeLifetimeSec');
  }

  start(opts?: { port?: number; host?: string }): Promise<string> {
    return this.server.start(opts);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  addRedirectUri(uri: string, clientId?: string): void {
    const app = clientId === undefined ? this.publicApps[0] : this.publicApps.find((a) => a.clientId === clientId);
    if (!app) throw new Error(`No public app ${clientId ?? ''}`);
    if (!app.redirectUris.includes(uri)) app.redirectUris.push(uri);
  }

  trustedApps(): PbxSimTrustedApp[] {
    return [...this.trusted.values()].map(({ secret: _secret, ...a }) => ({ ...a }));
  }

  revokeTokens(): void {
    this.issuer.revokeAll();
    this.refreshTokens.clear();
  }

  revokeTrustedApp(clientId?: string): number {
    let n = 0;
    for (const app of this.trusted.values()) {
      if ((clientId === undefined || app.clientId === clientId) && !app.revoked) {
        app.revoked = true;
        n++;
      }
    }
    return n;
  }

  rateLimitNext(route: string, times = 1, retryAfterSec?: number): void {
    this.server.inject({ kind: 'status', route, status: 429, body: RATE_LIMITED_BODY, times, retryAfterSec });
  }

  recordBytes(recordUuid: string): Uint8Array {
    return wavBytes(recordUuid);
  }

  // --- consent -----------------------------------------------------------------------------------------------

  /** Validates client and redirect URI; an invalid one is answered with a page, never a redirect (RFC 6749 §4.1.2.1). */
  private consentTarget(params: URLSearchParams): { app: PbxSimPublicApp; redirectUri: string } | SimResponse {
    const clientId = params.get('client_id');
    const app = clientId ? this.publicApps.find((a) => a.clientId === clientId) : undefined;
    if (!app) {
      const trustedApp = clientId ? this.trusted.get(clientId) : undefined;
      return htmlPage(400, 'Unknown application', trustedApp ? 'This application is a trusted application: it cannot ask users for access.' : 'No public application has this client_id. Check the App ID you were given.');
    }
    const redirectUri = params.get('redirect_uri');
    if (!redirectUri || !app.redirectUris.includes(redirectUri)) {
      return htmlPage(400, 'Redirect URI mismatch', `The redirect_uri does not match any URI registered for the application “${app.name}”.`);
    }
    return { app, redirectUri };
  }

  private authorizePage(req: SimRequest): SimResponse {
    const target = this.consentTarget(req.query);
    if ('status' in target) return target;
    const problem = this.requestProblem(req.query);
    if (problem) return redirectTo(target.redirectUri, { error: problem.error, error_description: problem.description, state: req.query.get('state') });
    return {
      status: 200,
      headers: { 'Cache-Control': 'no-store', 'X-Frame-Options': 'DENY' },
      contentType: 'text/html; charset=utf-8',
      text: renderConsentPage({ appName: target.app.name, clientId: target.app.clientId, redirectUri: target.redirectUri, scope: 'all', state: req.query.get('state'), login: this.defaultLogin }),
    };
  }

  private authorizeDecision(req: SimRequest): SimResponse {
    const form = req.form();
    const target = this.consentTarget(form);
    if ('status' in target) return target;
    const state = form.get('state');
    const problem = this.requestProblem(form);
    if (problem) return redirectTo(target.redirectUri, { error: problem.error, error_description: problem.description, state });
    if (form.get('decision') !== 'allow') return redirectTo(target.redirectUri, { error: 'access_denied', error_description: 'The user denied access', state });
    const login = (form.get('login') ?? '').trim();
    const user = this.users.find((u) => u.login === login);
    if (!user) {
      return {
        status: 401,
        contentType: 'text/html; charset=utf-8',
        headers: { 'Cache-Control': 'no-store' },
        text: renderConsentPage({ appName: target.app.name, clientId: target.app.clientId, redirectUri: target.redirectUri, scope: 'all', state, login, error: 'Unknown PBX login' }),
      };
    }
    const code = randomCode(30);
    this.codes.set(code, { clientId: target.app.clientId, redirectUri: target.redirectUri, userId: user.id, expiresAt: Date.now() + this.codeSec * 1000, used: false, accessTokens: [], refreshTokens: [] });
    return redirectTo(target.redirectUri, { code, state });
  }

  private requestProblem(params: URLSearchParams): { error: string; description: string } | undefined {
    if (params.get('response_type') !== 'code') return { error: 'unsupported_response_type', description: 'response_type must be code' };
    if (params.get('scope') !== 'all') return { error: 'invalid_scope', description: 'scope must be all' };
    return undefined;
  }

  // --- token endpoint ------------------------------------------------------------------------------------------

  private async token(req: SimRequest): Promise<SimResponse> {
    const form = mediaType(req.headers['content-type']) === 'application/x-www-form-urlencoded' ? req.form() : new URLSearchParams();
    const grantType = form.get('grant_type');
    if (!grantType) return oauthError(400, 'invalid_request', 'Missing grant_type parameter.');
    if (!['authorization_code', 'refresh_token', 'client_credentials'].includes(grantType)) return oauthError(400, 'unsupported_grant_type', `Unsupported grant type ${grantType}.`);

    const clientId = form.get('client_id');
    const secret = form.get('client_secret');
    if (!clientId || !secret) return oauthError(401, 'invalid_client', 'Client authentication failed.');
    const publicApp = this.publicApps.find((a) => a.clientId === clientId);
    const trustedApp = this.trusted.get(clientId);
    const expected = publicApp?.clientSecret ?? (trustedApp && !trustedApp.revoked ? trustedApp.secret : undefined);
    if (expected === undefined || !sameSecret(secret, expected)) return oauthError(401, 'invalid_client', 'Client authentication failed.');

    if (grantType === 'client_credentials') {
      if (!trustedApp) return oauthError(400, 'unauthorized_client', 'Only trusted applications may use client_credentials.');
      const accessToken = await this.issueAccess(trustedApp.userId, clientId, 'trusted');
      return { status: 200, headers: NO_STORE, json: { access_token: accessToken, expires_in: this.lifetimeSec, token_type: 'Bearer', scope: 'all' } };
    }
    if (!publicApp) return oauthError(400, 'unauthorized_client', `Trusted applications may not use ${grantType}.`);

    if (grantType === 'authorization_code') {
      const code = form.get('code');
      if (!code) return oauthError(400, 'invalid_request', 'Missing code parameter.');
      const grant = this.codes.get(code);
      if (!grant || grant.clientId !== clientId || grant.expiresAt <= Date.now()) return oauthError(400, 'invalid_grant', 'Invalid or expired authorization code.');
      if (grant.used) {
        // RFC 6749 §4.1.2: a replayed code revokes what it gave.
        for (const t of grant.accessTokens) this.issuer.revoke(t);
        for (const r of grant.refreshTokens) this.refreshTokens.delete(r);
        return oauthError(400, 'invalid_grant', 'Authorization code has already been used.');
      }
      if (form.get('redirect_uri') !== grant.redirectUri) return oauthError(400, 'invalid_grant', 'Mismatching redirect URI.');
      grant.used = true;
      const { body, accessToken, refreshToken } = await this.issueUserTokens(grant.userId, clientId);
      grant.accessTokens.push(accessToken);
      grant.refreshTokens.push(refreshToken);
      return { status: 200, headers: NO_STORE, json: body };
    }

    // refresh_token
    const refresh = form.get('refresh_token');
    if (!refresh) return oauthError(400, 'invalid_request', 'Missing refresh_token parameter.');
    const held = this.refreshTokens.get(refresh);
    if (!held || held.clientId !== clientId || held.expiresAt <= Date.now()) return oauthError(401, 'invalid_grant', 'Invalid refresh token.');
    this.refreshTokens.delete(refresh); // rotated
    const { body } = await this.issueUserTokens(held.userId, clientId);
    return { status: 200, headers: NO_STORE, json: body };
  }

  private async issueUserTokens(userId: number, clientId: string): Promise<{ body: Record<string, unknown>; accessToken: string; refreshToken: string }> {
    const accessToken = await this.issueAccess(userId, clientId, 'public');
    const refreshToken = randomCode(30);
    this.refreshTokens.set(refreshToken, { clientId, userId, expiresAt: Date.now() + REFRESH_LIFETIME_MS });
    return { body: { access_token: accessToken, expires_in: this.lifetimeSec, token_type: 'Bearer', refresh_token: refreshToken, scope: 'all' }, accessToken, refreshToken };
  }

  private issueAccess(userId: number, clientId: string, appType: 'public' | 'trusted'): Promise<string> {
    return this.issuer.issue({ iss: this.server.url, sub: String(userId), client_id: clientId, app_type: appType, scope: 'all' }, this.lifetimeSec);
  }

  // --- API -----------------------------------------------------------------------------------------------------

  /** Bearer check (signature, exp, revocation, app still present), then the handler with the token's user. */
  private async api(req: SimRequest, handler: (user: PbxSimUser, claims: JWTPayload) => SimResponse | Promise<SimResponse>): Promise<SimResponse> {
    const auth = await checkBearer(req, this.issuer, { body: UNAUTHORIZED_BODY, accept: (claims) => this.acceptsClaims(claims) });
    if (!auth.ok) return auth.response;
    const user = this.users.find((u) => String(u.id) === auth.claims.sub)!;
    return handler(user, auth.claims);
  }

  private acceptsClaims(claims: JWTPayload): boolean {
    if (claims.iss !== this.server.url || !this.users.some((u) => String(u.id) === claims.sub)) return false;
    const clientId = claims['client_id'];
    if (typeof clientId !== 'string') return false;
    if (this.publicApps.some((a) => a.clientId === clientId)) return true;
    const app = this.trusted.get(clientId);
    return app !== undefined && !app.revoked;
  }

  private createApplication(req: SimRequest): Promise<SimResponse> {
    return this.api(req, (user) => {
      if (!mediaType(req.headers['content-type']).includes('json')) return { status: 415, json: { message: 'Content-Type must be application/json' } };
      let body: unknown;
      try {
        body = req.json();
      } catch {
        return { status: 400, json: { message: 'Request body must be valid JSON' } };
      }
      const o = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
      if (typeof o.name !== 'string' || o.name.trim() === '') return { status: 400, json: { message: 'name: This field is required.' } };
      if (o.type !== 'trusted' && o.trusted !== true) return { status: 400, json: { message: 'type: only trusted applications can be created with a user token' } };
      const clientId = randomBytes(16).toString('hex');
      const secret = randomBytes(16).toString('hex');
      const app: TrustedAppEntry = { clientId, secret, name: o.name.trim(), userId: user.id, createdAt: new Date().toISOString(), revoked: false };
      this.trusted.set(clientId, app);
      const ids = this.appReplyFields === 'id' ? { id: clientId, secret } : { client_id: clientId, client_secret: secret };
      return { status: 201, json: { ...ids, name: app.name, type: 'trusted', user_id: user.id } };
    });
  }

  /** `@me` or the user's own client id; another existing client is 403, an unknown one 404. */
  private clientOf(req: SimRequest, user: PbxSimUser): number | SimResponse {
    const c = req.params['client'] ?? '';
    if (c === '@me') return user.client_id ?? ({ status: 404, json: { message: 'Client not found' } } as SimResponse);
    const id = Number(c);
    if (!Number.isInteger(id)) return { status: 404, json: { message: 'Client not found' } };
    if (id === user.client_id) return id;
    const exists = this.users.some((u) => u.client_id === id);
    return exists ? { status: 403, json: { message: 'Permission denied' } } : { status: 404, json: { message: 'Client not found' } };
  }

  private listExtensions(req: SimRequest, user: PbxSimUser): SimResponse {
    const client = this.clientOf(req, user);
    if (typeof client !== 'number') return client;
    const paging = pagingOf(req.query);
    if ('status' in paging) return paging;
    const type = req.query.get('type');
    if (type !== null && !['phone', 'queue', 'ivr'].includes(type)) return { status: 400, json: { message: 'type: must be one of phone, queue, ivr' } };
    const list = this.extensions.filter((e) => e.client_id === client && (type === null || e.type === type));
    return { status: 200, json: pageOf(list, paging).map(({ client_id: _c, ...e }) => e) };
  }

  private callHistory(req: SimRequest, user: PbxSimUser): SimResponse {
    const client = this.clientOf(req, user);
    if (typeof client !== 'number') return client;
    const paging = pagingOf(req.query);
    if ('status' in paging) return paging;
    const start = req.query.get('start_datetime');
    const end = req.query.get('end_datetime');
    for (const [name, v] of [['start_datetime', start], ['end_datetime', end]] as const) {
      if (v !== null && !PBX_DATE.test(v)) return { status: 400, json: { message: `${name}: invalid format, expected YYYY-MM-DD HH:MM:SS` } };
    }
    const order = req.query.get('order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc') return { status: 400, json: { message: 'order: must be asc or desc' } };
    const list = this.calls
      .filter((c) => c.client_id === client && (start === null || c.start_time_gmt >= start) && (end === null || c.start_time_gmt < end))
      .sort((a, b) => (order === 'asc' ? 1 : -1) * a.start_time_gmt.localeCompare(b.start_time_gmt));
    return {
      status: 200,
      json: { page: paging.page, per_page: paging.perPage, order, call_history: pageOf(list, paging).map(({ client_id: _c, ...c }) => c) },
    };
  }

  private extensionRecords(req: SimRequest, user: PbxSimUser): SimResponse {
    const id = Number(req.params['id']);
    const ext = this.extensions.find((e) => e.id === id);
    if (!ext) return { status: 404, json: { message: 'Extension not found' } };
    if (ext.client_id !== user.client_id) return { status: 403, json: { message: 'Permission denied' } };
    const start = req.query.get('start_datetime');
    const end = req.query.get('end_datetime');
    for (const [name, v] of [['start_datetime', start], ['end_datetime', end]] as const) {
      if (v !== null && !PBX_DATE.test(v)) return { status: 400, json: { message: `${name}: invalid format, expected YYYY-MM-DD HH:MM:SS` } };
    }
    const list = [...this.records.values()].filter((r) => r.extension_id === id && (start === null || r.start_time_gmt >= start) && (end === null || r.start_time_gmt < end));
    return { status: 200, json: list.map(({ client_id: _c, ...r }) => r) };
  }

  private storageUrl(req: SimRequest, user: PbxSimUser): SimResponse {
    const client = this.clientOf(req, user);
    if (typeof client !== 'number') return client;
    const uuid = req.params['uuid'] ?? '';
    const record = this.records.get(uuid);
    if (!record || record.client_id !== client) return { status: 404, json: { message: 'Record not found' } };
    const expires = Math.floor(Date.now() / 1000) + STORAGE_LINK_LIFETIME_SEC;
    const q = new URLSearchParams({ expires: String(expires), signature: this.sign(uuid, expires) });
    return { status: 200, json: { record_url: `${this.server.url}/storage/records/${encodeURIComponent(uuid)}?${q}` } };
  }

  private storage(req: SimRequest): SimResponse {
    // Like object stores serving pre-signed links: a second credential is an error, so a client that leaks its
    // PBX token to the storage host fails loudly here.
    if (req.headers.authorization !== undefined) return { status: 400, text: 'Only one auth mechanism allowed: the signature is in the query string' };
    const uuid = req.params['uuid'] ?? '';
    const expires = Number(req.query.get('expires'));
    const signature = req.query.get('signature') ?? '';
    const good = this.sign(uuid, expires);
    if (!Number.isInteger(expires) || signature.length !== good.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(good))) {
      return { status: 403, text: 'Signature does not match' };
    }
    if (expires < Date.now() / 1000) return { status: 403, text: 'Link expired' };
    const record = this.records.get(uuid);
    if (!record) return { status: 404, text: 'Not found' };
    return { status: 200, bytes: wavBytes(uuid), contentType: 'audio/wav', headers: { 'Content-Disposition': `attachment; filename="${record.file_name}"` } };
  }

  private sign(uuid: string, expires: number): string {
    return createHmac('sha256', this.storageKey).update(`${uuid}\n${expires}`).digest('base64url');
  }
}

// --- helpers -------------------------------------------------------------------------------------------------

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

function htmlPage(status: number, title: string, message: string): SimResponse {
  return { status, contentType: 'text/html; charset=utf-8', headers: { 'Cache-Control': 'no-store' }, text: renderErrorPage(title, message) };
}

function redirectTo(uri: string, params: Record<string, string | null>): SimResponse {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== null) u.searchParams.set(k, v);
  return { status: 302, headers: { Location: u.toString(), 'Cache-Control': 'no-store' } };
}

function userBody(u: PbxSimUser): Record<string, unknown> {
  return { ...u, extra_params: null };
}

function pagingOf(q: URLSearchParams): { page: number; perPage: number } | SimResponse {
  const page = Number(q.get('page') ?? '1');
  const perPage = Number(q.get('per_page') ?? '20');
  if (!Number.isInteger(page) || page < 1) return { status: 400, json: { message: 'page: must be a positive integer' } };
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 500) return { status: 400, json: { message: 'per_page: must be an integer from 1 to 500' } };
  return { page, perPage };
}

function pageOf<T>(list: readonly T[], p: { page: number; perPage: number }): T[] {
  return list.slice((p.page - 1) * p.perPage, p.page * p.perPage);
}

const CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function randomCode(length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');
}

function checkLifetime(value: number, name: string): number {
  if (!(Number.isInteger(value) && value >= 1 && value <= 86_400)) throw new RangeError(`${name} must be an integer between 1 and 86400; got ${value}`);
  return value;
}

function configLifetime(value: unknown, name: string): number {
  try {
    return checkLifetime(value as number, name);
  } catch (err) {
    throw new SimConfigError((err as Error).message);
  }
}

function gmt(base: string, plusSec: number): string {
  return new Date(Date.parse(`${base.replace(' ', 'T')}Z`) + plusSec * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

function sampleCall(clientId: number, i: number, extensionId: number, extension: string): PbxSimCall {
  const flow = (['in', 'out', 'internal'] as const)[i % 3]!;
  const external = `+7495${String(1000000 + clientId * 1000 + i * 37).slice(-7)}`;
  const [from, to] = flow === 'in' ? [external, extension] : flow === 'out' ? [extension, external] : [extension, `${clientId}*10${((i + 1) % 3) + 1}`];
  const answered = i % 4 !== 3;
  const init = gmt('2024-05-01 09:00:00', i * 1800);
  const start = gmt(init, 1);
  const bridged = answered ? gmt(start, 6) : null;
  const duration = answered ? 30 + i * 7 : 0;
  const hangup = gmt(start, answered ? 6 + duration : 25);
  const callUuid = stableUuid(`call-${clientId}-${i}`);
  const recordUuid = answered ? stableUuid(`record-${clientId}-${i}`) : null;
  return {
    client_id: clientId,
    call_uuid: callUuid,
    flow,
    init_time_gmt: init,
    start_time_gmt: start,
    bridged_time_gmt: bridged,
    hangup_time_gmt: hangup,
    duration,
    bridged: answered,
    extension_id: extensionId,
    from_username: from,
    to_username: to,
    result: answered ? 'answered' : 'not answered',
    hangup_cause: answered ? 'NORMAL_CLEARING' : 'NO_ANSWER',
    cdr: [
      {
        cdr_uuid: stableUuid(`cdr-${clientId}-${i}`),
        record_uuid: recordUuid,
        extension_id: extensionId,
        flow,
        from_username: from,
        to_username: to,
        start_time_gmt: start,
        duration,
        result: answered ? 'answered' : 'not answered',
      },
    ],
  };
}

/** A short, valid 8 kHz mono 16-bit WAV whose samples depend on the id, so each record has its own bytes. */
function wavBytes(id: string): Uint8Array {
  const samples = 800;
  const buf = Buffer.alloc(44 + samples * 2);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + samples * 2, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(8000, 24);
  buf.writeUInt32LE(16000, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(samples * 2, 40);
  const seed = createHash('sha256').update(id).digest();
  const freq = 300 + (seed[0]! % 500);
  for (let i = 0; i < samples; i++) buf.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * freq * i) / 8000)), 44 + i * 2);
  return new Uint8Array(buf);
}
