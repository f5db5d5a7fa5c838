/** The CloudCX domain's OAuth 2 token endpoint `POST /oauth/token` (route `token`): password and refresh grants. */
import { randomUUID } from 'node:crypto';
import { isFormEncoded } from '../common/content-type.js';
import { basicCredentials, NO_STORE, oauthError, sameSecret } from '../common/oauth.js';
import type { SimRequest, SimResponse } from '../common/sim-http.js';
import { stableUuid } from '../common/stable-uuid.js';
import { CLOUDCX_ISSUER, type CloudCxOAuthClient } from './data.js';
import type { CloudCxState } from './state.js';

/** Spring Security's answer to a request without any client authentication. */
export const FULL_AUTH = 'Full authentication is required to access this resource';

export function tokenRoutes(sim: CloudCxState): void {
  sim.server.route('POST', '/oauth/token', 'token', (req) => token(sim, req));
}

async function token(sim: CloudCxState, req: SimRequest): Promise<SimResponse> {
  const form = isFormEncoded(req.headers['content-type']) ? req.form() : new URLSearchParams();
  const grantType = form.get('grant_type');
  if (grantType === 'password' || grantType === 'refresh_token') sim.grants[grantType] += 1;

  const basic = basicCredentials(req.headers.authorization);
  const clientId = basic?.clientId ?? form.get('client_id');
  if (!clientId) return oauthError(401, 'unauthorized', FULL_AUTH, { 'WWW-Authenticate': 'Basic realm="oauth2/client"' });
  const secret = basic?.clientSecret ?? form.get('client_secret') ?? '';
  const client = sim.clients.find((c) => c.clientId === clientId);
  if (!client || !sameSecret(secret, client.clientSecret)) return oauthError(401, 'invalid_client', 'Bad client credentials');

  if (!grantType) return oauthError(400, 'invalid_request', 'Missing grant type');
  if (grantType === 'password') return passwordGrant(sim, client, form);
  if (grantType === 'refresh_token') return refreshGrant(sim, client, form);
  return oauthError(400, 'unsupported_grant_type', `Unsupported grant type: ${grantType}`);
}

function passwordGrant(sim: CloudCxState, client: CloudCxOAuthClient, form: URLSearchParams): Promise<SimResponse> | SimResponse {
  const username = form.get('username') ?? '';
  const password = form.get('password') ?? '';
  const account = sim.accounts.find((a) => a.username === username);
  // Compare even for unknown users, so timing does not tell which usernames exist.
  const passwordOk = sameSecret(password, account?.password ?? randomUUID());
  if (!account || !passwordOk || username === '') return oauthError(400, 'invalid_grant', 'Bad credentials');
  const user = sim.directory.find((u) => u.loginCode === account.username);
  return issueTokens(sim, client.clientId, account.username, user?.id ?? stableUuid(`cloudcx-user/${account.username}`));
}

function refreshGrant(sim: CloudCxState, client: CloudCxOAuthClient, form: URLSearchParams): Promise<SimResponse> | SimResponse {
  const token = form.get('refresh_token');
  if (!token) return oauthError(400, 'invalid_request', 'Missing refresh token');
  const grant = sim.refreshGrantOf(token);
  if (!grant) return oauthError(400, 'invalid_grant', `Invalid refresh token: ${token}`);
  if (grant.clientId !== client.clientId) return oauthError(400, 'invalid_grant', `Wrong client for this refresh token: ${token}`);
  sim.forgetRefreshToken(token); // rotated: single use
  if (grant.expiresAt <= Date.now()) return oauthError(400, 'invalid_grant', `Invalid refresh token (expired): ${token}`);
  return issueTokens(sim, grant.clientId, grant.username, grant.userId);
}

async function issueTokens(sim: CloudCxState, clientId: string, username: string, userId: string): Promise<SimResponse> {
  const expiresIn = sim.tokenLifetimeSec;
  const accessToken = await sim.issuer.issue({ sub: clientId, aud: clientId, 'user-id': userId, iss: CLOUDCX_ISSUER }, expiresIn + 1);
  const refreshToken = sim.issueRefreshToken({ clientId, username, userId });
  return {
    status: 200,
    headers: NO_STORE,
    json: { access_token: accessToken, token_type: 'Bearer', refresh_token: refreshToken, expires_in: expiresIn },
  };
}
