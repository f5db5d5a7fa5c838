/**
 * Token manager logic with an injected clock and an injected token endpoint (a function, not a global
 * mock): single-flight, lifetime-scaled renewal margin, 401 invalidation of exactly the failed token,
 * refresh tokens, invalid_grant as a state, and Sangoma-style no-early-renewal.
 */
import { describe, expect, it } from 'vitest';
import { formRequest, type Grant } from '../../src/auth/grant.js';
import { tokenManagerOver, type FetchLike } from '../support/token-manager.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../../src/auth/token-set.js';
import { ConnectionStatus } from '../../src/observability/connection-status.js';
import { isCxError } from '../../src/errors/errors.js';
import { MemoryKvStore } from '../../src/store/memory-store.js';
import { LogCapture } from '../support/log-capture.js';

class FakeClock {
  constructor(public t = 1_700_000_000_000) {}
  now = () => this.t;
  advance(ms: number) {
    this.t += ms;
  }
}

interface Endpoint {
  fetch: FetchLike;
  requests: URLSearchParams[];
  /** next responses to give, else a fresh token */
  queue: { status: number; body: unknown }[];
  lifetimeS: number;
  delayMs: number;
}

function tokenEndpoint(lifetimeS = 3600): Endpoint {
  let n = 0;
  const ep: Endpoint = {
    requests: [],
    queue: [],
    lifetimeS,
    delayMs: 5,
    fetch: async (_url, init) => {
      ep.requests.push(new URLSearchParams(String(init.body)));
      await new Promise((r) => setTimeout(r, ep.delayMs));
      const next = ep.queue.shift();
      if (next) return new Response(JSON.stringify(next.body), { status: next.status, headers: { 'content-type': 'application/json' } });
      n++;
      return new Response(JSON.stringify({ access_token: `tok-${n}`, token_type: 'Bearer', expires_in: ep.lifetimeS, refresh_token: `rt-${n}` }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    },
  };
  return ep;
}

function grant(opts: Partial<Pick<Grant, 'renewBeforeExpiry'>> & { refresh?: boolean; primary?: boolean; scope?: string } = {}): Grant {
  return {
    identity: { provider: 'CALLJOURNEY', tokenUrl: 'https://login.example/token', clientId: 'app', scope: opts.scope ?? 'api://app/.default' },
    renewBeforeExpiry: opts.renewBeforeExpiry ?? true,
    buildRequest:
      opts.primary === false ? undefined : () => formRequest('https://login.example/token', { grant_type: 'client_credentials', client_secret: 's3cret' }),
    buildRefreshRequest: opts.refresh ? (rt) => formRequest('https://login.example/token', { grant_type: 'refresh_token', refresh_token: rt }) : undefined,
  };
}

function manager(ep: Endpoint, clock: FakeClock, extra: { status?: ConnectionStatus } = {}) {
  const logs = new LogCapture();
  const tm = tokenManagerOver({ store: new MemoryKvStore(), logger: logs.logger, fetch: ep.fetch, clock, random: () => 0, ...extra });
  return { tm, logs };
}

describe('TokenManager', () => {
  it('single-flight: 40 concurrent callers on a cold cache share one token request', async () => {
    const ep = tokenEndpoint();
    const { tm } = manager(ep, new FakeClock());
    const g = grant();
    const tokens = await Promise.all(Array.from({ length: 40 }, () => tm.getToken(g)));
    expect(ep.requests).toHaveLength(1);
    expect(new Set(tokens.map((t) => t.accessToken))).toEqual(new Set(['tok-1']));
  });

  it('keys tokens by scope: two scopes are two tokens, never shared', async () => {
    const ep = tokenEndpoint();
    const { tm } = manager(ep, new FakeClock());
    const [a, b] = await Promise.all([tm.getToken(grant({ scope: 'users:read' })), tm.getToken(grant({ scope: 'stats' }))]);
    expect(a.accessToken).not.toBe(b.accessToken);
    expect(ep.requests).toHaveLength(2);
  });

  it('a 10 s token is reused while valid, renewed in the background a margin before expiry, and refetched after expiry', async () => {
    const ep = tokenEndpoint(10);
    const clock = new FakeClock();
    const { tm } = manager(ep, clock);
    const g = grant();
    expect((await tm.getToken(g)).accessToken).toBe('tok-1');
    clock.advance(5_000);
    expect((await tm.getToken(g)).accessToken).toBe('tok-1');
    expect(ep.requests).toHaveLength(1);
    // margin = max(1 s, 10% of 10 s) = 1 s: at 9.2 s the current token is still served, a renewal starts behind it
    clock.advance(4_200);
    expect((await tm.getToken(g)).accessToken).toBe('tok-1');
    await new Promise((r) => setTimeout(r, 30));
    expect(ep.requests).toHaveLength(2);
    expect((await tm.getToken(g)).accessToken).toBe('tok-2');
    // long after tok-2 expired: a blocking fetch
    clock.advance(60_000);
    expect((await tm.getToken(g)).accessToken).toBe('tok-3');
  });

  it('scales the renewal margin with the lifetime: a 1 h token is renewed about 5 minutes before expiry, not at 10 s', async () => {
    const ep = tokenEndpoint(3600);
    const clock = new FakeClock();
    const { tm } = manager(ep, clock);
    const g = grant();
    await tm.getToken(g);
    clock.advance(3600_000 - 6 * 60_000);
    await tm.getToken(g);
    await new Promise((r) => setTimeout(r, 20));
    expect(ep.requests).toHaveLength(1);
    clock.advance(2 * 60_000); // 4 min before expiry: inside the 5 min margin
    await tm.getToken(g);
    await new Promise((r) => setTimeout(r, 20));
    expect(ep.requests).toHaveLength(2);
  });

  it('never renews early when the platform forbids it (Sangoma): used to its last moment, renewed once expired', async () => {
    const ep = tokenEndpoint(24304413);
    const clock = new FakeClock();
    const { tm } = manager(ep, clock);
    const g = grant({ renewBeforeExpiry: false });
    await tm.getToken(g);
    clock.advance(24304413_000 - 1);
    expect((await tm.getToken(g)).accessToken).toBe('tok-1');
    await new Promise((r) => setTimeout(r, 20));
    expect(ep.requests).toHaveLength(1);
    clock.advance(2);
    expect((await tm.getToken(g)).accessToken).toBe('tok-2');
  });

  it('a 401 invalidates exactly the token that failed: a newer token fetched meanwhile is kept', async () => {
    const ep = tokenEndpoint();
    const { tm } = manager(ep, new FakeClock());
    const g = grant();
    const first = await tm.getToken(g);
    await tm.invalidate(g, first.accessToken);
    const second = await tm.getToken(g);
    expect(second.accessToken).toBe('tok-2');
    // a late 401 for the old token must not throw away the new one
    await tm.invalidate(g, first.accessToken);
    expect((await tm.getToken(g)).accessToken).toBe('tok-2');
    expect(ep.requests).toHaveLength(2);
  });

  it('withToken retries once with a new token after a 401, and 40 concurrent 401s cost one new token', async () => {
    const ep = tokenEndpoint();
    const { tm } = manager(ep, new FakeClock());
    const g = grant();
    await tm.getToken(g);
    const seen: string[] = [];
    const results = await Promise.all(
      Array.from({ length: 40 }, () =>
        tm.withToken(
          g,
          async (t) => {
            seen.push(t.accessToken);
            return t.accessToken === 'tok-1' ? 401 : 200;
          },
          (status) => status === 401,
        ),
      ),
    );
    expect(results.every((s) => s === 200)).toBe(true);
    expect(ep.requests).toHaveLength(2);
    expect(seen.filter((s) => s === 'tok-1')).toHaveLength(40);
  });

  it('renews with the refresh token, not the primary grant, and keeps a refresh token the server did not rotate', async () => {
    const ep = tokenEndpoint(60);
    const clock = new FakeClock();
    const { tm } = manager(ep, clock);
    const g = grant({ refresh: true });
    await tm.getToken(g);
    clock.advance(120_000);
    ep.queue.push({ status: 200, body: { access_token: 'tok-refreshed', expires_in: 60 } });
    expect((await tm.getToken(g)).accessToken).toBe('tok-refreshed');
    expect(ep.requests.map((r) => r.get('grant_type'))).toEqual(['client_credentials', 'refresh_token']);
    expect(ep.requests[1]!.get('refresh_token')).toBe('rt-1');
    clock.advance(120_000);
    await tm.getToken(g);
    expect(ep.requests[2]!.get('refresh_token')).toBe('rt-1');
  });

  it('falls back to the primary grant once when the refresh token is refused (invalid_grant)', async () => {
    const ep = tokenEndpoint(60);
    const clock = new FakeClock();
    const { tm } = manager(ep, clock);
    const g = grant({ refresh: true });
    await tm.getToken(g);
    clock.advance(120_000);
    ep.queue.push({ status: 400, body: { error: 'invalid_grant' } });
    expect((await tm.getToken(g)).accessToken).toBe('tok-2');
    expect(ep.requests.map((r) => r.get('grant_type'))).toEqual(['client_credentials', 'refresh_token', 'client_credentials']);
  });

  it('invalid_grant with no other way to get a token is a state (NEEDS_REAUTHORIZATION) and stops asking the platform', async () => {
    const ep = tokenEndpoint(60);
    const clock = new FakeClock();
    const status = new ConnectionStatus(['CALLJOURNEY']);
    const { tm } = manager(ep, clock, { status });
    // A consent grant: the first token (with a refresh token) came from elsewhere — here the same identity
    // with a primary grant seeds it; afterwards only the refresh token can renew it.
    const seeded = grant({ refresh: true });
    await tm.getToken(seeded);
    const consentOnly: Grant = { ...seeded, buildRequest: undefined };
    clock.advance(120_000);
    ep.queue.push({ status: 400, body: { error: 'invalid_grant', error_description: 'refresh token revoked' } });
    await expect(tm.getToken(consentOnly)).rejects.toSatisfy((e: unknown) => isCxError(e) && e.extensions.code === 'PROVIDER_NEEDS_REAUTHORIZATION');
    expect(ep.requests.map((r) => r.get('grant_type'))).toEqual(['client_credentials', 'refresh_token']);
    const before = ep.requests.length;
    for (let i = 0; i < 5; i++) await expect(tm.getToken(consentOnly)).rejects.toThrow(/authorise again/);
    expect(ep.requests.length).toBe(before);
    expect(status.get('CALLJOURNEY').status).toBe('NEEDS_REAUTHORIZATION');
  });

  it('maps token endpoint errors to PROVIDER_AUTH_FAILED with the OAuth error code and never the secret', async () => {
    const ep = tokenEndpoint();
    const { tm, logs } = manager(ep, new FakeClock());
    ep.queue.push({
      status: 401,
      body: { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.', error_codes: [7000215] },
    });
    const err = await tm.getToken(grant()).catch((e: unknown) => e);
    expect(isCxError(err) && err.extensions).toMatchObject({
      code: 'PROVIDER_AUTH_FAILED',
      oauthError: 'invalid_client',
      providerCode: 'AADSTS7000215',
      upstreamStatus: 401,
    });
    expect(JSON.stringify(err)).not.toContain('s3cret');
    expect(logs.text).not.toContain('s3cret');
  });

  it('treats a 5xx or an unreachable token endpoint as PROVIDER_UNAVAILABLE, and a 200 without a token as PROVIDER_ERROR', async () => {
    const ep = tokenEndpoint();
    const clock = new FakeClock();
    const { tm } = manager(ep, clock);
    ep.queue.push({ status: 503, body: {} });
    await expect(tm.getToken(grant())).rejects.toSatisfy((e: unknown) => isCxError(e) && e.extensions.code === 'PROVIDER_UNAVAILABLE');
    clock.advance(60_000); // past the grant's backoff (token-backoff.test.ts)
    ep.queue.push({ status: 200, body: { token_type: 'Bearer' } });
    await expect(tm.getToken(grant())).rejects.toSatisfy((e: unknown) => isCxError(e) && e.extensions.code === 'PROVIDER_ERROR');
    const down = tokenManagerOver({
      store: new MemoryKvStore(),
      logger: new LogCapture().logger,
      fetch: () => Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })),
    });
    await expect(down.getToken(grant())).rejects.toSatisfy(
      (e: unknown) => isCxError(e) && e.extensions.code === 'PROVIDER_UNAVAILABLE' && e.message.includes('ECONNREFUSED'),
    );
  });

  it('uses the JWT exp when it is earlier than expires_in', async () => {
    const ep = tokenEndpoint();
    const clock = new FakeClock();
    const { tm } = manager(ep, clock);
    const exp = Math.floor(clock.t / 1000) + 30;
    const jwt = `${b64({ alg: 'none' })}.${b64({ exp })}.sig`;
    ep.queue.push({ status: 200, body: { access_token: jwt, expires_in: 3600 } });
    const t = await tm.getToken(grant());
    expect(t.expiresAt).toBe(exp * 1000);
  });

  it('caps every token lifetime at MAX_TOKEN_LIFETIME_SECONDS (400 days): a JWT exp of 1e20 or an endless expires_in is not believed', async () => {
    const ep = tokenEndpoint();
    const clock = new FakeClock();
    const store = new MemoryKvStore();
    const tm = tokenManagerOver({ store, logger: new LogCapture().logger, fetch: ep.fetch, clock, random: () => 0 });
    const cap = MAX_TOKEN_LIFETIME_SECONDS * 1000;
    const jwt = `${b64({ alg: 'none' })}.${b64({ exp: 1e20 })}.sig`;
    ep.queue.push({ status: 200, body: { access_token: jwt, expires_in: 1e20 } });
    const g = grant({ renewBeforeExpiry: false });
    const t = await tm.getToken(g);
    expect(t.expiresAt).toBe(clock.t + cap);
    // Renewed once that capped life is over, as any other token.
    clock.advance(cap);
    expect((await tm.getToken(g)).accessToken).toBe('tok-1');
    expect(ep.requests).toHaveLength(2);
    // A Sangoma-like year-long token is left alone.
    expect(MAX_TOKEN_LIFETIME_SECONDS).toBeGreaterThan(24_304_413);
  });
});

function b64(o: unknown): string {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}

describe('JWTs whose exp has passed on arrival (issue 17 item 6b)', () => {
  /** An unsigned JWT with these times (the token manager reads, never verifies, a token's claims). */
  const jwt = (claims: Record<string, number>) =>
    `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

  it('when the API refuses such a token (it really was expired), the grant backs off instead of fetching per query', async () => {
    const clock = new FakeClock();
    const logs = new LogCapture();
    let requests = 0;
    const fetch: FetchLike = async () => {
      requests++;
      const nowS = Math.floor(clock.now() / 1000);
      // Expired 10 s before it is issued, by the issuer's clock as well as ours.
      return new Response(JSON.stringify({ access_token: jwt({ iat: nowS - 3610, exp: nowS - 10, n: requests }), token_type: 'Bearer', expires_in: 3600 }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    };
    const tm = tokenManagerOver({ store: new MemoryKvStore(), logger: logs.logger, fetch, clock, random: () => 0 });
    const g = grant();
    const refusedAlways = async () =>
      tm
        .withToken(
          g,
          async () => ({ status: 401 }),
          (r) => r.status === 401,
        )
        .catch((e: unknown) => e);
    for (let i = 0; i < 60; i++) {
      await refusedAlways();
      clock.advance(1_000);
    }
    // Without the backoff: two token requests a query (120). With it: 1 s, 2 s, 4 s … apart.
    expect(requests).toBeLessThanOrEqual(8);
    expect(logs.lines.filter((l) => l.includes('clock skew of'))).toHaveLength(1);
  });
});
