/**
 * The PBX's token endpoint `POST /oauth/token` (route `token`): `authorization_code` and `refresh_token` for public
 * apps, `client_credentials` for trusted apps.
 */
import { mediaType } from '../common/content-type.js';
import { NO_STORE, oauthError, sameSecret } from '../common/oauth.js';
import type { SimRequest, SimResponse } from '../common/sim-http.js';
import { randomCode } from './routes-consent.js';
import type { PbxState } from './state.js';

const REFRESH_LIFETIME_MS = 30 * 24 * 3600_000;

export function tokenRoutes(sim: PbxState): void {
  sim.server.route('POST', '/oauth/token', 'token', (req) => token(sim, req));
}

async function token(sim: PbxState, req: SimRequest): Promise<SimResponse> {
  const form = mediaType(req.headers['content-type']) === 'application/x-www-form-urlencoded' ? req.form() : new URLSearchParams();
  const grantType = form.get('grant_type');
  if (!grantType) return oauthError(400, 'invalid_request', 'Missing grant_type parameter.');
  if (!['authorization_code', 'refresh_token', 'client_credentials'].includes(grantType))
    return oauthError(400, 'unsupported_grant_type', `Unsupported grant type ${grantType}.`);

  const clientId = form.get('client_id');
  const secret = form.get('client_secret');
  if (!clientId || !secret) return oauthError(401, 'invalid_client', 'Client authentication failed.');
  const publicApp = sim.publicApps.find((a) => a.clientId === clientId);
  const trustedApp = sim.trusted.get(clientId);
  const expected = publicApp?.clientSecret ?? (trustedApp && !trustedApp.revoked ? trustedApp.secret : undefined);
  if (expected === undefined || !sameSecret(secret, expected)) return oauthError(401, 'invalid_client', 'Client authentication failed.');

  if (grantType === 'client_credentials') {
    if (!trustedApp) return oauthError(400, 'unauthorized_client', 'Only trusted applications may use client_credentials.');
    const accessToken = await issueAccess(sim, trustedApp.userId, clientId, 'trusted');
    return { status: 200, headers: NO_STORE, json: { access_token: accessToken, expires_in: sim.tokenLifetimeSec, token_type: 'Bearer', scope: 'all' } };
  }
  if (!publicApp) return oauthError(400, 'unauthorized_client', `Trusted applications may not use ${grantType}.`);

  if (grantType === 'authorization_code') {
    const code = form.get('code');
    if (!code) return oauthError(400, 'invalid_request', 'Missing code parameter.');
    const grant = sim.codes.get(code);
    if (!grant || grant.clientId !== clientId || grant.expiresAt <= sim.issuer.now())
      return oauthError(400, 'invalid_grant', 'Invalid or expired authorization code.');
    if (grant.used) {
      // RFC 6749 §4.1.2: a replayed code revokes what it gave.
      for (const t of grant.accessTokens) sim.issuer.revoke(t);
      for (const r of grant.refreshTokens) sim.refreshTokens.delete(r);
      return oauthError(400, 'invalid_grant', 'Authorization code has already been used.');
    }
    if (form.get('redirect_uri') !== grant.redirectUri) return oauthError(400, 'invalid_grant', 'Mismatching redirect URI.');
    grant.used = true;
    const { body, accessToken, refreshToken } = await issueUserTokens(sim, grant.userId, clientId);
    grant.accessTokens.push(accessToken);
    grant.refreshTokens.push(refreshToken);
    return { status: 200, headers: NO_STORE, json: body };
  }

  // refresh_token
  const refresh = form.get('refresh_token');
  if (!refresh) return oauthError(400, 'invalid_request', 'Missing refresh_token parameter.');
  const held = sim.refreshTokens.get(refresh);
  if (!held || held.clientId !== clientId || held.expiresAt <= Date.now()) return oauthError(401, 'invalid_grant', 'Invalid refresh token.');
  sim.refreshTokens.delete(refresh); // rotated
  const { body } = await issueUserTokens(sim, held.userId, clientId);
  return { status: 200, headers: NO_STORE, json: body };
}

async function issueUserTokens(
  sim: PbxState,
  userId: number,
  clientId: string,
): Promise<{ body: Record<string, unknown>; accessToken: string; refreshToken: string }> {
  const accessToken = await issueAccess(sim, userId, clientId, 'public');
  const refreshToken = randomCode(30);
  sim.refreshTokens.set(refreshToken, { clientId, userId, expiresAt: Date.now() + REFRESH_LIFETIME_MS });
  return {
    body: { access_token: accessToken, expires_in: sim.tokenLifetimeSec, token_type: 'Bearer', refresh_token: refreshToken, scope: 'all' },
    accessToken,
    refreshToken,
  };
}

function issueAccess(sim: PbxState, userId: number, clientId: string, appType: 'public' | 'trusted'): Promise<string> {
  return sim.issuer.issue({ iss: sim.server.url, sub: String(userId), client_id: clientId, app_type: appType, scope: 'all' }, sim.tokenLifetimeSec);
}
