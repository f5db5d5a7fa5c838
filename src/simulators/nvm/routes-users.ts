/**
 * The NewVoiceMedia agents availability API (v1, `GET /agents-availability`, route `agents-availability`) and user
 * admin API (v4, `GET /useradmin/users` and `GET /useradmin/users/{userId}`, routes `users` and `user`).
 */
import type { SimRequest, SimResponse } from '../common/sim-http.js';
import { apiRoute, intParam, queryParam } from './api-gateway.js';
import type { AgentState, NvmSimUser } from './data.js';
import type { NvmState } from './state.js';

export function userRoutes(sim: NvmState): void {
  apiRoute(sim, 'availability', '/agents-availability', 'agents-availability', (req) => availability(sim, req));
  apiRoute(sim, 'users', '/useradmin/users', 'users', (req) => listUsers(sim, req));
  apiRoute(sim, 'users', '/useradmin/users/:userId', 'user', (req) => getUser(sim, req));
}

function availability(sim: NvmState, req: SimRequest): SimResponse {
  const raw = queryParam(req.query, 'skillNames');
  const wanted = (raw ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (wanted.length === 0) return { status: 400, json: { SkillNames: ['The SkillNames field is required.'] } };
  const counts: Record<AgentState, number> = { Ready: 0, Away: 0, 'Extended Away': 0, 'Logged Out': 0 };
  for (const u of sim.users) {
    if (!u.active || !u.userAccountConfiguration.actAsAgent) continue;
    if (u.skills.some((s) => wanted.includes(s.toLowerCase()))) counts[u.state] += 1;
  }
  return { status: 200, json: counts };
}

function listUsers(sim: NvmState, req: SimRequest): SimResponse {
  const includeRaw = queryParam(req.query, 'include') ?? 'Active';
  const include = ['Active', 'Archived', 'All'].find((v) => v.toLowerCase() === includeRaw.toLowerCase());
  if (!include) return { status: 400, json: { include: [`The value '${includeRaw}' is not valid for include.`] } };
  const page = intParam(queryParam(req.query, 'page'), 1);
  if (page === null || page < 1) return { status: 400, json: { page: ['The field page must be between 1 and 2147483647.'] } };
  const limit = intParam(queryParam(req.query, 'limit'), 25);
  if (limit === null || limit < 1 || limit > 5000) return { status: 400, json: { limit: ['The field limit must be between 1 and 5000.'] } };

  const matching = sim.users.filter((u) => include === 'All' || u.active === (include === 'Active'));
  const items = matching.slice((page - 1) * limit, page * limit).map(publicUser);
  if (sim.usersEnvelope === 'users') return { status: 200, json: { users: items } };
  return {
    status: 200,
    json: { meta: { page, count: items.length, pageCount: Math.ceil(matching.length / limit), totalCount: matching.length }, items },
  };
}

function getUser(sim: NvmState, req: SimRequest): SimResponse {
  const user = sim.users.find((u) => u.userId === req.params['userId']);
  return user ? { status: 200, json: publicUser(user) } : { status: 404, json: { message: 'User not found' } };
}

/** The user as the user admin API sends it: without the simulator's own skill/state fields. */
function publicUser(u: NvmSimUser): Omit<NvmSimUser, 'skills' | 'state'> {
  const { skills: _skills, state: _state, ...rest } = u;
  return rest;
}
