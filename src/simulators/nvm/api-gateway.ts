/**
 * The NewVoiceMedia API gateway's checks shared by every API route, in order: the fair-usage limit (429), the bearer
 * token (401), the API's scope (403) and the Accept version (400/406). Also how the gateway reads query parameters.
 */
import { checkBearer, insufficientScopeResponse } from '../common/bearer.js';
import type { SimHandler, SimRequest, SimResponse } from '../common/sim-http.js';
import type { NvmState } from './state.js';

const API_VERSION = { availability: 1, users: 4, interactions: 3 } as const;
const API_SCOPE = { availability: 'agents-availability:read', users: 'users:read', interactions: 'interaction-content:read' } as const;
export type Api = keyof typeof API_VERSION;

const INVALID_TOKEN_BODY = { message: 'The access token is invalid or has expired' };

/** Registers a `GET` route of one API behind the gateway's checks. */
export function apiRoute(sim: NvmState, api: Api, path: string, name: string, handler: (req: SimRequest) => SimResponse): void {
  const gated: SimHandler = async (req) => (await gatewayRefusal(sim, api, req)) ?? handler(req);
  sim.server.route('GET', path, name, gated);
}

async function gatewayRefusal(sim: NvmState, api: Api, req: SimRequest): Promise<SimResponse | null> {
  const limited = sim.takeFromLimit();
  if (limited) return limited;

  const auth = await checkBearer(req, sim.issuer, { body: INVALID_TOKEN_BODY, accept: (claims) => typeof claims['client_id'] === 'string' });
  if (!auth.ok) return auth.response;
  const granted = auth.claims['scope'];
  const scopes = Array.isArray(granted) ? granted : typeof granted === 'string' ? granted.split(' ') : [];
  if (!scopes.includes(API_SCOPE[api])) {
    return insufficientScopeResponse(API_SCOPE[api], { message: `The access token does not grant the scope ${API_SCOPE[api]} this API requires` });
  }

  const version = acceptVersion(req.headers.accept);
  if (version === null) return { status: 400, json: { message: 'Version missing from Accept header!' } };
  if (version !== API_VERSION[api]) {
    return { status: 406, json: { message: `Version ${version} is not supported; use application/vnd.newvoicemedia.v${API_VERSION[api]}+json` } };
  }
  return null;
}

/** The N of the first `application/vnd.newvoicemedia.vN+json` in Accept, or null when none names a version. */
function acceptVersion(header: string | undefined): number | null {
  const m = /application\/vnd\.newvoicemedia\.v(\d+)\+json/i.exec(header ?? '');
  return m ? Number(m[1]) : null;
}

/** Query parameters are read case-insensitively, as ASP.NET binds them. */
export function queryParam(q: URLSearchParams, name: string): string | undefined {
  for (const [k, v] of q) if (k.toLowerCase() === name.toLowerCase()) return v;
  return undefined;
}

/** A non-negative integer query parameter; `def` when absent, null when not one. */
export function intParam(raw: string | undefined, def: number): number | null {
  if (raw === undefined || raw === '') return def;
  return /^\d{1,9}$/.test(raw) ? Number(raw) : null;
}
