/** The CloudCX open API of the simulator: the user directory `GET /openapi/v2/user/page` (route `userpage`). */
import { decodeJwt, type JWTPayload } from 'jose';
import { bearerToken } from '../common/bearer.js';
import { sameSecret } from '../common/oauth.js';
import type { SimRequest, SimResponse } from '../common/sim-http.js';
import { CLOUDCX_ISSUER, USER_PAGE_PATH, type CloudCxSimUser } from './data.js';
import { FULL_AUTH } from './routes-token.js';
import type { CloudCxState } from './state.js';

const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 1000;

export function apiRoutes(sim: CloudCxState): void {
  sim.server.route('GET', USER_PAGE_PATH, 'userpage', (req) => userPage(sim, req));
}

async function userPage(sim: CloudCxState, req: SimRequest): Promise<SimResponse> {
  const denied = await authorise(sim, req);
  if (denied) return denied;

  const pending = sim.takeErrorEnvelope();
  if (pending) return envelopeError(pending.code, pending.message);

  const pageIndex = intParam(req.query.get('pageIndex'), 1);
  if (pageIndex === null || pageIndex < 1) return envelopeError('1001', 'Invalid parameter: pageIndex');
  const pageSize = intParam(req.query.get('pageSize'), DEFAULT_PAGE_SIZE);
  if (pageSize === null || pageSize < 1 || pageSize > MAX_PAGE_SIZE) return envelopeError('1001', 'Invalid parameter: pageSize');

  const keywords = (req.query.get('keywords') ?? '').trim().toLowerCase();
  const matches = keywords ? sim.directory.filter((u) => matchesKeywords(u, keywords)) : sim.directory;
  const start = (pageIndex - 1) * pageSize;
  const content = matches.slice(start, start + pageSize);
  return {
    status: 200,
    json: {
      code: '0000',
      message: null,
      data: {
        totalPages: Math.ceil(matches.length / pageSize),
        totalElements: matches.length,
        size: pageSize,
        number: pageIndex - 1,
        numberOfElements: content.length,
        content,
      },
    },
  };
}

/** Undefined when the bearer is a live token of this server or a configured API key; else the 401. */
async function authorise(sim: CloudCxState, req: SimRequest): Promise<SimResponse | undefined> {
  const token = bearerToken(req);
  if (token === null) return unauthorized('unauthorized', FULL_AUTH);
  if (sim.apiKeys.some((k) => sameSecret(token, k))) return undefined;
  const claims = await sim.issuer.verify(token);
  if (claims && acceptsClaims(sim, claims)) return undefined;
  const expired = claims === null && isExpiredJwt(token);
  return unauthorized('invalid_token', `${expired ? 'Access token expired' : 'Invalid access token'}: ${token}`);
}

function acceptsClaims(sim: CloudCxState, claims: JWTPayload): boolean {
  return (
    claims.iss === CLOUDCX_ISSUER &&
    typeof claims['user-id'] === 'string' &&
    sim.clients.some((c) => claims.aud === c.clientId || (Array.isArray(claims.aud) && claims.aud.includes(c.clientId)))
  );
}

/** Spring's OAuth2AuthenticationEntryPoint: the error in both the challenge and the body. */
function unauthorized(error: string, description: string): SimResponse {
  const quoted = description.replace(/["\\]/g, '');
  return {
    status: 401,
    headers: { 'WWW-Authenticate': `Bearer realm="oauth2-resource", error="${error}", error_description="${quoted}"` },
    json: { error, error_description: description },
  };
}

function envelopeError(code: string, message: string | null): SimResponse {
  return { status: 200, json: { code, message, data: null } };
}

function matchesKeywords(u: CloudCxSimUser, keywords: string): boolean {
  const fields = [u.loginCode, u.firstName, u.lastName, `${u.firstName ?? ''} ${u.lastName ?? ''}`.trim(), u.email];
  return fields.some((f) => typeof f === 'string' && f.toLowerCase().includes(keywords));
}

/** An integer query parameter; `def` when absent, null when present but not an integer. */
function intParam(raw: string | null, def: number): number | null {
  if (raw === null || raw === '') return def;
  if (!/^-?\d+$/.test(raw)) return null;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : null;
}

function isExpiredJwt(token: string): boolean {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' && exp * 1000 <= Date.now();
  } catch {
    return false;
  }
}
