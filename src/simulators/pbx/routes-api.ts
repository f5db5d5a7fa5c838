/**
 * The PBX API (`/api/ver1.0`, Bearer): `POST application/` (route `application_create`), `GET user/` (`user`),
 * `GET client/{id|@me}/extension/` (`extensions`), `GET client/{id|@me}/call_history/` (`call_history`),
 * `GET extension/{id}/record/` (`extension_records`) and `GET client/{id|@me}/record/{uuid}/storage_url/` (`storage_url`).
 */
import { randomBytes } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { checkBearer } from '../common/bearer.js';
import { mediaType } from '../common/content-type.js';
import type { SimRequest, SimResponse } from '../common/sim-http.js';
import type { PbxSimUser } from './data.js';
import { STORAGE_PATH } from './routes-storage.js';
import type { PbxState, TrustedAppEntry } from './state.js';

const UNAUTHORIZED_BODY = { message: 'Authorization required' };
const API = '/api/ver1.0';
const PBX_DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const STORAGE_LINK_LIFETIME_SEC = 300;

export function apiRoutes(sim: PbxState): void {
  sim.server.route('POST', `${API}/application/`, 'application_create', (req) => createApplication(sim, req));
  sim.server.route('GET', `${API}/user/`, 'user', (req) => api(sim, req, (user) => ({ status: 200, json: userBody(user) })));
  sim.server.route('GET', `${API}/client/:client/extension/`, 'extensions', (req) => api(sim, req, (user) => listExtensions(sim, req, user)));
  sim.server.route('GET', `${API}/client/:client/call_history/`, 'call_history', (req) => api(sim, req, (user) => callHistory(sim, req, user)));
  sim.server.route('GET', `${API}/extension/:id/record/`, 'extension_records', (req) => api(sim, req, (user) => extensionRecords(sim, req, user)));
  sim.server.route('GET', `${API}/client/:client/record/:uuid/storage_url/`, 'storage_url', (req) => api(sim, req, (user) => storageUrl(sim, req, user)));
}

/** Bearer check (signature, exp, revocation, app still present), then the handler with the token's user. */
async function api(
  sim: PbxState,
  req: SimRequest,
  handler: (user: PbxSimUser, claims: JWTPayload) => SimResponse | Promise<SimResponse>,
): Promise<SimResponse> {
  const auth = await checkBearer(req, sim.issuer, { body: UNAUTHORIZED_BODY, accept: (claims) => acceptsClaims(sim, claims) });
  if (!auth.ok) return auth.response;
  const user = sim.users.find((u) => String(u.id) === auth.claims.sub)!;
  return handler(user, auth.claims);
}

function acceptsClaims(sim: PbxState, claims: JWTPayload): boolean {
  if (claims.iss !== sim.server.url || !sim.users.some((u) => String(u.id) === claims.sub)) return false;
  const clientId = claims['client_id'];
  if (typeof clientId !== 'string') return false;
  if (sim.publicApps.some((a) => a.clientId === clientId)) return true;
  const app = sim.trusted.get(clientId);
  return app !== undefined && !app.revoked;
}

function createApplication(sim: PbxState, req: SimRequest): Promise<SimResponse> {
  return api(sim, req, (user) => {
    if (!mediaType(req.headers['content-type']).includes('json')) return { status: 415, json: { message: 'Content-Type must be application/json' } };
    let body: unknown;
    try {
      body = req.json();
    } catch {
      return { status: 400, json: { message: 'Request body must be valid JSON' } };
    }
    const o = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
    if (typeof o.name !== 'string' || o.name.trim() === '') return { status: 400, json: { message: 'name: This field is required.' } };
    if (o.type !== 'trusted' && o.trusted !== true)
      return { status: 400, json: { message: 'type: only trusted applications can be created with a user token' } };
    const clientId = randomBytes(16).toString('hex');
    const secret = randomBytes(16).toString('hex');
    const app: TrustedAppEntry = { clientId, secret, name: o.name.trim(), userId: user.id, createdAt: new Date().toISOString(), revoked: false };
    sim.trusted.set(clientId, app);
    const ids = sim.appReplyFields === 'id' ? { id: clientId, secret } : { client_id: clientId, client_secret: secret };
    return { status: 201, json: { ...ids, name: app.name, type: 'trusted', user_id: user.id } };
  });
}

/** `@me` or the user's own client id; another existing client is 403, an unknown one 404. */
function clientOf(sim: PbxState, req: SimRequest, user: PbxSimUser): number | SimResponse {
  const c = req.params['client'] ?? '';
  if (c === '@me') return user.client_id ?? ({ status: 404, json: { message: 'Client not found' } } as SimResponse);
  const id = Number(c);
  if (!Number.isInteger(id)) return { status: 404, json: { message: 'Client not found' } };
  if (id === user.client_id) return id;
  const exists = sim.users.some((u) => u.client_id === id);
  return exists ? { status: 403, json: { message: 'Permission denied' } } : { status: 404, json: { message: 'Client not found' } };
}

function listExtensions(sim: PbxState, req: SimRequest, user: PbxSimUser): SimResponse {
  const client = clientOf(sim, req, user);
  if (typeof client !== 'number') return client;
  const paging = pagingOf(req.query);
  if ('status' in paging) return paging;
  const type = req.query.get('type');
  if (type !== null && !['phone', 'queue', 'ivr'].includes(type)) return { status: 400, json: { message: 'type: must be one of phone, queue, ivr' } };
  const list = sim.extensions.filter((e) => e.client_id === client && (type === null || e.type === type));
  return { status: 200, json: pageOf(list, paging).map(({ client_id: _c, ...e }) => e) };
}

function callHistory(sim: PbxState, req: SimRequest, user: PbxSimUser): SimResponse {
  const client = clientOf(sim, req, user);
  if (typeof client !== 'number') return client;
  const paging = pagingOf(req.query);
  if ('status' in paging) return paging;
  const start = req.query.get('start_datetime');
  const end = req.query.get('end_datetime');
  for (const [name, v] of [
    ['start_datetime', start],
    ['end_datetime', end],
  ] as const) {
    if (v !== null && !PBX_DATE.test(v)) return { status: 400, json: { message: `${name}: invalid format, expected YYYY-MM-DD HH:MM:SS` } };
  }
  const order = req.query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') return { status: 400, json: { message: 'order: must be asc or desc' } };
  const list = sim.calls
    .filter((c) => c.client_id === client && (start === null || c.start_time_gmt >= start) && (end === null || c.start_time_gmt < end))
    .sort((a, b) => (order === 'asc' ? 1 : -1) * a.start_time_gmt.localeCompare(b.start_time_gmt));
  return {
    status: 200,
    json: { page: paging.page, per_page: paging.perPage, order, call_history: pageOf(list, paging).map(({ client_id: _c, ...c }) => c) },
  };
}

function extensionRecords(sim: PbxState, req: SimRequest, user: PbxSimUser): SimResponse {
  const id = Number(req.params['id']);
  const ext = sim.extensions.find((e) => e.id === id);
  if (!ext) return { status: 404, json: { message: 'Extension not found' } };
  if (ext.client_id !== user.client_id) return { status: 403, json: { message: 'Permission denied' } };
  const start = req.query.get('start_datetime');
  const end = req.query.get('end_datetime');
  for (const [name, v] of [
    ['start_datetime', start],
    ['end_datetime', end],
  ] as const) {
    if (v !== null && !PBX_DATE.test(v)) return { status: 400, json: { message: `${name}: invalid format, expected YYYY-MM-DD HH:MM:SS` } };
  }
  const list = [...sim.records.values()].filter(
    (r) => r.extension_id === id && (start === null || r.start_time_gmt >= start) && (end === null || r.start_time_gmt < end),
  );
  return { status: 200, json: list.map(({ client_id: _c, ...r }) => r) };
}

function storageUrl(sim: PbxState, req: SimRequest, user: PbxSimUser): SimResponse {
  const client = clientOf(sim, req, user);
  if (typeof client !== 'number') return client;
  const uuid = req.params['uuid'] ?? '';
  const record = sim.records.get(uuid);
  if (!record || record.client_id !== client) return { status: 404, json: { message: 'Record not found' } };
  const expires = Math.floor(Date.now() / 1000) + STORAGE_LINK_LIFETIME_SEC;
  const q = new URLSearchParams({ expires: String(expires), signature: sim.sign(uuid, expires) });
  return { status: 200, json: { record_url: `${sim.server.url}${STORAGE_PATH}/${encodeURIComponent(uuid)}?${q}` } };
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
