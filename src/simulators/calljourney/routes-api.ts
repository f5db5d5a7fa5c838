/** The CallJourney API of the simulator: `POST /api/v1/search/conversationexists` (route `conversationexists`). */
import type { JWTPayload } from 'jose';
import { checkBearer } from '../common/bearer.js';
import { isJson } from '../common/content-type.js';
import type { SimRequest, SimResponse } from '../common/sim-http.js';
import { CALLJOURNEY_ROLE } from './data.js';
import type { CallJourneyState } from './state.js';

const UNAUTHORIZED_BODY = { message: 'Unauthorized' };
const RECORDING_FIELDS = ['company', 'organisation', 'folder', 'filename'] as const;

export function apiRoutes(sim: CallJourneyState): void {
  sim.server.route('POST', '/api/v1/search/conversationexists', 'conversationexists', (req) => conversationExists(sim, req));
}

async function conversationExists(sim: CallJourneyState, req: SimRequest): Promise<SimResponse> {
  const auth = await checkBearer(req, sim.issuer, { body: UNAUTHORIZED_BODY, accept: (claims) => acceptsClaims(sim, claims) });
  if (!auth.ok) return auth.response;

  if (!isJson(req.headers['content-type'])) {
    return { status: 415, json: { message: 'Content-Type must be application/json' } };
  }
  let body: unknown;
  try {
    body = req.json();
  } catch {
    return { status: 400, json: { message: 'Request body must be valid JSON' } };
  }
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  for (const field of RECORDING_FIELDS) {
    const value = fields[field];
    if (typeof value !== 'string' || value.trim() === '') return { status: 400, json: { message: `${field} is required` } };
  }
  const [company, organisation, folder, filename] = RECORDING_FIELDS.map((f) => fields[f] as string) as [string, string, string, string];
  const callId = sim.callIdOf(company, organisation, folder, filename);
  return { status: 200, json: callId === undefined ? { exists: false, callId: '' } : { exists: true, callId } };
}

/** A token of this tenant, for a registered client's API, carrying the app role. */
function acceptsClaims(sim: CallJourneyState, claims: JWTPayload): boolean {
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const roles = claims['roles'];
  return (
    claims['tid'] === sim.tenantId &&
    claims.iss === `https://login.microsoftonline.com/${sim.tenantId}/v2.0` &&
    audiences.some((aud) => sim.clients.some((c) => aud === `api://${c.clientId}`)) &&
    Array.isArray(roles) &&
    roles.includes(CALLJOURNEY_ROLE)
  );
}
