/** The Azure AD (Microsoft Entra ID) v2.0 token endpoint of the CallJourney simulator's tenant: route `token`. */
import { randomUUID } from 'node:crypto';
import { isFormEncoded } from '../common/content-type.js';
import { basicCredentials, NO_STORE_NO_CACHE, sameSecret } from '../common/oauth.js';
import type { SimRequest, SimResponse } from '../common/sim-http.js';
import { stableUuid } from '../common/stable-uuid.js';
import { CALLJOURNEY_ROLE } from './data.js';
import type { CallJourneyState } from './state.js';

export function tokenRoutes(sim: CallJourneyState): void {
  sim.server.route('POST', '/:tenant/oauth2/v2.0/token', 'token', (req) => token(sim, req));
}

async function token(sim: CallJourneyState, req: SimRequest): Promise<SimResponse> {
  const tenant = req.params['tenant'] ?? '';
  if (tenant.toLowerCase() !== sim.tenantId) {
    return aadError(
      400,
      'invalid_request',
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. ` +
        'Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.',
    );
  }

  // Azure AD only reads form-encoded bodies; anything else looks like an empty body.
  const form = isFormEncoded(req.headers['content-type']) ? req.form() : new URLSearchParams();
  const basic = basicCredentials(req.headers.authorization);
  const grantType = form.get('grant_type');
  if (!grantType) return missingParameter('grant_type');
  if (grantType !== 'client_credentials') {
    return aadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
  }

  const clientId = basic?.clientId ?? form.get('client_id');
  if (!clientId) return missingParameter('client_id');
  const client = sim.clients.find((c) => c.clientId === clientId);
  if (!client) {
    return aadError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${sim.tenantId}'. ` +
        'This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. ' +
        'You may have sent your authentication request to the wrong tenant.',
    );
  }

  const secret = basic?.clientSecret ?? form.get('client_secret');
  if (!secret) {
    return aadError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }
  if (!sameSecret(secret, client.clientSecret)) {
    // Like Azure AD, name the app but never echo the secret that was sent.
    return aadError(
      401,
      'invalid_client',
      7000215,
      'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, ' +
        `not the client secret ID, for a secret added to app '${client.clientId}'.`,
    );
  }

  const scope = form.get('scope');
  if (!scope) return aadError(400, 'invalid_scope', 70011, "The provided request must include a 'scope' input parameter.");
  const expectedScope = `api://${client.clientId}/.default`;
  if (scope !== expectedScope) {
    return aadError(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`);
  }

  const lifetime = sim.tokenLifetimeSec;
  const objectId = stableUuid(`${sim.tenantId}/${client.clientId}`);
  const accessToken = await sim.issuer.issue(
    {
      aud: `api://${client.clientId}`,
      iss: `https://login.microsoftonline.com/${sim.tenantId}/v2.0`,
      tid: sim.tenantId,
      oid: objectId,
      sub: objectId,
      azp: client.clientId,
      azpacr: '1',
      idtyp: 'app',
      roles: [CALLJOURNEY_ROLE],
      ver: '2.0',
    },
    lifetime,
  );
  return {
    status: 200,
    headers: NO_STORE_NO_CACHE,
    json: { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken },
  };
}

/** Azure AD's error body; the description ends with the trace/correlation ids and time as Azure's does. */
function aadError(status: number, error: string, code: number, message: string): SimResponse {
  const now = new Date();
  const timestamp = `${now.toISOString().slice(0, 19).replace('T', ' ')}Z`;
  const traceId = randomUUID();
  const correlationId = randomUUID();
  return {
    status,
    headers: NO_STORE_NO_CACHE,
    json: {
      error,
      error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}

function missingParameter(name: string): SimResponse {
  return aadError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);
}
