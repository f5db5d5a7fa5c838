/**
 * A fake of one customer's CloudCX (Cloudfon CX) domain: its OAuth 2 token endpoint
 * `POST /oauth/token` (route `token`, routes-token.ts) and the user directory `GET /openapi/v2/user/page`
 * (route `userpage`, routes-api.ts) on one server, whose base URL plays the customer's domain.
 *
 * See docs/providers/cloudcx.md (CloudCX's "REST API authentication" guide). The JWT access token's header
 * (`kid`, RS256) and its `expires_in: 3599` with `exp − iat = 3600` point at a Spring Security
 * OAuth 2 authorisation server (spring-security-oauth2, the one that still offers the password
 * grant), so where the guide is silent this simulator answers as that server does.
 *
 * Choices where the public documentation is silent (kept here so they are easy to correct):
 * - Client authentication: `client_id` + `client_secret` in the form (as the guide's curl) or
 *   HTTP Basic (Spring accepts both). No client id at all is 401 `unauthorized` "Full
 *   authentication is required to access this resource"; an unknown client or a wrong/missing
 *   secret is 401 `invalid_client` "Bad client credentials". Client checks come first.
 * - A body that is not form-encoded is read as empty. Missing `grant_type` is 400
 *   `invalid_request` "Missing grant type"; another grant than `password`/`refresh_token` is 400
 *   `unsupported_grant_type`.
 * - Password grant: a missing or wrong `username`/`password` is 400 `invalid_grant` "Bad credentials".
 *   The `username` is a user's login code (the guide's Postman steps say "email"; its curl says
 *   `username`, which is what is accepted here).
 * - Refresh grant: refresh tokens are opaque (UUIDs, as Spring's DefaultTokenServices makes them),
 *   bound to the client and user, valid `refreshTokenLifetimeSec` (default 30 days, Spring's default)
 *   and rotated on every use: the old one is then unknown. Missing is 400 `invalid_request`; unknown,
 *   rotated, revoked or another client's token is 400 `invalid_grant`, with the token echoed in
 *   `error_description` as Spring does ("Invalid refresh token: …"). An expired one is also 400
 *   `invalid_grant` (RFC 6749 §5.2; Spring would say 401 `invalid_token`).
 * - 200 bodies: `{access_token, token_type: "Bearer", refresh_token, expires_in}` with
 *   `Cache-Control: no-store`. `expires_in` is `tokenLifetimeSec` (default 3599), the JWT lives one
 *   second more, as in the guide's sample (exp − iat = 3600). The JWT carries the documented claims
 *   (`sub` and `aud` = client id, `nbf`, `user-id`, `iss` = http://cloudcx.cloudfon.net, `exp`, `iat`)
 *   plus a `jti`, which revocation needs.
 * - The API accepts a live JWT of this server (any registered client, with a `user-id`) or one of the
 *   configured API keys. A missing token is 401 `unauthorized`; any other is 401 `invalid_token` with
 *   the token echoed in `error_description` ("Invalid access token: …"), as Spring's OAuth 2 resource
 *   server does — so clients must never show that description.
 * - `pageIndex` (1-based) defaults to 1 and `pageSize` to 10 when absent; a value that is not an
 *   integer, `pageIndex` < 1, or `pageSize` outside 1..1000, is HTTP 200 with the error envelope
 *   `{"code":"1001","message":"Invalid parameter: pageSize","data":null}`. A page past the end is
 *   empty with the true totals (Spring Data). `keywords` matches case-insensitively anywhere in
 *   loginCode, first name, last name, "first last" or email; users come in directory order.
 * - Error envelope codes other than "1001" are unknown; {@link CloudCxSimulator.failNext} lets a test
 *   choose any code and message.
 * - Token requests are also counted per grant type ({@link CloudCxSimulator.grantCount}).
 */
import { defineSimulator } from '../common/simulator-entry.js';
import { randomUUID } from 'node:crypto';
import { SimConfigError } from '../common/config-hooks.js';
import type { IntSetting } from '../common/int-setting.js';
import { isRecord } from '../common/sim-http.js';
import { SimulatorShell, type Simulator } from '../common/simulator-shell.js';
import {
  DEFAULT_CLOUDCX_ACCOUNT,
  DEFAULT_CLOUDCX_API_KEY,
  DEFAULT_CLOUDCX_CLIENT,
  SAMPLE_CLOUDCX_USERS,
  type CloudCxAccount,
  type CloudCxOAuthClient,
  type CloudCxSimUser,
  demoTenantData,
} from './data.js';
import { apiRoutes } from './routes-api.js';
import { tokenRoutes } from './routes-token.js';
import type { CloudCxGrantType, CloudCxState, RefreshGrant } from './state.js';

export type { CloudCxGrantType } from './state.js';

export interface CloudCxSimulatorOptions {
  clients?: CloudCxOAuthClient[];
  accounts?: CloudCxAccount[];
  apiKeys?: string[];
  users?: CloudCxSimUser[];
  /** Default 3599; at most a year, as refreshTokenLifetimeSec (default 30 days). */
  tokenLifetimeSec?: number;
  refreshTokenLifetimeSec?: number;
}

export interface CloudCxErrorEnvelope {
  code?: string;
  message?: string | null;
  /** How many API answers get it (default 1). */
  times?: number;
}

type EnvKey = 'CLOUDCX_BASE_URL' | 'CLOUDCX_API_KEY' | 'CLOUDCX_CLIENT_ID' | 'CLOUDCX_CLIENT_SECRET' | 'CLOUDCX_USERNAME' | 'CLOUDCX_PASSWORD';
/** CLOUDCX_BASE_URL with either CLOUDCX_API_KEY or the four password-grant variables. */
export type CloudCxEnv = Readonly<Partial<Record<EnvKey, string>> & { CLOUDCX_BASE_URL: string }>;

export interface CloudCxSimulator extends Simulator<CloudCxEnv> {
  readonly clients: readonly CloudCxOAuthClient[];
  readonly accounts: readonly CloudCxAccount[];
  readonly apiKeys: readonly string[];
  /** The customer's domain (the server's URL); throws before start(). */
  readonly baseUrl: string;
  /** `${baseUrl}/oauth/token`. */
  readonly tokenUrl: string;
  /** `expires_in` of tokens issued from now on (the JWT lives one second more). */
  tokenLifetimeSec: number;
  /** Lifetime of refresh tokens issued from now on. */
  refreshTokenLifetimeSec: number;
  /** The first client and account (password grant, default), or the first API key. */
  env(opts?: { auth?: 'password' | 'apiKey' }): CloudCxEnv;
  /** Token requests of one grant type since start or resetCounts(), whatever their outcome. */
  grantCount(grant: CloudCxGrantType): number;
  /** Resets the server's per-route counters and the per-grant counters. */
  resetCounts(): void;
  /** Revokes every refresh token issued so far (also `POST /__sim/config {"revokeRefreshTokens":true}`). */
  revokeRefreshTokens(): void;
  /** True while `token` is a refresh token the server would accept. */
  isLiveRefreshToken(token: string): boolean;
  /** The next API answer(s) are HTTP 200 with this error envelope (default code "1001"). */
  failNext(envelope?: CloudCxErrorEnvelope): void;
  addUser(user: CloudCxSimUser): void;
  readonly users: readonly CloudCxSimUser[];
}

const ERROR_DEFAULT = { code: '1001', message: 'Invalid parameter' };
const MAX_LIFETIME_SEC = 365 * 86_400;

export function createCloudCxSimulator(opts: CloudCxSimulatorOptions = {}): CloudCxSimulator {
  return new CloudCxSim(opts);
}

export class CloudCxSim extends SimulatorShell<CloudCxEnv> implements CloudCxSimulator, CloudCxState {
  readonly clients: readonly CloudCxOAuthClient[];
  readonly accounts: readonly CloudCxAccount[];
  readonly apiKeys: readonly string[];
  readonly directory: CloudCxSimUser[] = [];
  readonly grants: Record<CloudCxGrantType, number> = { password: 0, refresh_token: 0 };
  private readonly refreshLifetime: IntSetting;
  private readonly refreshTokens = new Map<string, RefreshGrant>();
  private envelopes: { code: string; message: string | null; remaining: number }[] = [];

  constructor(opts: CloudCxSimulatorOptions) {
    super('cloudcx', { initial: opts.tokenLifetimeSec ?? 3599, max: MAX_LIFETIME_SEC });
    this.refreshLifetime = this.intSetting('refreshTokenLifetimeSec', opts.refreshTokenLifetimeSec ?? 30 * 86_400, 1, MAX_LIFETIME_SEC);
    this.clients = Object.freeze((opts.clients ?? [DEFAULT_CLOUDCX_CLIENT]).map((c) => Object.freeze({ ...c })));
    this.accounts = Object.freeze((opts.accounts ?? [DEFAULT_CLOUDCX_ACCOUNT]).map((a) => Object.freeze({ ...a })));
    this.apiKeys = Object.freeze([...(opts.apiKeys ?? [DEFAULT_CLOUDCX_API_KEY])]);
    for (const u of opts.users ?? SAMPLE_CLOUDCX_USERS) this.addUser(u);
    tokenRoutes(this);
    apiRoutes(this);
    this.server.onConfig({
      keys: ['revokeRefreshTokens', 'errorEnvelope'],
      validate: ({ revokeRefreshTokens, errorEnvelope }) => {
        if (revokeRefreshTokens !== undefined && revokeRefreshTokens !== true) throw new SimConfigError('revokeRefreshTokens must be true');
        if (errorEnvelope !== undefined && !isErrorEnvelope(errorEnvelope)) {
          throw new SimConfigError('errorEnvelope must be {code?: string other than "0000", message?: string|null, times?: positive integer}');
        }
      },
      apply: ({ revokeRefreshTokens, errorEnvelope }) => {
        if (revokeRefreshTokens === true) this.revokeRefreshTokens();
        if (errorEnvelope !== undefined) this.failNext(errorEnvelope as CloudCxErrorEnvelope);
      },
      snapshot: () => ({
        liveRefreshTokens: this.liveRefreshTokenCount(),
        grants: { ...this.grants },
        pendingErrorEnvelopes: this.envelopes.reduce((n, e) => n + e.remaining, 0),
      }),
    });
  }

  get refreshTokenLifetimeSec(): number {
    return this.refreshLifetime.value;
  }
  set refreshTokenLifetimeSec(value: number) {
    this.refreshLifetime.value = value;
  }

  get baseUrl(): string {
    return this.server.url;
  }
  get tokenUrl(): string {
    return `${this.server.url}/oauth/token`;
  }
  get users(): readonly CloudCxSimUser[] {
    return this.directory;
  }

  env(opts: { auth?: 'password' | 'apiKey' } = {}): CloudCxEnv {
    if (opts.auth === 'apiKey') return { CLOUDCX_BASE_URL: this.baseUrl, CLOUDCX_API_KEY: this.apiKeys[0]! };
    const client = this.clients[0]!;
    const account = this.accounts[0]!;
    return {
      CLOUDCX_BASE_URL: this.baseUrl,
      CLOUDCX_CLIENT_ID: client.clientId,
      CLOUDCX_CLIENT_SECRET: client.clientSecret,
      CLOUDCX_USERNAME: account.username,
      CLOUDCX_PASSWORD: account.password,
    };
  }

  grantCount(grant: CloudCxGrantType): number {
    return this.grants[grant];
  }
  resetCounts(): void {
    this.server.resetCounts();
    this.grants.password = 0;
    this.grants.refresh_token = 0;
  }

  revokeRefreshTokens(): void {
    this.refreshTokens.clear();
  }
  isLiveRefreshToken(token: string): boolean {
    const g = this.refreshTokens.get(token);
    return g !== undefined && g.expiresAt > Date.now();
  }

  /** A new refresh token for this grant, valid refreshTokenLifetimeSec. */
  issueRefreshToken(grant: Omit<RefreshGrant, 'expiresAt'>): string {
    const token = randomUUID();
    this.refreshTokens.set(token, { ...grant, expiresAt: Date.now() + this.refreshTokenLifetimeSec * 1000 });
    this.pruneRefreshTokens();
    return token;
  }

  /** The grant of a refresh token the server knows (expired or not). */
  refreshGrantOf(token: string): RefreshGrant | undefined {
    return this.refreshTokens.get(token);
  }

  /** Rotation: a refresh token is forgotten once used. */
  forgetRefreshToken(token: string): void {
    this.refreshTokens.delete(token);
  }

  failNext(envelope: CloudCxErrorEnvelope = {}): void {
    const code = envelope.code ?? ERROR_DEFAULT.code;
    if (typeof code !== 'string' || code === '0000') throw new TypeError('An error envelope needs a code other than "0000"');
    const times = envelope.times ?? 1;
    if (!(Number.isInteger(times) && times >= 1)) throw new TypeError('times must be a positive integer');
    const message = envelope.message === undefined ? ERROR_DEFAULT.message : envelope.message;
    this.envelopes.push({ code, message, remaining: times });
  }

  /** The pending error envelope the next API answer carries, consuming one repetition. */
  takeErrorEnvelope(): { code: string; message: string | null } | undefined {
    const pending = this.envelopes[0];
    if (!pending) return undefined;
    pending.remaining -= 1;
    if (pending.remaining <= 0) this.envelopes.shift();
    return { code: pending.code, message: pending.message };
  }

  addUser(user: CloudCxSimUser): void {
    this.directory.push({ ...user, roles: [...user.roles] });
  }

  private liveRefreshTokenCount(): number {
    const now = Date.now();
    let n = 0;
    for (const g of this.refreshTokens.values()) if (g.expiresAt > now) n++;
    return n;
  }

  /** Forgets expired refresh tokens once the map grows, so long benchmarks do not leak memory. */
  private pruneRefreshTokens(): void {
    if (this.refreshTokens.size < 10_000) return;
    const now = Date.now();
    for (const [t, g] of this.refreshTokens) if (g.expiresAt <= now) this.refreshTokens.delete(t);
  }
}

function isErrorEnvelope(e: unknown): boolean {
  return (
    isRecord(e) &&
    (e.code === undefined || (typeof e.code === 'string' && e.code !== '0000')) &&
    (e.message === undefined || e.message === null || typeof e.message === 'string') &&
    (e.times === undefined || (Number.isInteger(e.times) && (e.times as number) >= 1))
  );
}

/** Its entry in the simulator list (src/simulators/index.ts). */
export const cloudCxSimulator = defineSimulator({
  key: 'cloudcx',
  provider: 'CLOUDCX',
  create: () => createCloudCxSimulator(),
  createFor: (tenant) => createCloudCxSimulator(demoTenantData(tenant)),
  // Every owner signs in as the default account, each through a client of its own (the token's key and count).
  createForMany: (owners) => createCloudCxSimulator({ clients: owners.flatMap((o) => demoTenantData(o).clients) }),
  envFor: (sim, owner) => {
    const client = demoTenantData(owner).clients[0]!;
    return { ...sim.env({ auth: 'password' }), CLOUDCX_CLIENT_ID: client.clientId, CLOUDCX_CLIENT_SECRET: client.clientSecret };
  },
  // The password grant rather than the API key, so the embedded default exercises token refresh.
  env: (sim) => sim.env({ auth: 'password' }),
});
