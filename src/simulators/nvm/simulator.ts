import { createHash } from 'node:crypto';
import { checkBearer } from '../common/bearer.js';
import { SimConfigError, SimServer, type SimRequest, type SimResponse } from '../common/sim-server.js';
import { TokenIssuer } from '../common/token-issuer.js';
import { basicCredentials, mediaType, sameSecret } from '../common/http-helpers.js';

/**
 * A fake of NewVoiceMedia / Vonage Contact Center on one server that plays both regional hosts:
 * the auth host `{region}.newvoicemedia.com` (`POST /Auth/connect/token`, route `token`) and the API
 * gateway `{region}.api.newvoicemedia.com`:
 * - `GET /agents-availability` (v1, scope `agents-availability:read`; route `agents-availability`)
 * - `GET /useradmin/users`, `GET /useradmin/users/{userId}` (v4, `users:read`; routes `users`, `user`)
 * - `GET /interaction-content/interactions`, `…/interactions/{guid}`, `…/interactions/{guid}/content/{contentKey}`
 *   (v3, `interaction-content:read`; routes `interactions`, `interaction`, `content`)
 *
 * See PROVIDERS.md §4 and the platform's guide "How to authenticate with a NewVoiceMedia API".
 *
 * Choices where the public documentation is silent (kept here so they are easy to correct):
 * - The token endpoint behaves as the IdentityServer it is (`/connect/token`): every error is 400 with a bare
 *   `{"error": …}` body, checked in the order content type (`invalid_request`), client authentication
 *   (`invalid_client`: unknown id, missing or wrong secret; `client_secret_post` as documented, and
 *   `client_secret_basic` as IdentityServer also accepts), `grant_type` (`unsupported_grant_type`, also when
 *   missing), scope. No scope → `invalid_scope` "You must specify a scope" (documented); more than one scope →
 *   `invalid_scope` "You must specify only one scope"; a scope the credentials do not hold, or an unknown one →
 *   bare `invalid_scope`.
 * - Access tokens are RS256 JWTs with `client_id` and a `scope` array holding the one scope.
 * - API checks run in the order: fair-usage limit (429), bearer token (401
 *   `{"message":"The access token is invalid or has expired"}` when missing, expired, revoked or not ours),
 *   scope (a valid token for another scope is 403 `insufficient_scope` — asking again for the same scope
 *   cannot help, so it is not a 401), then the Accept version: missing → 400
 *   `{"message":"Version missing from Accept header!"}` (documented); another version → 406.
 * - The fair-usage limit is shared by every API route (not the auth host): `rateLimit` of N requests per
 *   window, 429 `{"message":"Too Many Requests"}` with `Retry-After` = seconds to the window's end. Off by default.
 *   Tests steer one-off 429s with SimServer faults instead.
 * - Agents availability counts active agents having ANY of the skills (case-insensitive); unknown skills count 0.
 *   `skillNames` is read case-insensitively (ASP.NET model binding); blank entries are dropped.
 * - User admin: `include` defaults to Active, `page` to 1, `limit` to 25 (1..5000); validation errors use
 *   ASP.NET's `{"field":["message"]}` shape. The list envelope is `{"meta":{page,count,pageCount,totalCount},
 *   "items":[…]}`, or `{"users":[…]}` (no totals) when `usersEnvelope` is `users`. An unknown id is 404.
 * - Interactions: `start`/`end` required ISO 8601, `end` after `start`, at most 7 days apart (400 otherwise);
 *   an interaction is in range when start ≤ its start < end; oldest first; `interactionsPageSize` per page (10).
 *   A continuation token is stateless and reusable, and valid only with the `start`/`end` it was made for (400
 *   otherwise). Unknown guid → 404.
 * - Content: the file, with `Accept-Ranges: bytes`; one range `bytes=a-b`, `a-` or `-n` → 206 with
 *   Content-Range; a range outside the file → 416 `Content-Range: bytes *\/size`; several ranges → the whole
 *   file (RFC 9110 allows ignoring Range). Call recordings and voicemails are small generated WAV tones.
 */

export const NVM_KNOWN_SCOPES = [
  'agents-availability:read',
  'users:read',
  'users:write',
  'interaction-content:read',
  'interaction-content:delete',
  'interactions:write',
  'stats',
] as const;

export interface NvmSimClient {
  clientId: string;
  clientSecret: string;
  /** Scopes these API credentials were given in API Admin. */
  scopes: readonly string[];
}

export interface NvmSimUser {
  userId: string;
  username: string;
  name: string;
  email: string;
  lastLoginTime: string | null;
  active: boolean;
  locked: boolean;
  ssoExternalId: string | null;
  userAccountConfiguration: {
    role: string;
    chargeable: boolean;
    actAsAgent: boolean;
    agentConfiguration: { agentDisplayId: string } | null;
  };
  /** Simulator-only: what the agents-availability API counts. Never sent by the user admin API. */
  skills: string[];
  state: AgentState;
}

export type AgentState = 'Ready' | 'Away' | 'Extended Away' | 'Logged Out';

export interface NvmSimContent {
  contentKey: string;
  type: string;
  contentType: string;
  contentLength: number;
  lastModified: string;
  properties: Record<string, unknown>;
}

export interface NvmSimInteraction {
  guid: string;
  start: string;
  connectFrom: string;
  connectTo: string;
  direction: 'inbound' | 'outbound';
  handlingAgents: { id: string }[];
  content: NvmSimContent[];
}

export interface NvmSimulatorOptions {
  clients?: NvmSimClient[];
  users?: NvmSimUser[];
  interactions?: NvmSimInteraction[];
  tokenLifetimeSec?: number;
  interactionsPageSize?: number;
  usersEnvelope?: UsersEnvelope;
}

export type UsersEnvelope = 'meta' | 'users';

export interface RateLimit {
  requests: number;
  windowSec: number;
}

export interface NvmSimulator {
  readonly server: SimServer;
  readonly issuer: TokenIssuer;
  readonly clients: readonly NvmSimClient[];
  readonly users: readonly NvmSimUser[];
  readonly interactions: readonly NvmSimInteraction[];
  start(opts?: { port?: number; host?: string }): Promise<string>;
  stop(): Promise<void>;
  /** Plays `https://{region}.newvoicemedia.com`; the server's URL. Throws before start(). */
  readonly authBaseUrl: string;
  /** Plays `https://{region}.api.newvoicemedia.com`; the same server. */
  readonly apiBaseUrl: string;
  /** `${authBaseUrl}/Auth/connect/token`. */
  readonly tokenUrl: string;
  tokenLifetimeSec: number;
  interactionsPageSize: number;
  usersEnvelope: UsersEnvelope;
  /** The shared fair-usage limit of all API routes; null = unlimited. */
  rateLimit: RateLimit | null;
  /** Token requests that named `scope` (whatever their outcome). */
  tokenRequests(scope: string): number;
  /** Token requests by the scope they named. */
  tokenRequestsByScope(): Record<string, number>;
  /** The bytes served for one content item (tests compare downloads with them). */
  contentBytes(guid: string, contentKey: string): Buffer | undefined;
  addInteraction(interaction: NvmSimInteraction): void;
  /** Revokes every access token issued so far. */
  revokeTokens(): void;
}

export const DEFAULT_NVM_CLIENT: Readonly<NvmSimClient> = Object.freeze({
  clientId: 'nvm-client',
  clientSecret: 'nvm-secret-local',
  scopes: Object.freeze(['agents-availability:read', 'users:read', 'interaction-content:read']),
});
/** Credentials with the users scope only, to exercise `invalid_scope`. */
export const NVM_USERS_ONLY_CLIENT: Readonly<NvmSimClient> = Object.freeze({
  clientId: 'nvm-users-only',
  clientSecret: 'nvm-users-only-secret',
  scopes: Object.freeze(['users:read']),
});

const API_VERSION = { availability: 1, users: 4, interactions: 3 } as const;
const API_SCOPE = { availability: 'agents-availability:read', users: 'users:read', interactions: 'interaction-content:read' } as const;
type Api = keyof typeof API_VERSION;

const INVALID_TOKEN_BODY = { message: 'The access token is invalid or has expired' };
const MAX_RANGE_MS = 7 * 24 * 3600_000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createNvmSimulator(opts: NvmSimulatorOptions = {}): NvmSimulator {
  return new NvmSim(opts);
}

class NvmSim implements NvmSimulator {
  readonly server = new SimServer('newvoicemedia');
  readonly issuer = new TokenIssuer();
  readonly clients: readonly NvmSimClient[];
  readonly users: readonly NvmSimUser[];
  private readonly interactionList: NvmSimInteraction[];
  private lifetimeSec: number;
  private pageSize: number;
  usersEnvelope: UsersEnvelope;
  private limit: RateLimit | null = null;
  private window = { startedAt: 0, used: 0 };
  private readonly scopeCounts = new Map<string, number>();
  private readonly bytes = new Map<string, Buffer>();

  constructor(opts: NvmSimulatorOptions) {
    this.clients = Object.freeze((opts.clients ?? [DEFAULT_NVM_CLIENT, NVM_USERS_ONLY_CLIENT]).map((c) => Object.freeze({ ...c, scopes: [...c.scopes] })));
    this.users = Object.freeze([...(opts.users ?? sampleUsers())]);
    this.interactionList = [...(opts.interactions ?? sampleInteractions(this.users))].sort(byStart);
    this.lifetimeSec = checkInt('tokenLifetimeSec', opts.tokenLifetimeSec ?? 7200, 1, 86_400);
    this.pageSize = checkInt('interactionsPageSize', opts.interactionsPageSize ?? 10, 1, 1000);
    this.usersEnvelope = opts.usersEnvelope ?? 'meta';

    this.server.route('POST', '/Auth/connect/token', 'token', (req) => this.token(req));
    this.server.route('GET', '/agents-availability', 'agents-availability', (req) => this.api(req, 'availability', () => this.availability(req)));
    this.server.route('GET', '/useradmin/users', 'users', (req) => this.api(req, 'users', () => this.listUsers(req)));
    this.server.route('GET', '/useradmin/users/:userId', 'user', (req) => this.api(req, 'users', () => this.getUser(req)));
    this.server.route('GET', '/interaction-content/interactions', 'interactions', (req) => this.api(req, 'interactions', () => this.listInteractions(req)));
    this.server.route('GET', '/interaction-content/interactions/:guid', 'interaction', (req) => this.api(req, 'interactions', () => this.getInteraction(req)));
    this.server.route('GET', '/interaction-content/interactions/:guid/content/:contentKey', 'content', (req) => this.api(req, 'interactions', () => this.content(req)));
    this.server.onRevoke(() => this.revokeTokens());
    this.server.onConfig({
      keys: ['tokenLifetimeSec', 'interactionsPageSize', 'usersEnvelope', 'rateLimit'],
      apply: (values) => {
        // Validate everything before applying anything.
        const next: Partial<{ lifetime: number; pageSize: number; envelope: UsersEnvelope; limit: RateLimit | null }> = {};
        try {
          if ('tokenLifetimeSec' in values) next.lifetime = checkInt('tokenLifetimeSec', values['tokenLifetimeSec'], 1, 86_400);
          if ('interactionsPageSize' in values) next.pageSize = checkInt('interactionsPageSize', values['interactionsPageSize'], 1, 1000);
          if ('rateLimit' in values) next.limit = checkRateLimit(values['rateLimit']);
        } catch (err) {
          throw new SimConfigError((err as Error).message);
        }
        if ('usersEnvelope' in values) {
          const v = values['usersEnvelope'];
          if (v !== 'meta' && v !== 'users') throw new SimConfigError('usersEnvelope must be "meta" or "users"');
          next.envelope = v;
        }
        if (next.lifetime !== undefined) this.lifetimeSec = next.lifetime;
        if (next.pageSize !== undefined) this.pageSize = next.pageSize;
        if (next.envelope !== undefined) this.usersEnvelope = next.envelope;
        if (next.limit !== undefined) this.rateLimit = next.limit;
      },
      snapshot: () => ({ tokenLifetimeSec: this.lifetimeSec, interactionsPageSize: this.pageSize, usersEnvelope: this.usersEnvelope, rateLimit: this.limit }),
    });
  }

  get interactions(): readonly NvmSimInteraction[] {
    return this.interactionList;
  }

  get tokenLifetimeSec(): number {
    return this.lifetimeSec;
  }
  set tokenLifetimeSec(v: number) {
    this.lifetimeSec = checkInt('tokenLifetimeSec', v, 1, 86_400);
  }

  get interactionsPageSize(): number {
    return this.pageSize;
  }
  set interactionsPageSize(v: number) {
    this.pageSize = checkInt('interactionsPageSize', v, 1, 1000);
  }

  get rateLimit(): RateLimit | null {
    return this.limit;
  }
  set rateLimit(v: RateLimit | null) {
    this.limit = checkRateLimit(v);
    this.window = { startedAt: Date.now(), used: 0 };
  }

  get authBaseUrl(): string {
    return this.server.url;
  }
  get apiBaseUrl(): string {
    return this.server.url;
  }
  get tokenUrl(): string {
    return `${this.server.url}/Auth/connect/token`;
  }

  start(opts?: { port?: number; host?: string }): Promise<string> {
    return this.server.start(opts);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  tokenRequests(scope: string): number {
    return this.scopeCounts.get(scope) ?? 0;
  }

  tokenRequestsByScope(): Record<string, number> {
    return Object.fromEntries(this.scopeCounts);
  }

  contentBytes(guid: string, contentKey: string): Buffer | undefined {
    const i = this.interactionList.find((x) => x.guid === guid);
    const c = i?.content.find((x) => x.contentKey === contentKey);
    return i && c ? this.fileOf(i, c) : undefined;
  }

  addInteraction(interaction: NvmSimInteraction): void {
    this.interactionList.push(interaction);
    this.interactionList.sort(byStart);
  }

  revokeTokens(): void {
    this.issuer.revokeAll();
  }

  // --- auth host: IdentityServer token endpoint -------------------------------------

  private async token(req: SimRequest): Promise<SimResponse> {
    if (mediaType(req.headers['content-type']) !== 'application/x-www-form-urlencoded') return tokenError('invalid_request');
    const form = req.form();
    const scopeParam = form.get('scope');
    if (scopeParam) this.scopeCounts.set(scopeParam, (this.scopeCounts.get(scopeParam) ?? 0) + 1);

    const basic = basicCredentials(req.headers.authorization);
    const clientId = basic?.clientId ?? form.get('client_id');
    const secret = basic?.clientSecret ?? form.get('client_secret');
    const client = clientId ? this.clients.find((c) => c.clientId === clientId) : undefined;
    if (!client || !secret || !sameSecret(secret, client.clientSecret)) return tokenError('invalid_client');

    if (form.get('grant_type') !== 'client_credentials') return tokenError('unsupported_grant_type');

    const scopes = (scopeParam ?? '').split(' ').filter(Boolean);
    if (scopes.length === 0) return tokenError('invalid_scope', 'You must specify a scope');
    if (scopes.length > 1) return tokenError('invalid_scope', 'You must specify only one scope');
    const scope = scopes[0]!;
    if (!(NVM_KNOWN_SCOPES as readonly string[]).includes(scope) || !client.scopes.includes(scope)) return tokenError('invalid_scope');

    const lifetime = this.lifetimeSec;
    const accessToken = await this.issuer.issue(
      { iss: `${this.server.url}/Auth`, aud: `${this.server.url}/Auth/resources`, client_id: client.clientId, scope: [scope] },
      lifetime,
    );
    return { status: 200, headers: NO_STORE, json: { access_token: accessToken, expires_in: lifetime, token_type: 'Bearer' } };
  }

  // --- API gateway ---------------------------------------------------------------------

  /** The gateway's checks shared by every API route, then the route itself. */
  private async api(req: SimRequest, api: Api, handler: () => SimResponse): Promise<SimResponse> {
    const limited = this.takeFromLimit();
    if (limited) return limited;

    const auth = await checkBearer(req, this.issuer, { body: INVALID_TOKEN_BODY, accept: (claims) => typeof claims['client_id'] === 'string' });
    if (!auth.ok) return auth.response;
    const granted = auth.claims['scope'];
    const scopes = Array.isArray(granted) ? granted : typeof granted === 'string' ? granted.split(' ') : [];
    if (!scopes.includes(API_SCOPE[api])) {
      return {
        status: 403,
        headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${API_SCOPE[api]}"` },
        json: { message: `The access token does not grant the scope ${API_SCOPE[api]} this API requires` },
      };
    }

    const version = acceptVersion(req.headers.accept);
    if (version === null) return { status: 400, json: { message: 'Version missing from Accept header!' } };
    if (version !== API_VERSION[api]) {
      return { status: 406, json: { message: `Version ${version} is not supported; use application/vnd.newvoicemedia.v${API_VERSION[api]}+json` } };
    }
    return handler();
  }

  private takeFromLimit(): SimResponse | null {
    const limit = this.limit;
    if (!limit) return null;
    const now = Date.now();
    if (now - this.window.startedAt >= limit.windowSec * 1000) this.window = { startedAt: now, used: 0 };
    if (this.window.used < limit.requests) {
      this.window.used += 1;
      return null;
    }
    const retryAfter = Math.max(1, Math.ceil((this.window.startedAt + limit.windowSec * 1000 - now) / 1000));
    return { status: 429, headers: { 'Retry-After': String(retryAfter) }, json: { message: 'Too Many Requests' } };
  }

  private availability(req: SimRequest): SimResponse {
    const raw = queryParam(req.query, 'skillNames');
    const wanted = (raw ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    if (wanted.length === 0) return { status: 400, json: { SkillNames: ['The SkillNames field is required.'] } };
    const counts: Record<AgentState, number> = { Ready: 0, Away: 0, 'Extended Away': 0, 'Logged Out': 0 };
    for (const u of this.users) {
      if (!u.active || !u.userAccountConfiguration.actAsAgent) continue;
      if (u.skills.some((s) => wanted.includes(s.toLowerCase()))) counts[u.state] += 1;
    }
    return { status: 200, json: counts };
  }

  private listUsers(req: SimRequest): SimResponse {
    const includeRaw = queryParam(req.query, 'include') ?? 'Active';
    const include = ['Active', 'Archived', 'All'].find((v) => v.toLowerCase() === includeRaw.toLowerCase());
    if (!include) return { status: 400, json: { include: [`The value '${includeRaw}' is not valid for include.`] } };
    const page = intParam(queryParam(req.query, 'page'), 1);
    if (page === null || page < 1) return { status: 400, json: { page: ['The field page must be between 1 and 2147483647.'] } };
    const limit = intParam(queryParam(req.query, 'limit'), 25);
    if (limit === null || limit < 1 || limit > 5000) return { status: 400, json: { limit: ['The field limit must be between 1 and 5000.'] } };

    const matching = this.users.filter((u) => include === 'All' || u.active === (include === 'Active'));
    const items = matching.slice((page - 1) * limit, page * limit).map(publicUser);
    if (this.usersEnvelope === 'users') return { status: 200, json: { users: items } };
    return {
      status: 200,
      json: { meta: { page, count: items.length, pageCount: Math.ceil(matching.length / limit), totalCount: matching.length }, items },
    };
  }

  private getUser(req: SimRequest): SimResponse {
    const user = this.users.find((u) => u.userId === req.params['userId']);
    return user ? { status: 200, json: publicUser(user) } : { status: 404, json: { message: 'User not found' } };
  }

  private listInteractions(req: SimRequest): SimResponse {
    const startRaw = queryParam(req.query, 'start');
    const endRaw = queryParam(req.query, 'end');
    const problems: Record<string, string[]> = {};
    if (!startRaw) problems['start'] = ['The start field is required.'];
    if (!endRaw) problems['end'] = ['The end field is required.'];
    if (Object.keys(problems).length) return { status: 400, json: problems };
    const start = Date.parse(startRaw!);
    const end = Date.parse(endRaw!);
    if (Number.isNaN(start)) return { status: 400, json: { start: [`The value '${startRaw}' is not valid for start.`] } };
    if (Number.isNaN(end)) return { status: 400, json: { end: [`The value '${endRaw}' is not valid for end.`] } };
    if (end <= start) return { status: 400, json: { message: 'end must be after start' } };
    if (end - start > MAX_RANGE_MS) return { status: 400, json: { message: 'The time range between start and end must not exceed 7 days' } };

    let offset = 0;
    const token = queryParam(req.query, 'continuationToken');
    if (token) {
      const pos = readContinuation(token, start, end);
      if (pos === null) return { status: 400, json: { message: 'Invalid continuation token' } };
      offset = pos;
    }
    const direction = queryParam(req.query, 'direction')?.toLowerCase();
    const agentId = queryParam(req.query, 'handlingAgentId');
    const from = queryParam(req.query, 'connectFrom');
    const to = queryParam(req.query, 'connectTo');
    const matching = this.interactionList.filter((i) => {
      const t = Date.parse(i.start);
      return (
        t >= start &&
        t < end &&
        (!direction || i.direction === direction) &&
        (!agentId || i.handlingAgents.some((a) => a.id === agentId)) &&
        (!from || i.connectFrom === from) &&
        (!to || i.connectTo === to)
      );
    });
    const items = matching.slice(offset, offset + this.pageSize);
    const nextOffset = offset + items.length;
    const next = nextOffset < matching.length ? makeContinuation(nextOffset, start, end) : null;
    return { status: 200, json: { meta: { nextContinuationToken: next }, items } };
  }

  private getInteraction(req: SimRequest): SimResponse {
    const i = this.interactionList.find((x) => x.guid.toLowerCase() === (req.params['guid'] ?? '').toLowerCase());
    return i ? { status: 200, json: i } : { status: 404, json: { message: 'Interaction not found' } };
  }

  private content(req: SimRequest): SimResponse {
    const guid = req.params['guid'] ?? '';
    const i = GUID.test(guid) ? this.interactionList.find((x) => x.guid.toLowerCase() === guid.toLowerCase()) : undefined;
    const c = i?.content.find((x) => x.contentKey === req.params['contentKey']);
    if (!i || !c) return { status: 404, json: { message: 'Content not found' } };
    const file = this.fileOf(i, c);
    const headers: Record<string, string> = { 'Accept-Ranges': 'bytes', 'Last-Modified': new Date(c.lastModified).toUTCString() };
    const range = parseRange(req.headers.range, file.length);
    if (range === 'unsatisfiable') {
      return { status: 416, headers: { ...headers, 'Content-Range': `bytes */${file.length}` }, json: { message: 'Requested range not satisfiable' } };
    }
    if (range) {
      const [first, last] = range;
      return {
        status: 206,
        headers: { ...headers, 'Content-Range': `bytes ${first}-${last}/${file.length}` },
        bytes: file.subarray(first, last + 1),
        contentType: c.contentType,
      };
    }
    return { status: 200, headers, bytes: file, contentType: c.contentType };
  }

  private fileOf(i: NvmSimInteraction, c: NvmSimContent): Buffer {
    const key = `${i.guid}/${c.contentKey}`;
    let file = this.bytes.get(key);
    if (!file) {
      file = generateFile(i, c);
      this.bytes.set(key, file);
    }
    return file;
  }
}

// --- sample data ---------------------------------------------------------------------

const FIRST = ['Amelia', 'Oliver', 'Isla', 'George', 'Ava', 'Noah', 'Mia', 'Arthur', 'Ivy', 'Leo', 'Grace', 'Oscar', 'Freya', 'Harry', 'Lily', 'Jack', 'Rosie', 'Theo', 'Ella', 'Finn'];
const LAST = ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Patel', 'Wright', 'Robinson', 'Thompson', 'Evans', 'Walker', 'White', 'Roberts', 'Green', 'Hall', 'Wood', 'Clarke'];
const SKILLS = ['English', 'French', 'German', 'Spanish', 'Sales', 'Support'];
const STATES: AgentState[] = ['Ready', 'Ready', 'Away', 'Extended Away', 'Logged Out'];

/** 40 users: even ones act as agents; every 7th (6, 13, 20, 27, 34) is archived. Deterministic. */
export function sampleUsers(): NvmSimUser[] {
  return Array.from({ length: 40 }, (_, i) => {
    const first = FIRST[i % FIRST.length]!;
    // 7 is coprime with 20 and the second twenty shift by one: 40 distinct names.
    const last = LAST[(i * 7 + Math.floor(i / 20)) % LAST.length]!;
    const agent = i % 2 === 0;
    const login = `${first}.${last}`.toLowerCase();
    return {
      userId: guidOf(`user/${i}`),
      username: `${login}@acme.example`,
      name: `${first} ${last}`,
      email: `${login}@acme.example`,
      lastLoginTime: i % 5 === 4 ? null : new Date(Date.UTC(2024, 4, 1 + (i % 20), 8, i)).toISOString(),
      active: i % 7 !== 6,
      locked: i === 15,
      ssoExternalId: i % 4 === 0 ? `sso-${1000 + i}` : null,
      userAccountConfiguration: {
        role: agent ? 'Agent' : ['Supervisor', 'Administrator', 'Team Leader'][i % 3]!,
        chargeable: agent || i % 3 === 0,
        actAsAgent: agent,
        agentConfiguration: agent ? { agentDisplayId: String(2000 + i) } : null,
      },
      skills: agent ? [SKILLS[i % SKILLS.length]!, SKILLS[(i + 3) % SKILLS.length]!] : [],
      state: STATES[Math.floor(i / 2) % STATES.length]!,
    };
  });
}

/**
 * 48 calls every 3 hours from 2024-05-01T08:00Z (six days), handled by active agents. Most carry a call
 * recording (audio/wav); every 4th a transcript too; every 6th (5, 11, …) is a voicemail instead. The
 * recordings of calls 0, 10, 15, 20, … name their file in `properties.fileName` (`call-0001.wav`,
 * `call-0002.wav`, … — the CallJourney sample holds the first two), the others name none.
 */
export function sampleInteractions(users: readonly NvmSimUser[]): NvmSimInteraction[] {
  const agents = users.filter((u) => u.active && u.userAccountConfiguration.actAsAgent);
  let named = 0;
  return Array.from({ length: 48 }, (_, i) => {
    const start = new Date(Date.UTC(2024, 4, 1, 8) + i * 3 * 3600_000);
    const guid = guidOf(`interaction/${i}`);
    const inbound = i % 3 !== 1;
    const customer = `+4420794600${String(i).padStart(2, '0')}`;
    const line = '+442039000000';
    const handling = agents.length ? [{ id: agents[i % agents.length]!.userId }] : [];
    if (i % 8 === 7 && agents.length > 1) handling.push({ id: agents[(i + 1) % agents.length]!.userId });
    const modified = new Date(start.getTime() + 10 * 60_000).toISOString();
    const content: NvmSimContent[] = [];
    const wav = (seconds: number) => 44 + 8000 * 2 * seconds;
    if (i % 6 === 5) {
      content.push({ contentKey: `vm-${i}`, type: 'voicemail', contentType: 'audio/wav', contentLength: wav(1), lastModified: modified, properties: {} });
    } else {
      const properties: Record<string, unknown> = i % 5 === 0 ? { fileName: `call-${String(++named).padStart(4, '0')}.wav` } : {};
      content.push({ contentKey: `rec-${i}`, type: 'callRecording', contentType: 'audio/wav', contentLength: wav(1), lastModified: modified, properties });
    }
    if (i % 4 === 0) {
      content.push({ contentKey: `tr-${i}`, type: 'transcript', contentType: 'application/json', contentLength: transcriptOf(guid).length, lastModified: modified, properties: { language: 'en-GB' } });
    }
    return {
      guid,
      start: start.toISOString(),
      connectFrom: inbound ? customer : line,
      connectTo: inbound ? line : customer,
      direction: inbound ? 'inbound' : 'outbound',
      handlingAgents: handling,
      content,
    };
  });
}

function generateFile(i: NvmSimInteraction, c: NvmSimContent): Buffer {
  if (c.contentType === 'audio/wav') {
    const seconds = Math.max(0, Math.round((c.contentLength - 44) / 16000));
    return wavTone(seconds, 300 + (parseInt(i.guid.slice(0, 4), 16) % 500));
  }
  if (c.type === 'transcript') return transcriptOf(i.guid);
  return Buffer.from(`${c.type} of ${i.guid}\n`, 'utf8');
}

function transcriptOf(guid: string): Buffer {
  return Buffer.from(JSON.stringify({ interaction: guid, segments: [{ speaker: 'agent', text: 'Hello, how can I help?' }, { speaker: 'customer', text: 'Hi, I have a question.' }] }), 'utf8');
}

/** A mono 16-bit PCM WAV of a sine tone at 8 kHz: 44-byte RIFF header + 16000 bytes per second. */
export function wavTone(seconds: number, hz: number): Buffer {
  const rate = 8000;
  const samples = rate * seconds;
  const buf = Buffer.alloc(44 + samples * 2);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + samples * 2, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(samples * 2, 40);
  for (let n = 0; n < samples; n++) buf.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * hz * n) / rate)), 44 + n * 2);
  return buf;
}

// --- helpers -------------------------------------------------------------------------

const NO_STORE = { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' };

function tokenError(error: string, description?: string): SimResponse {
  return { status: 400, headers: NO_STORE, json: description ? { error, error_description: description } : { error } };
}

/** The user as the user admin API sends it: without the simulator's own skill/state fields. */
function publicUser(u: NvmSimUser): Omit<NvmSimUser, 'skills' | 'state'> {
  const { skills: _skills, state: _state, ...rest } = u;
  return rest;
}

/** The N of the first `application/vnd.newvoicemedia.vN+json` in Accept, or null when none names a version. */
function acceptVersion(header: string | undefined): number | null {
  const m = /application\/vnd\.newvoicemedia\.v(\d+)\+json/i.exec(header ?? '');
  return m ? Number(m[1]) : null;
}

/** Query parameters are read case-insensitively, as ASP.NET binds them. */
function queryParam(q: URLSearchParams, name: string): string | undefined {
  for (const [k, v] of q) if (k.toLowerCase() === name.toLowerCase()) return v;
  return undefined;
}

function intParam(raw: string | undefined, def: number): number | null {
  if (raw === undefined || raw === '') return def;
  return /^\d{1,9}$/.test(raw) ? Number(raw) : null;
}

/** A single satisfiable byte range as [first, last], 'unsatisfiable', or null (no/ignored Range: whole file). */
function parseRange(header: string | string[] | undefined, size: number): [number, number] | 'unsatisfiable' | null {
  if (typeof header !== 'string') return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null; // several ranges or another unit: ignored, as RFC 9110 §14.2 allows
  const [, a, b] = m;
  if (a === '' && b === '') return null;
  if (a === '') {
    const n = Number(b);
    if (n === 0) return 'unsatisfiable';
    return [Math.max(0, size - n), size - 1];
  }
  const first = Number(a);
  if (first >= size) return 'unsatisfiable';
  const last = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (last < first) return null;
  return [first, last];
}

/** Stateless continuation tokens: the next offset, bound to the query's start/end by a hash. */
function makeContinuation(offset: number, start: number, end: number): string {
  return Buffer.from(JSON.stringify({ o: offset, q: queryHash(start, end) })).toString('base64url');
}

function readContinuation(token: string, start: number, end: number): number | null {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; q?: unknown };
    return Number.isSafeInteger(v.o) && (v.o as number) >= 0 && v.q === queryHash(start, end) ? (v.o as number) : null;
  } catch {
    return null;
  }
}

function queryHash(start: number, end: number): string {
  return createHash('sha256').update(`${start}/${end}`).digest('base64url').slice(0, 12);
}

function byStart(a: NvmSimInteraction, b: NvmSimInteraction): number {
  return Date.parse(a.start) - Date.parse(b.start);
}

/** A stable GUID (version 4 layout) from a seed. */
function guidOf(seed: string): string {
  const hex = createHash('sha256').update(`nvm/${seed}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function checkInt(name: string, value: unknown, min: number, max: number): number {
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max)) {
    throw new RangeError(`${name} must be an integer between ${min} and ${max}; got ${String(value)}`);
  }
  return value;
}

function checkRateLimit(v: unknown): RateLimit | null {
  if (v === null) return null;
  const r = v as Partial<RateLimit> | undefined;
  if (!r || typeof r !== 'object') throw new RangeError('rateLimit must be null or {requests, windowSec}');
  return { requests: checkInt('rateLimit.requests', r.requests, 0, 1_000_000), windowSec: checkInt('rateLimit.windowSec', r.windowSec, 1, 3600) };
}
