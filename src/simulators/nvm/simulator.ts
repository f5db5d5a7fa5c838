/**
 * A fake of NewVoiceMedia / Vonage Contact Center on one server that plays both regional hosts:
 * the auth host `{region}.newvoicemedia.com` (`POST /Auth/connect/token`, route `token`, routes-token.ts) and the API
 * gateway `{region}.api.newvoicemedia.com`:
 * - `GET /agents-availability` (v1, scope `agents-availability:read`; route `agents-availability`)
 * - `GET /useradmin/users`, `GET /useradmin/users/{userId}` (v4, `users:read`; routes `users`, `user`; both in
 *   routes-users.ts)
 * - `GET /interaction-content/interactions`, `…/interactions/{guid}`, `…/interactions/{guid}/content/{contentKey}`
 *   (v3, `interaction-content:read`; routes `interactions`, `interaction`, `content`; routes-interactions.ts)
 *
 * See docs/providers/newvoicemedia.md and the platform's guide "How to authenticate with a NewVoiceMedia API".
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
import { defineSimulator } from '../common/simulator-entry.js';
import { SimConfigError } from '../common/config-hooks.js';
import { checkInt, type IntSetting } from '../common/int-setting.js';
import type { SimResponse } from '../common/sim-http.js';
import { SimulatorShell, type Simulator } from '../common/simulator-shell.js';
import {
  contentFile,
  DEFAULT_NVM_CLIENT,
  demoTenantClient,
  NVM_USERS_ONLY_CLIENT,
  sampleInteractions,
  sampleUsers,
  type NvmSimClient,
  type NvmSimContent,
  type NvmSimInteraction,
  type NvmSimUser,
} from './data.js';
import { interactionRoutes } from './routes-interactions.js';
import { tokenRoutes } from './routes-token.js';
import { userRoutes } from './routes-users.js';
import type { NvmState, UsersEnvelope } from './state.js';

export type { UsersEnvelope } from './state.js';

export interface NvmSimulatorOptions {
  clients?: NvmSimClient[];
  users?: NvmSimUser[];
  interactions?: NvmSimInteraction[];
  /** Default 7200 (2 hours, as documented); 1..86400. */
  tokenLifetimeSec?: number;
  /** Default 10; 1..1000. */
  interactionsPageSize?: number;
  usersEnvelope?: UsersEnvelope;
}

export interface RateLimit {
  requests: number;
  windowSec: number;
}

export type NvmEnv = Readonly<Record<'NVM_CLIENT_ID' | 'NVM_CLIENT_SECRET' | 'NVM_AUTH_BASE_URL' | 'NVM_API_BASE_URL', string>>;

export interface NvmSimulator extends Simulator<NvmEnv> {
  readonly clients: readonly NvmSimClient[];
  readonly users: readonly NvmSimUser[];
  readonly interactions: readonly NvmSimInteraction[];
  /** Plays `https://{region}.newvoicemedia.com`; the server's URL. Throws before start(). */
  readonly authBaseUrl: string;
  /** Plays `https://{region}.api.newvoicemedia.com`; the same server. */
  readonly apiBaseUrl: string;
  /** `${authBaseUrl}/Auth/connect/token`. */
  readonly tokenUrl: string;
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
}

export function createNvmSimulator(opts: NvmSimulatorOptions = {}): NvmSimulator {
  return new NvmSim(opts);
}

export class NvmSim extends SimulatorShell<NvmEnv> implements NvmSimulator, NvmState {
  readonly clients: readonly NvmSimClient[];
  readonly users: readonly NvmSimUser[];
  usersEnvelope: UsersEnvelope;
  private readonly interactionList: NvmSimInteraction[];
  private readonly pageSize: IntSetting;
  private limit: RateLimit | null = null;
  private window = { startedAt: 0, used: 0 };
  private readonly scopeCounts = new Map<string, number>();
  private readonly files = new Map<string, Buffer>();

  constructor(opts: NvmSimulatorOptions) {
    super('newvoicemedia', { initial: opts.tokenLifetimeSec ?? 7200, max: 86_400 });
    this.pageSize = this.intSetting('interactionsPageSize', opts.interactionsPageSize ?? 10, 1, 1000);
    this.clients = Object.freeze((opts.clients ?? [DEFAULT_NVM_CLIENT, NVM_USERS_ONLY_CLIENT]).map((c) => Object.freeze({ ...c, scopes: [...c.scopes] })));
    this.users = Object.freeze([...(opts.users ?? sampleUsers())]);
    this.interactionList = [...(opts.interactions ?? sampleInteractions(this.users))].sort(byStart);
    this.usersEnvelope = opts.usersEnvelope ?? 'meta';

    tokenRoutes(this);
    userRoutes(this);
    interactionRoutes(this);
    this.server.onConfig({
      keys: ['usersEnvelope', 'rateLimit'],
      validate: (values) => {
        const v = values['usersEnvelope'];
        if ('usersEnvelope' in values && v !== 'meta' && v !== 'users') throw new SimConfigError('usersEnvelope must be "meta" or "users"');
        try {
          if ('rateLimit' in values) checkRateLimit(values['rateLimit']);
        } catch (err) {
          throw new SimConfigError((err as Error).message);
        }
      },
      apply: (values) => {
        if ('usersEnvelope' in values) this.usersEnvelope = values['usersEnvelope'] as UsersEnvelope;
        if ('rateLimit' in values) this.rateLimit = values['rateLimit'] as RateLimit | null;
      },
      snapshot: () => ({ usersEnvelope: this.usersEnvelope, rateLimit: this.limit }),
    });
  }

  get interactions(): readonly NvmSimInteraction[] {
    return this.interactionList;
  }

  get interactionsPageSize(): number {
    return this.pageSize.value;
  }
  set interactionsPageSize(v: number) {
    this.pageSize.value = v;
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

  /** The first API credentials (every scope cxgraph uses). */
  env(): NvmEnv {
    const client = this.clients[0]!;
    return { NVM_CLIENT_ID: client.clientId, NVM_CLIENT_SECRET: client.clientSecret, NVM_AUTH_BASE_URL: this.authBaseUrl, NVM_API_BASE_URL: this.apiBaseUrl };
  }

  tokenRequests(scope: string): number {
    return this.scopeCounts.get(scope) ?? 0;
  }

  tokenRequestsByScope(): Record<string, number> {
    return Object.fromEntries(this.scopeCounts);
  }

  countTokenRequest(scope: string): void {
    this.scopeCounts.set(scope, (this.scopeCounts.get(scope) ?? 0) + 1);
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

  /** The file of a content item, generated once. */
  fileOf(i: NvmSimInteraction, c: NvmSimContent): Buffer {
    const key = `${i.guid}/${c.contentKey}`;
    let file = this.files.get(key);
    if (!file) {
      file = contentFile(i, c);
      this.files.set(key, file);
    }
    return file;
  }

  /** Counts one API request against the fair-usage limit: null when within it, else the 429. */
  takeFromLimit(): SimResponse | null {
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
}

function byStart(a: NvmSimInteraction, b: NvmSimInteraction): number {
  return Date.parse(a.start) - Date.parse(b.start);
}

function checkRateLimit(v: unknown): RateLimit | null {
  if (v === null) return null;
  const r = v as Partial<RateLimit> | undefined;
  if (!r || typeof r !== 'object') throw new RangeError('rateLimit must be null or {requests, windowSec}');
  return { requests: checkInt('rateLimit.requests', r.requests, 0, 1_000_000), windowSec: checkInt('rateLimit.windowSec', r.windowSec, 1, 3600) };
}

/** Its entry in the simulator list (src/simulators/index.ts). */
export const nvmSimulator = defineSimulator({
  key: 'nvm',
  provider: 'NEWVOICEMEDIA',
  create: () => createNvmSimulator(),
  createFor: (tenant) => {
    const users = sampleUsers(tenant);
    return createNvmSimulator({ clients: [demoTenantClient(tenant)], users, interactions: sampleInteractions(users, tenant) });
  },
  createForMany: (owners) => createNvmSimulator({ clients: owners.map(demoTenantClient) }),
  envFor: (sim, owner) => {
    const client = demoTenantClient(owner);
    return { ...sim.env(), NVM_CLIENT_ID: client.clientId, NVM_CLIENT_SECRET: client.clientSecret };
  },
  // One server plays both NewVoiceMedia hosts: {region}.newvoicemedia.com and {region}.api.newvoicemedia.com.
  env: (sim) => sim.env(),
});
