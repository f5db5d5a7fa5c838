/** The Sangoma auth server's token endpoint (`https://auth.sangoma.com/oauth/token`): route `token`. */
import { isFormEncoded } from '../common/content-type.js';
import { basicCredentials, NO_STORE, oauthError, sameSecret } from '../common/oauth.js';
import type { SimRequest, SimResponse } from '../common/sim-http.js';
import { SANGOMA_AUDIENCE, SANGOMA_ISSUER, SANGOMA_KNOWN_SCOPES } from './data.js';
import type { SangomaState } from './state.js';

const BASIC_CHALLENGE = { 'WWW-Authenticate': 'Basic realm="Sangoma"' };

export function tokenRoutes(sim: SangomaState): void {
  sim.server.route('POST', '/oauth/token', 'token', (req) => token(sim, req));
}

async function token(sim: SangomaState, req: SimRequest): Promise<SimResponse> {
  const form = isFormEncoded(req.headers['content-type']) ? req.form() : new URLSearchParams();

  // 1. Client authentication: HTTP Basic only.
  const header = req.headers.authorization;
  // Sangoma documents `base64(client_id:client_secret)`: the values as they are, not form-encoded.
  const basic = basicCredentials(header, 'raw');
  if (!basic) {
    if (header !== undefined) return oauthError(401, 'invalid_client', 'Client authentication failed: malformed Basic authorization header', BASIC_CHALLENGE);
    if (form.has('client_secret') || form.has('client_id')) {
      return oauthError(
        401,
        'invalid_client',
        'Client authentication must use HTTP Basic authentication (client_secret_basic); credentials in the request body are not accepted',
        BASIC_CHALLENGE,
      );
    }
    return oauthError(401, 'invalid_client', 'Client authentication required', BASIC_CHALLENGE);
  }
  if (form.has('client_secret')) {
    return oauthError(400, 'invalid_request', 'The request uses more than one client authentication method');
  }
  const client = sim.clients.find((c) => c.clientId === basic.clientId);
  // Same answer for an unknown client and a wrong secret; never echo what was sent.
  if (!client || !sameSecret(basic.clientSecret, client.clientSecret)) {
    return oauthError(401, 'invalid_client', 'Client authentication failed', BASIC_CHALLENGE);
  }

  // 2. Grant type.
  const grantType = form.get('grant_type');
  if (!grantType) return oauthError(400, 'invalid_request', 'Missing grant_type parameter');
  if (grantType !== 'client_credentials') return oauthError(400, 'unsupported_grant_type', `Unsupported grant type: ${grantType}`);

  // 3. Scope: at least one, known, allowed, separated by one blank space.
  const scope = form.get('scope');
  if (scope === null || scope.trim() === '') return oauthError(400, 'invalid_scope', 'At least one API scope is required');
  const requested = scope.split(' ');
  if (requested.some((s) => s === '')) return oauthError(400, 'invalid_scope', 'Scopes must be separated by a single blank space');
  const allowed = client.scopes ?? SANGOMA_KNOWN_SCOPES;
  for (const s of requested) {
    if (!(SANGOMA_KNOWN_SCOPES as readonly string[]).includes(s)) return oauthError(400, 'invalid_scope', `Unknown scope: ${s.slice(0, 80)}`);
    if (!allowed.includes(s)) return oauthError(400, 'invalid_scope', `Scope not allowed for this client: ${s}`);
  }
  const granted = [...new Set(requested)].join(' ');

  const lifetime = sim.tokenLifetimeSec;
  const accessToken = await sim.issuer.issue(
    { iss: SANGOMA_ISSUER, aud: SANGOMA_AUDIENCE, sub: client.clientId, client_id: client.clientId, scope: granted },
    lifetime,
  );
  return { status: 200, headers: NO_STORE, json: { access_token: accessToken, scope: granted, token_type: 'bearer', expires_in: lifetime } };
}
