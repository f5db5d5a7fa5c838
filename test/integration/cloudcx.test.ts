/**
 * CloudCX end to end: cxgraph over real HTTP against the CloudCX simulator, in both auth modes — the
 * password grant (renewed with the refresh token, the password used again only when the refresh is
 * refused) and a static API key.
 */
import { createClient } from '@keyv/redis';
import { afterEach, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { cacheKey } from '../../src/auth/token-manager.js';
import type { TokenSet } from '../../src/auth/token-set.js';
import type { CloudCxClient } from '../../src/providers/cloudcx/client.js';
import { createCloudCxSimulator, DEFAULT_CLOUDCX_API_KEY, SAMPLE_CLOUDCX_USERS, type CloudCxSimulator } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';
import { HAS_REDIS, REDIS_URL } from '../support/redis.js';

const USERS = `query ($provider: Provider!, $search: String, $page: Int, $pageSize: Int) {
  users(provider: $provider, search: $search, page: $page, pageSize: $pageSize) {
    totalCount page pageSize totalPages
    nodes { provider id login firstName lastName name email phoneNumber roles active }
  }
}`;
const PROVIDERS = '{ providers { provider status tokenExpiresAt lastError } }';

interface UserPageResult {
  users: { totalCount: number; page: number; pageSize: number; totalPages: number; nodes: { id: string; login: string | null; name: string | null }[] };
}
interface ProvidersResult {
  providers: { provider: string; status: string; tokenExpiresAt: string | null; lastError: string | null }[];
}

const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function passwordEnv(sim: CloudCxSimulator, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    CLOUDCX_BASE_URL: sim.baseUrl,
    CLOUDCX_CLIENT_ID: sim.clients[0]!.clientId,
    CLOUDCX_CLIENT_SECRET: sim.clients[0]!.clientSecret,
    CLOUDCX_USERNAME: sim.accounts[0]!.username,
    CLOUDCX_PASSWORD: sim.accounts[0]!.password,
    ...overrides,
  };
}

function apiKeyEnv(sim: CloudCxSimulator, key = DEFAULT_CLOUDCX_API_KEY): Record<string, string> {
  return { CLOUDCX_BASE_URL: sim.baseUrl, CLOUDCX_API_KEY: key };
}

/** The token set cxgraph keeps for CloudCX, as read back (unsealed) from its store. */
async function storedToken(t: TestServer): Promise<TokenSet | undefined> {
  const client = t.server.services.capability('users', 'CLOUDCX') as CloudCxClient;
  return t.server.services.store.get<TokenSet>(cacheKey(client.grant!.identity));
}

function cloudcxOf(r: { data?: ProvidersResult | null }) {
  return r.data!.providers.find((p) => p.provider === 'CLOUDCX')!;
}

describe('CloudCX users (password grant)', () => {
  const sim = useSimulator(createCloudCxSimulator());
  let t: TestServer;

  afterEach(async () => {
    await t?.close();
    sim.server.clearFaults();
    sim.resetCounts();
    sim.tokenLifetimeSec = 3599;
  });

  it('maps page 2 of size 10 from the 0-based reply to a 1-based UserPage', async () => {
    t = await startServer(passwordEnv(sim));
    const r = await t.gql<UserPageResult>(USERS, { provider: 'CLOUDCX', page: 2, pageSize: 10 });
    expect(r.errors).toBeUndefined();
    const all = SAMPLE_CLOUDCX_USERS;
    expect(r.data!.users).toMatchObject({ totalCount: all.length, page: 2, pageSize: 10, totalPages: Math.ceil(all.length / 10) });
    expect(r.data!.users.nodes.map((u) => u.id)).toEqual(all.slice(10, 20).map((u) => u.id));
    expect(sim.server.count('userpage')).toBe(1);
    expect(sim.grantCount('password')).toBe(1);
  });

  it('sends search as keywords and maps every user field', async () => {
    t = await startServer(passwordEnv(sim));
    const r = await t.gql<UserPageResult>(USERS, { provider: 'CLOUDCX', search: 'freesia' });
    expect(r.errors).toBeUndefined();
    expect(r.data!.users).toEqual({
      totalCount: 1,
      page: 1,
      pageSize: 25,
      totalPages: 1,
      nodes: [
        {
          provider: 'CLOUDCX',
          id: '75d86d40-f7d9-4025-8a1c-8a868f918289',
          login: 'freesiaTest',
          firstName: 'freesia',
          lastName: 'Test',
          name: 'freesia Test',
          email: 'frees1aa@example.com',
          phoneNumber: null,
          roles: ['Admin', 'Agents'],
          active: null,
        },
      ],
    });
    const si = await t.gql<UserPageResult>(USERS, { provider: 'CLOUDCX', search: 'si', pageSize: 3 });
    const expected = SAMPLE_CLOUDCX_USERS.filter((u) => [u.loginCode, u.firstName, u.lastName, u.email].some((f) => f?.toLowerCase().includes('si')));
    expect(si.data!.users).toMatchObject({ totalCount: expected.length, pageSize: 3, totalPages: Math.ceil(expected.length / 3) });
    expect(si.data!.users.nodes.map((u) => u.login)).toEqual(expected.slice(0, 3).map((u) => u.loginCode));
    // One token for both queries.
    expect(sim.server.count('token')).toBe(1);
  });

  it('renews an expired access token with the refresh token, not the password, and stores the rotated refresh token', async () => {
    sim.tokenLifetimeSec = 2;
    t = await startServer(passwordEnv(sim));
    expect((await t.gql(USERS, { provider: 'CLOUDCX' })).errors).toBeUndefined();
    const first = await storedToken(t);
    expect(first?.refreshToken).toBeDefined();
    await sleep(2_300); // the access token's expires_in is over
    expect((await t.gql(USERS, { provider: 'CLOUDCX' })).errors).toBeUndefined();
    expect(sim.grantCount('password')).toBe(1);
    expect(sim.grantCount('refresh_token')).toBe(1);
    // No 401 on the way: the expired token was never sent.
    expect(sim.server.count('userpage')).toBe(2);
    const second = await storedToken(t);
    expect(second!.refreshToken).not.toBe(first!.refreshToken);
    expect(sim.isLiveRefreshToken(second!.refreshToken!)).toBe(true);
    expect(sim.isLiveRefreshToken(first!.refreshToken!)).toBe(false);
  }, 10_000);

  it('falls back to the password exactly once when the refresh token is refused, for concurrent queries', async () => {
    t = await startServer(passwordEnv(sim));
    expect((await t.gql(USERS, { provider: 'CLOUDCX' })).errors).toBeUndefined();
    sim.revokeTokens();
    sim.revokeRefreshTokens();
    const results = await Promise.all(Array.from({ length: 5 }, () => t.gql<UserPageResult>(USERS, { provider: 'CLOUDCX' })));
    for (const r of results) expect(r.errors).toBeUndefined();
    expect(sim.grantCount('refresh_token')).toBe(1);
    expect(sim.grantCount('password')).toBe(2);
    expect(t.logs.text).toContain('refresh token refused (invalid_grant)');
    const p = await t.gql<ProvidersResult>(PROVIDERS);
    expect(cloudcxOf(p)).toMatchObject({ status: 'CONNECTED', lastError: null });
  });

  it('reports CLOUDCX as CONNECTED with the token expiry after a query', async () => {
    t = await startServer(passwordEnv(sim));
    const before = await t.gql<ProvidersResult>(PROVIDERS);
    expect(cloudcxOf(before)).toEqual({ provider: 'CLOUDCX', status: 'CONNECTED', tokenExpiresAt: null, lastError: null });
    await t.gql(USERS, { provider: 'CLOUDCX' });
    const after = cloudcxOf(await t.gql<ProvidersResult>(PROVIDERS));
    expect(after.status).toBe('CONNECTED');
    const expiresIn = Date.parse(after.tokenExpiresAt!) - Date.now();
    expect(expiresIn).toBeGreaterThan(3_500_000);
    expect(expiresIn).toBeLessThanOrEqual(3_599_000);
  });

  it('an error envelope with HTTP 200 is PROVIDER_ERROR carrying the platform code and message', async () => {
    t = await startServer(passwordEnv(sim));
    sim.failNext({ code: '1001', message: 'Invalid parameter: keywords' });
    const failed = await t.gql(USERS, { provider: 'CLOUDCX' });
    expect(failed.data).toEqual({ users: null });
    expect(failed.errors).toHaveLength(1);
    expect(failed.errors![0]!.path).toEqual(['users']);
    expect(failed.errors![0]!.message).toContain('Invalid parameter: keywords');
    expect(failed.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_ERROR', provider: 'CLOUDCX', providerCode: '1001', upstreamStatus: 200 });
    // Not retried: the platform answered.
    expect(sim.server.count('userpage')).toBe(1);
    const p = cloudcxOf(await t.gql<ProvidersResult>(PROVIDERS));
    expect(p.status).toBe('CONNECTED');
    expect(p.lastError).toContain('1001');
  });

  it('bad page or pageSize is BAD_USER_INPUT naming the field, with no upstream call', async () => {
    t = await startServer(passwordEnv(sim));
    const cases: [Record<string, unknown>, string][] = [
      [{ page: 0 }, 'page'],
      [{ page: -3 }, 'page'],
      [{ pageSize: 0 }, 'pageSize'],
      [{ pageSize: 501 }, 'pageSize'],
    ];
    for (const [vars, field] of cases) {
      const r = await t.gql(USERS, { provider: 'CLOUDCX', ...vars });
      expect(r.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect(sim.server.count('userpage')).toBe(0);
    expect(sim.server.count('token')).toBe(0);
  });

  it('users of a provider without a user directory is BAD_USER_INPUT', async () => {
    t = await startServer(passwordEnv(sim));
    const r = await t.gql(USERS, { provider: 'SANGOMA' });
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'provider' });
    expect(sim.server.count('token')).toBe(0);
  });

  it('resolves CloudCX User references to their keys only (no get-by-id endpoint) without an upstream call', async () => {
    t = await startServer(passwordEnv(sim));
    const r = await t.gql(`query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { provider id login name roles active } } }`, {
      r: [{ __typename: 'User', provider: 'CLOUDCX', id: SAMPLE_CLOUDCX_USERS[3]!.id }],
    });
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ _entities: [{ provider: 'CLOUDCX', id: SAMPLE_CLOUDCX_USERS[3]!.id, login: null, name: null, roles: [], active: null }] });
    expect(sim.server.count('userpage') + sim.server.count('token')).toBe(0);
  });

  it('keeps the password, client secret and every token out of responses and logs', async () => {
    sim.tokenLifetimeSec = 1;
    t = await startServer(passwordEnv(sim));
    const seen: string[] = [];
    const responses: string[] = [];
    const remember = async () => {
      const s = await storedToken(t);
      if (s?.refreshToken) seen.push(s.refreshToken);
      if (s?.accessToken) seen.push(s.accessToken);
    };
    responses.push((await t.gql(USERS, { provider: 'CLOUDCX' })).raw);
    await remember();
    await sleep(1_200);
    responses.push((await t.gql(USERS, { provider: 'CLOUDCX' })).raw); // refresh
    await remember();
    sim.revokeTokens();
    sim.revokeRefreshTokens();
    responses.push((await t.gql(USERS, { provider: 'CLOUDCX' })).raw); // 401, refused refresh, password
    await remember();
    responses.push((await t.gql(PROVIDERS)).raw);
    expect(sim.grantCount('refresh_token')).toBe(2);
    expect(seen.length).toBeGreaterThanOrEqual(6);
    const secrets = [sim.accounts[0]!.password, sim.clients[0]!.clientSecret, ...seen];
    for (const text of [...responses, t.logs.text]) {
      for (const s of secrets) expect(text).not.toContain(s);
      expect(text).not.toMatch(JWT);
    }
  }, 10_000);

  it('a wrong password is refused without leaking it, and reported in providers', async () => {
    const password = 'wrong-password-Qx71';
    t = await startServer(passwordEnv(sim, { CLOUDCX_PASSWORD: password }));
    const r = await t.gql(USERS, { provider: 'CLOUDCX' });
    expect(r.errors![0]!.extensions).toMatchObject({
      code: 'PROVIDER_NEEDS_REAUTHORIZATION',
      provider: 'CLOUDCX',
      oauthError: 'invalid_grant',
      upstreamStatus: 400,
    });
    const p = await t.gql<ProvidersResult>(PROVIDERS);
    expect(cloudcxOf(p).status).toBe('NEEDS_REAUTHORIZATION');
    for (const text of [r.raw, p.raw, t.logs.text]) expect(text).not.toContain(password);
    expect(sim.server.count('userpage')).toBe(0);
  });

  it('a wrong client secret is PROVIDER_AUTH_FAILED (invalid_client)', async () => {
    const secret = 'wrong-secret-Pz90';
    t = await startServer(passwordEnv(sim, { CLOUDCX_CLIENT_SECRET: secret }));
    const r = await t.gql(USERS, { provider: 'CLOUDCX' });
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_AUTH_FAILED', provider: 'CLOUDCX', oauthError: 'invalid_client', upstreamStatus: 401 });
    expect(r.raw).not.toContain(secret);
    expect(t.logs.text).not.toContain(secret);
  });

  it.skipIf(!HAS_REDIS)('seals the stored token set, refresh token included, when CXGRAPH_ENCRYPTION_KEYS is set', async () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    t = await startServer({ ...passwordEnv(sim), REDIS_URL, CXGRAPH_ENCRYPTION_KEYS: key });
    expect((await t.gql(USERS, { provider: 'CLOUDCX' })).errors).toBeUndefined();
    const stored = await storedToken(t);
    expect(sim.isLiveRefreshToken(stored!.refreshToken!)).toBe(true);
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    try {
      const client = t.server.services.capability('users', 'CLOUDCX') as CloudCxClient;
      const id = cacheKey(client.grant!.identity);
      const keys = await redis.keys(`*${id}`);
      expect(keys.length).toBeGreaterThan(0);
      for (const k of keys) {
        const raw = (await redis.get(k)) ?? '';
        expect(raw).toContain('$sealed');
        expect(raw).not.toContain(stored!.refreshToken!);
        expect(raw).not.toMatch(JWT);
      }
    } finally {
      await redis.close();
    }
  });
});

describe('CloudCX users (API key)', () => {
  const sim = useSimulator(createCloudCxSimulator());
  let t: TestServer;

  afterEach(async () => {
    await t?.close();
    sim.server.clearFaults();
    sim.resetCounts();
  });

  it('sends the key as the bearer and never calls the token endpoint', async () => {
    t = await startServer(apiKeyEnv(sim));
    const r = await t.gql<UserPageResult>(USERS, { provider: 'CLOUDCX', page: 3, pageSize: 10 });
    expect(r.errors).toBeUndefined();
    expect(r.data!.users).toMatchObject({ page: 3, pageSize: 10, totalCount: SAMPLE_CLOUDCX_USERS.length });
    expect(r.data!.users.nodes.map((u) => u.id)).toEqual(SAMPLE_CLOUDCX_USERS.slice(20, 30).map((u) => u.id));
    expect(sim.server.count('token')).toBe(0);
    expect(sim.server.count('userpage')).toBe(1);
    const p = cloudcxOf(await t.gql<ProvidersResult>(PROVIDERS));
    expect(p).toEqual({ provider: 'CLOUDCX', status: 'CONNECTED', tokenExpiresAt: null, lastError: null });
    expect(t.logs.text).not.toContain(DEFAULT_CLOUDCX_API_KEY);
  });

  it('an HTTP error with an envelope body carries its code too', async () => {
    t = await startServer(apiKeyEnv(sim));
    sim.server.inject({ kind: 'status', route: 'userpage', status: 400, body: { code: '4000', message: 'Bad request: pageSize', data: null } });
    const r = await t.gql(USERS, { provider: 'CLOUDCX' });
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_ERROR', provider: 'CLOUDCX', upstreamStatus: 400, providerCode: '4000' });
    expect(r.errors![0]!.message).toContain('Bad request: pageSize');
  });

  it('a refused key is PROVIDER_AUTH_FAILED at once: no retry, no token request, the key never shown', async () => {
    const key = 'cxk-wrong-key-3b9d2e7f10a4';
    t = await startServer(apiKeyEnv(sim, key));
    const r = await t.gql(USERS, { provider: 'CLOUDCX' });
    expect(r.data).toEqual({ users: null });
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_AUTH_FAILED', provider: 'CLOUDCX', upstreamStatus: 401 });
    expect(r.errors![0]!.message).toContain('CLOUDCX_API_KEY');
    expect(sim.server.count('userpage')).toBe(1);
    expect(sim.server.count('token')).toBe(0);
    const p = await t.gql<ProvidersResult>(PROVIDERS);
    expect(cloudcxOf(p).status).toBe('NEEDS_REAUTHORIZATION');
    // The simulator echoes the rejected key in its 401 body, as Spring's resource server does.
    for (const text of [r.raw, p.raw, t.logs.text]) expect(text).not.toContain(key);
  });
});
