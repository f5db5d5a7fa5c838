import { randomUUID } from 'node:crypto';
import { decodeJwt, type JWTPayload } from 'jose';
import { bearerToken } from '../common/bearer.js';
import { SimConfigError, SimServer, type SimRequest, type SimResponse } from '../common/sim-server.js';
import { TokenIssuer } from '../common/token-issuer.js';
import { basicCredentials, isFormEncoded, oauthError, sameSecret, stableUuid } from '../common/http-helpers.js';

/**
 * A fake of one customer's CloudCX (Cloudfon CX) domain: its OAuth 2 token endpoint
 * `POST /oauth/token` (route `token`) and the user directory `GET /openapi/v2/user/page`
 * (route `userpage`) on one server, whose base URL plays the customer's domain.
 *
 * See PROVIDERS.md §3 (CloudCX's "REST API authentication" guide). The JWT access token's header
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

export const CLOUDCX_ISSUER = 'http://cloudcx.cloudfon.net';
export const USER_PAGE_PATH = '/openapi/v2/user/page';

export interface CloudCxOAuthClient {
  clientId: string;
  clientSecret: string;
}

/** A platform user who may sign in with the password grant; `loginCode` must be in the directory. */
export interface CloudCxAccount {
  username: string;
  password: string;
}

/** A directory entry, in the API's shape. */
export interface CloudCxSimUser {
  id: string;
  loginCode: string;
  roles: string[];
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phoneNumber: string | null;
  uniqueCode: string | null;
}

export interface CloudCxSimulatorOptions {
  clients?: CloudCxOAuthClient[];
  accounts?: CloudCxAccount[];
  apiKeys?: string[];
  users?: CloudCxSimUser[];
  tokenLifetimeSec?: number;
  refreshTokenLifetimeSec?: number;
}

export interface CloudCxErrorEnvelope {
  code?: string;
  message?: string | null;
  /** How many API answers get it (default 1). */
  times?: number;
}

export type CloudCxGrantType = 'password' | 'refresh_token';

export interface CloudCxSimulator {
  readonly server: SimServer;
  readonly issuer: TokenIssuer;
  readonly clients: readonly CloudCxOAuthClient[];
  readonly accounts: readonly CloudCxAccount[];
  readonly apiKeys: readonly string[];
  start(opts?: { port?: number; host?: string }): Promise<string>;
  stop(): Promise<void>;
  /** The customer's domain (the server's URL); throws before start(). */
  readonly baseUrl: string;
  /** `${baseUrl}/oauth/token`. */
  readonly tokenUrl: string;
  /** `expires_in` of tokens issued from now on (the JWT lives one second more). */
  tokenLifetimeSec: number;
  /** Lifetime of refresh tokens issued from now on. */
  refreshTokenLifetimeSec: number;
  /** Token requests of one grant type since start or resetCounts(), whatever their outcome. */
  grantCount(grant: CloudCxGrantType): number;
  /** Resets the server's per-route counters and the per-grant counters. */
  resetCounts(): void;
  /** Revokes every access token issued so far (also `POST /__sim/revoke`). */
  revokeTokens(): void;
  /** Revokes every refresh token issued so far (also `POST /__sim/config {"revokeRefreshTokens":true}`). */
  revokeRefreshTokens(): void;
  /** True while `token` is a refresh token the server would accept. */
  isLiveRefreshToken(token: string): boolean;
  /** The next API answer(s) are HTTP 200 with this error envelope (default code "1001"). */
  failNext(envelope?: CloudCxErrorEnvelope): void;
  addUser(user: CloudCxSimUser): void;
  readonly users: readonly CloudCxSimUser[];
}

export const DEFAULT_CLOUDCX_CLIENT: Readonly<CloudCxOAuthClient> = Object.freeze({
  clientId: '260390634491792831800001',
  clientSecret: 'cloudcx-secret-local',
});
export const DEFAULT_CLOUDCX_ACCOUNT: Readonly<CloudCxAccount> = Object.freeze({
  username: 'simon.admin',
  password: 'cloudcx-password-local',
});
export const DEFAULT_CLOUDCX_API_KEY = 'cxk-local-7d1f0c9a4e2b48f6a3c5d8e0b1f2a3c4d5e6f708192a3b4c';

/** The guide's sample user first, then a small contact centre. */
export const SAMPLE_CLOUDCX_USERS: readonly CloudCxSimUser[] = Object.freeze(
  [
    { id: '75d86d40-f7d9-4025-8a1c-8a868f918289', loginCode: 'freesiaTest', roles: ['Admin', 'Agents'], firstName: 'freesia', lastName: 'Test', email: 'frees1aa@gmail.com', phoneNumber: null, uniqueCode: null },
    ...(
      [
        ['simon.admin', 'Simon', 'Okafor', ['Admin'], '+44 20 7946 0101'],
        ['silvia.rossi', 'Silvia', 'Rossi', ['Agents'], '+39 06 6988 1201'],
        ['jessica.lin', 'Jessica', 'Lin', ['Agents'], null],
        ['marco.bianchi', 'Marco', 'Bianchi', ['Agents'], '+39 02 8845 2210'],
        ['amelia.hughes', 'Amelia', 'Hughes', ['Supervisor', 'Agents'], '+44 161 496 0302'],
        ['liam.oconnor', 'Liam', "O'Connor", ['Agents'], null],
        ['priya.natarajan', 'Priya', 'Natarajan', ['Agents'], '+91 80 4718 3300'],
        ['kenji.watanabe', 'Kenji', 'Watanabe', ['Agents'], null],
        ['fatima.zahra', 'Fatima', 'Zahra', ['Supervisor'], '+212 522 44 10 20'],
        ['noah.schmidt', 'Noah', 'Schmidt', ['Agents'], '+49 30 901820'],
        ['chloe.martin', 'Chloé', 'Martin', ['Agents'], '+33 1 70 36 39 50'],
        ['mateo.garcia', 'Mateo', 'García', ['Agents'], null],
        ['olivia.brown', 'Olivia', 'Brown', ['Admin', 'Supervisor'], '+1 212 555 0142'],
        ['ethan.wilson', 'Ethan', 'Wilson', ['Agents'], '+1 415 555 0199'],
        ['sofia.kowalska', 'Zofia', 'Kowalska', ['Agents'], null],
        ['lucas.silva', 'Lucas', 'Silva', ['Agents'], '+55 11 3456 7890'],
        ['hana.kim', 'Hana', 'Kim', ['Agents'], null],
        ['omar.haddad', 'Omar', 'Haddad', ['Agents'], '+971 4 123 4567'],
        ['isla.campbell', 'Isla', 'Campbell', ['Supervisor', 'Agents'], '+44 131 496 0777'],
        ['daniel.cohen', 'Daniel', 'Cohen', ['Agents'], null],
        ['aisha.bello', 'Aisha', 'Bello', ['Agents'], '+234 1 460 0900'],
        ['erik.lindqvist', 'Erik', 'Lindqvist', ['Agents'], '+46 8 123 456 00'],
        ['mia.jensen', 'Mia', 'Jensen', ['Agents'], null],
        ['lucia.fernandez', 'Lucía', 'Fernández', ['Agents'], '+34 91 123 45 67'],
        ['tom.nguyen', 'Tom', 'Nguyen', ['Agents'], null],
        ['grace.mwangi', 'Grace', 'Mwangi', ['Agents'], '+254 20 765 4321'],
        ['ivan.petrov', 'Ivan', 'Petrov', ['Agents'], null],
        ['sienna.moore', 'Sienna', 'Moore', ['Agents'], '+61 2 9876 5432'],
        ['queue.bot', null, null, [], null],
      ] as const
    ).map(([loginCode, firstName, lastName, roles, phoneNumber], i): CloudCxSimUser => ({
      id: stableUuid(`cloudcx-user/${loginCode}`),
      loginCode,
      roles: [...roles],
      firstName,
      lastName,
      email: firstName === null ? null : `${loginCode}@cx.example.com`,
      phoneNumber,
      uniqueCode: i % 3 === 0 ? String(1001 + i) : null,
    })),
  ].map((u) => Object.freeze(u)),
);

const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 1000;
const ERROR_DEFAULT = { code: '1001', message: 'Invalid parameter' };
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
const FULL_AUTH = 'Full authentication is required to access this resource';

interface RefreshGrant {
  clientId: string;
  username: string;
  userId: string;
  expiresAt: number;
}

export function createCloudCxSimulator(opts: CloudCxSimulatorOptions = {}): CloudCxSimulator {
  return new CloudCxSim(opts);
}

class CloudCxSim implements CloudCxSimulator {
  readonly server = new SimServer('cloudcx');
  readonly issuer = new TokenIssuer();
  readonly clients: readonly CloudCxOAuthClient[];
  readonly accounts: readonly CloudCxAccount[];
  readonly apiKeys: readonly string[];
  private readonly directory: CloudCxSimUser[] = [];
  private lifetimeSec: number;
  private refreshLifetimeSec: number;
  private readonly refreshTokens = new Map<string, RefreshGrant>();
  private readonly grants: Record<CloudCxGrantType, number> = { password: 0, refresh_token: 0 };
  private envelopes: { code: string; message: string | null; remaining: number }[] = [];

  constructor(opts: CloudCxSimulatorOptions) {
    this.clients = Object.freeze((opts.clients ?? [DEFAULT_CLOUDCX_CLIENT]).map((c) => Object.freeze({ ...c })));
    this.accounts = Object.freeze((opts.accounts ?? [DEFAULT_CLOUDCX_ACCOUNT]).map((a) => Object.freeze({ ...a })));
    this.apiKeys = Object.freeze([...(opts.apiKeys ?? [DEFAULT_CLOUDCX_API_KEY])]);
    this.lifetimeSec = checkLifetime('tokenLifetimeSec', opts.tokenLifetimeSec ?? 3599);
    this.refreshLifetimeSec = checkLifetime('refreshTokenLifetimeSec', opts.refreshTokenLifetimeSec ?? 30 * 86_400);
    for (const u of opts.users ?? SAMPLE_CLOUDCX_USERS) this.addUser(u);

    this.server.route('POST', '/oauth/token', 'token', (req) => this.token(req));
    this.server.route('GET', USER_PAGE_PATH, 'userpage', (req) => this.userPage(req));
    this.server.onRevoke(() => this.revokeTokens());
    this.server.onConfig({
      keys: ['tokenLifetimeSec', 'refreshTokenLifetimeSec', 'revokeRefreshTokens', 'errorEnvelope'],
      apply: (values) => this.applyConfig(values),
      snapshot: () => ({
        tokenLifetimeSec: this.lifetimeSec,
        refreshTokenLifetimeSec: this.refreshLifetimeSec,
        liveRefreshTokens: this.liveRefreshTokenCount(),
        grants: { ...this.grants },
        pendingErrorEnvelopes: this.envelopes.reduce((n, e) => n + e.remaining, 0),
      }),
    });
  }

  get tokenLifetimeSec(): number {
    return this.lifetimeSec;
  }
  set tokenLifetimeSec(value: number) {
    this.lifetimeSec = checkLifetime('tokenLifetimeSec', value);
  }
  get refreshTokenLifetimeSec(): number {
    return this.refreshLifetimeSec;
  }
  set refreshTokenLifetimeSec(value: number) {
    this.refreshLifetimeSec = checkLifetime('refreshTokenLifetimeSec', value);
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

  start(opts?: { port?: number; host?: string }): Promise<string> {
    return this.server.start(opts);
  }
  stop(): Promise<void> {
    return this.server.stop();
  }

  grantCount(grant: CloudCxGrantType): number {
    return this.grants[grant];
  }
  resetCounts(): void {
    this.server.resetCounts();
    this.grants.password = 0;
    this.grants.refresh_token = 0;
  }

  revokeTokens(): void {
    this.issuer.revokeAll();
  }
  revokeRefreshTokens(): void {
    this.refreshTokens.clear();
  }
  isLiveRefreshToken(token: string): boolean {
    const g = this.refreshTokens.get(token);
    return g !== undefined && g.expiresAt > Date.now();
  }

  failNext(envelope: CloudCxErrorEnvelope = {}): void {
    const code = envelope.code ?? ERROR_DEFAULT.code;
    if (typeof code !== 'string' || code === '0000') throw new TypeError('An error envelope needs a code other than "0000"');
    const times = envelope.times ?? 1;
    if (!(Number.isInteger(times) && times >= 1)) throw new TypeError('times must be a positive integer');
    const message = envelope.message === undefined ? ERROR_DEFAULT.message : envelope.message;
    this.envelopes.push({ code, message, remaining: times });
  }

  addUser(user: CloudCxSimUser): void {
    this.directory.push({ ...user, roles: [...user.roles] });
  }

  private applyConfig(values: Record<string, unknown>): void {
    const { tokenLifetimeSec, refreshTokenLifetimeSec, revokeRefreshTokens, errorEnvelope } = values;
    // Validate everything before applying anything.
    const lifetimes: [string, unknown][] = [['tokenLifetimeSec', tokenLifetimeSec], ['refreshTokenLifetimeSec', refreshTokenLifetimeSec]];
    for (const [name, v] of lifetimes) {
      if (v === undefined) continue;
      try {
        if (typeof v !== 'number') throw new RangeError(`${name} must be a number of seconds`);
        checkLifetime(name, v);
      } catch (err) {
        throw new SimConfigError((err as Error).message);
      }
    }
    if (revokeRefreshTokens !== undefined && revokeRefreshTokens !== true) throw new SimConfigError('revokeRefreshTokens must be true');
    if (errorEnvelope !== undefined) {
      const e = errorEnvelope as Record<string, unknown> | null;
      const ok =
        e !== null && typeof e === 'object' && !Array.isArray(e) &&
        (e.code === undefined || (typeof e.code === 'string' && e.code !== '0000')) &&
        (e.message === undefined || e.message === null || typeof e.message === 'string') &&
        (e.times === undefined || (Number.isInteger(e.times) && (e.times as number) >= 1));
      if (!ok) throw new SimConfigError('errorEnvelope must be {code?: string other than "0000", message?: string|null, times?: positive integer}');
    }
    if (typeof tokenLifetimeSec === 'number') this.tokenLifetimeSec = tokenLifetimeSec;
    if (typeof refreshTokenLifetimeSec === 'number') this.refreshTokenLifetimeSec = refreshTokenLifetimeSec;
    if (revokeRefreshTokens === true) this.revokeRefreshTokens();
    if (errorEnvelope !== undefined) this.failNext(errorEnvelope as CloudCxErrorEnvelope);
  }

  // --- token endpoint ------------------------------------------------------------

  private async token(req: SimRequest): Promise<SimResponse> {
    const form = isFormEncoded(req.headers['content-type']) ? req.form() : new URLSearchParams();
    const grantType = form.get('grant_type');
    if (grantType === 'password' || grantType === 'refresh_token') this.grants[grantType] += 1;

    const basic = basicCredentials(req.headers.authorization);
    const clientId = basic?.clientId ?? form.get('client_id');
    if (!clientId) return oauthError(401, 'unauthorized', FULL_AUTH, { 'WWW-Authenticate': 'Basic realm="oauth2/client"' });
    const secret = basic?.clientSecret ?? form.get('client_secret') ?? '';
    const client = this.clients.find((c) => c.clientId === clientId);
    if (!client || !sameSecret(secret, client.clientSecret)) return oauthError(401, 'invalid_client', 'Bad client credentials');

    if (!grantType) return oauthError(400, 'invalid_request', 'Missing grant type');
    if (grantType === 'password') return this.passwordGrant(client, form);
    if (grantType === 'refresh_token') return this.refreshGrant(client, form);
    return oauthError(400, 'unsupported_grant_type', `Unsupported grant type: ${grantType}`);
  }

  private async passwordGrant(client: CloudCxOAuthClient, form: URLSearchParams): Promise<SimResponse> {
    const username = form.get('username') ?? '';
    const password = form.get('password') ?? '';
    const account = this.accounts.find((a) => a.username === username);
    // Compare even for unknown users, so timing does not tell which usernames exist.
    const passwordOk = sameSecret(password, account?.password ?? randomUUID());
    if (!account || !passwordOk || username === '') return oauthError(400, 'invalid_grant', 'Bad credentials');
    const user = this.directory.find((u) => u.loginCode === account.username);
    return this.issueTokens(client.clientId, account.username, user?.id ?? stableUuid(`cloudcx-user/${account.username}`));
  }

  private async refreshGrant(client: CloudCxOAuthClient, form: URLSearchParams): Promise<SimResponse> {
    const token = form.get('refresh_token');
    if (!token) return oauthError(400, 'invalid_request', 'Missing refresh token');
    const grant = this.refreshTokens.get(token);
    if (!grant) return oauthError(400, 'invalid_grant', `Invalid refresh token: ${token}`);
    if (grant.clientId !== client.clientId) return oauthError(400, 'invalid_grant', `Wrong client for this refresh token: ${token}`);
    this.refreshTokens.delete(token); // rotated: single use
    if (grant.expiresAt <= Date.now()) return oauthError(400, 'invalid_grant', `Invalid refresh token (expired): ${token}`);
    return this.issueTokens(grant.clientId, grant.username, grant.userId);
  }

  private async issueTokens(clientId: string, username: string, userId: string): Promise<SimResponse> {
    const expiresIn = this.lifetimeSec;
    const accessToken = await this.issuer.issue({ sub: clientId, aud: clientId, 'user-id': userId, iss: CLOUDCX_ISSUER }, expiresIn + 1);
    const refreshToken = randomUUID();
    this.refreshTokens.set(refreshToken, { clientId, username, userId, expiresAt: Date.now() + this.refreshLifetimeSec * 1000 });
    this.pruneRefreshTokens();
    return {
      status: 200,
      headers: NO_STORE,
      json: { access_token: accessToken, token_type: 'Bearer', refresh_token: refreshToken, expires_in: expiresIn },
    };
  }

  // --- API -------------------------------------------------------------------------

  private async userPage(req: SimRequest): Promise<SimResponse> {
    const denied = await this.authorise(req);
    if (denied) return denied;

    const pending = this.envelopes[0];
    if (pending) {
      pending.remaining -= 1;
      if (pending.remaining <= 0) this.envelopes.shift();
      return { status: 200, json: { code: pending.code, message: pending.message, data: null } };
    }

    const pageIndex = intParam(req.query.get('pageIndex'), 1);
    if (pageIndex === null || pageIndex < 1) return envelopeError('1001', 'Invalid parameter: pageIndex');
    const pageSize = intParam(req.query.get('pageSize'), DEFAULT_PAGE_SIZE);
    if (pageSize === null || pageSize < 1 || pageSize > MAX_PAGE_SIZE) return envelopeError('1001', 'Invalid parameter: pageSize');

    const keywords = (req.query.get('keywords') ?? '').trim().toLowerCase();
    const matches = keywords ? this.directory.filter((u) => matchesKeywords(u, keywords)) : this.directory;
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
  private async authorise(req: SimRequest): Promise<SimResponse | undefined> {
    const token = bearerToken(req);
    if (token === null) return unauthorized('unauthorized', FULL_AUTH);
    if (this.apiKeys.some((k) => sameSecret(token, k))) return undefined;
    const claims = await this.issuer.verify(token);
    if (claims && this.acceptsClaims(claims)) return undefined;
    const expired = claims === null && isExpiredJwt(token);
    return unauthorized('invalid_token', `${expired ? 'Access token expired' : 'Invalid access token'}: ${token}`);
  }

  private acceptsClaims(claims: JWTPayload): boolean {
    return (
      claims.iss === CLOUDCX_ISSUER &&
      typeof claims['user-id'] === 'string' &&
      this.clients.some((c) => claims.aud === c.clientId || (Array.isArray(claims.aud) && claims.aud.includes(c.clientId)))
    );
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

// --- helpers -------------------------------------------------------------------

/** Spring's OAuth2AuthenticationEntryPoint: the error in both the challenge and the body. */
function unauthorized(error: string, description: string): SimResponse {
  const quoted = description.replace(/["\\]/g, '');
  return {
    status: 401,
    headers: { 'WWW-Authenticate': `Bearer realm="oauth2-resource", error="${error}", error_description="${quoted}"` },
    json: { error, error_description: description },
  };
}

function envelopeError(code: string, message: string): SimResponse {
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

function checkLifetime(name: string, value: number): number {
  if (!(Number.isInteger(value) && value >= 1 && value <= 365 * 86_400)) {
    throw new RangeError(`${name} must be an integer number of seconds from 1 to ${365 * 86_400}; got ${value}`);
  }
  return value;
}
