/** The NewVoiceMedia auth host's IdentityServer token endpoint `POST /Auth/connect/token`: route `token`. */
import { mediaType } from '../common/content-type.js';
import { basicCredentials, NO_STORE_NO_CACHE, sameSecret } from '../common/oauth.js';
import type { SimRequest, SimResponse } from '../common/sim-http.js';
import { NVM_KNOWN_SCOPES } from './data.js';
import type { NvmState } from './state.js';

export function tokenRoutes(sim: NvmState): void {
  sim.server.route('POST', '/Auth/connect/token', 'token', (req) => token(sim, req));
}

async function token(sim: NvmState, req: SimRequest): Promise<SimResponse> {
  if (mediaType(req.headers['content-type']) !== 'application/x-www-form-urlencoded') return tokenError('invalid_request');
  const form = req.form();
  const scopeParam = form.get('scope');
  if (scopeParam) sim.countTokenRequest(scopeParam);

  const basic = basicCredentials(req.headers.authorization);
  const clientId = basic?.clientId ?? form.get('client_id');
  const secret = basic?.clientSecret ?? form.get('client_secret');
  const client = clientId ? sim.clients.find((c) => c.clientId === clientId) : undefined;
  if (!client || !secret || !sameSecret(secret, client.clientSecret)) return tokenError('invalid_client');

  if (form.get('grant_type') !== 'client_credentials') return tokenError('unsupported_grant_type');

  const scopes = (scopeParam ?? '').split(' ').filter(Boolean);
  if (scopes.length === 0) return tokenError('invalid_scope', 'You must specify a scope');
  if (scopes.length > 1) return tokenError('invalid_scope', 'You must specify only one scope');
  const scope = scopes[0]!;
  if (!(NVM_KNOWN_SCOPES as readonly string[]).includes(scope) || !client.scopes.includes(scope)) return tokenError('invalid_scope');

  const lifetime = sim.tokenLifetimeSec;
  const accessToken = await sim.issuer.issue(
    { iss: `${sim.server.url}/Auth`, aud: `${sim.server.url}/Auth/resources`, client_id: client.clientId, scope: [scope] },
    lifetime,
  );
  return { status: 200, headers: NO_STORE_NO_CACHE, json: { access_token: accessToken, expires_in: lifetime, token_type: 'Bearer' } };
}

function tokenError(error: string, description?: string): SimResponse {
  return { status: 400, headers: NO_STORE_NO_CACHE, json: description ? { error, error_description: description } : { error } };
}
