/**
 * The Sangoma CX call API of the simulator (`https://cpaas.sangoma.com/cx`): `POST /cx/api/v1/agents/call/`
 * (route `agents-call`) and `POST /cx/api/v1/queues/call/` (route `queues-call`).
 */
import { randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { checkBearer, insufficientScopeResponse } from '../common/bearer.js';
import { isJson } from '../common/content-type.js';
import type { SimRequest, SimResponse } from '../common/sim-http.js';
import { SANGOMA_AUDIENCE, SANGOMA_ISSUER } from './data.js';
import type { SangomaState } from './state.js';

const DESTINATION = /^(\+?[0-9*#]{2,20}|sips?:[^\s<>"]+|tel:[^\s<>"]+)$/i;

export function apiRoutes(sim: SangomaState): void {
  sim.server.route('POST', '/cx/api/v1/agents/call/', 'agents-call', (req) => call(sim, req, 'agent'));
  sim.server.route('POST', '/cx/api/v1/queues/call/', 'queues-call', (req) => call(sim, req, 'queue'));
}

async function call(sim: SangomaState, req: SimRequest, kind: 'agent' | 'queue'): Promise<SimResponse> {
  const auth = await checkBearer(req, sim.issuer, {
    body: { success: false, message: 'Invalid or expired access token' },
    accept: (claims) => acceptsClaims(sim, claims),
  });
  if (!auth.ok) return auth.response;

  const scope = kind === 'agent' ? 'cx.agent-calls' : 'cx.queue-calls';
  const granted = typeof auth.claims['scope'] === 'string' ? auth.claims['scope'].split(' ') : [];
  if (!granted.includes(scope)) return insufficientScopeResponse(scope, { success: false, message: `The access token does not grant the scope ${scope}` });

  if (!isJson(req.headers['content-type'])) return failure(415, 'Content-Type must be application/json');
  let body: unknown;
  try {
    body = req.json();
  } catch {
    return failure(400, 'Request body must be valid JSON');
  }
  const fields = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const nameField = kind === 'agent' ? 'agent_name' : 'queue_name';
  for (const f of [nameField, 'destination', 'tenant_domain']) {
    const v = fields[f];
    if (typeof v !== 'string' || v.trim() === '') return failure(400, `${f} is required`);
  }
  const name = fields[nameField] as string;
  const destination = (fields['destination'] as string).trim();
  const domain = (fields['tenant_domain'] as string).trim().toLowerCase();
  if (!DESTINATION.test(destination)) return failure(400, 'destination is not a valid phone number or SIP URI');

  const tenant = sim.tenants.find((t) => t.domain.toLowerCase() === domain);
  if (!tenant) return failure(404, `Tenant ${domain} not found`);
  if (kind === 'agent') {
    if (!tenant.agents.includes(name)) return failure(404, `Agent ${name} not found in tenant ${tenant.domain}`);
    if (tenant.unavailableAgents?.includes(name)) return failure(409, `Agent ${name} is not available to place a call`);
  } else if (!tenant.queues.includes(name)) {
    return failure(404, `Queue ${name} not found in tenant ${tenant.domain}`);
  }

  const callId = randomUUID();
  sim.place({ kind, callId, tenantDomain: tenant.domain, name, destination, at: new Date() });
  return { status: 200, json: { success: true, message: kind === 'agent' ? 'Call initiated' : 'Callback queued', call_id: callId } };
}

/** A token this auth server issued for the CX API to a client that still exists. */
function acceptsClaims(sim: SangomaState, claims: JWTPayload): boolean {
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  return claims.iss === SANGOMA_ISSUER && audiences.includes(SANGOMA_AUDIENCE) && sim.clients.some((c) => c.clientId === claims['client_id']);
}

function failure(status: number, message: string): SimResponse {
  return { status, json: { success: false, message } };
}
