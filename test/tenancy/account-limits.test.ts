/**
 * Per-account platform limits (docs/tenancy.md, "Rate limits, breakers and cool-downs per account"). Three NewVoiceMedia
 * accounts — acme/emea, acme/nam and globex/emea — reach one simulator with the same credentials, so the only thing
 * that can keep them apart is cxgraph counting each account on its own key: a provider-wide budget, or a cool-down
 * scoped by host and client id alone, would hold all three back together.
 *
 * - `NEWVOICEMEDIA:3`: each account its own 3 per second; `NEWVOICEMEDIA@acme/nam:5` in the variable and
 *   `rateLimit: 4` in the file override it for one account each. Exhausting one leaves the others' untouched.
 * - A 429 with `Retry-After` to acme/emea holds back acme/emea only, on its own Redis key.
 *
 * Time is a ManualClock (the windows without Redis, and the cool-downs): nothing waits for real seconds.
 */
import { createClient } from '@keyv/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { createNvmSimulator, type NvmSimulator } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';
import { accountsFile, nvmAccount } from './accounts-fixture.js';

const ROUTER_SECRET = 'router-secret-for-account-limit-tests-0123';
const USERS = 'query($a: String) { users(provider: NEWVOICEMEDIA, account: $a) { nodes { id } } }';
const as = (tenant: string) => ({ 'x-router-secret': ROUTER_SECRET, 'x-tenant-id': tenant });
type Ext = { code?: string; provider?: string; retryAfter?: number };

describe('CXGRAPH_UPSTREAM_RATE_LIMITS per account, and rateLimit in the accounts file: what start-up says of a mistake', () => {
  const file = accountsFile();
  const sim = {
    env: () => ({ NVM_CLIENT_ID: 'id', NVM_CLIENT_SECRET: 'secret-in-file', NVM_AUTH_BASE_URL: 'http://127.0.0.1:1', NVM_API_BASE_URL: 'http://127.0.0.1:2' }),
  };
  const load = (limits: string | undefined, rateLimit?: unknown, withFile = true) => {
    file.write({
      acme: { NEWVOICEMEDIA: { emea: nvmAccount(sim as NvmSimulator, rateLimit === undefined ? {} : { rateLimit }), nam: nvmAccount(sim as NvmSimulator) } },
    });
    return loadConfig({
      NODE_ENV: 'test',
      CXGRAPH_AUTH: 'router-secret',
      CXGRAPH_ROUTER_SECRET: ROUTER_SECRET,
      CXGRAPH_TENANT_HEADER: 'x-tenant-id',
      ...(withFile ? { CXGRAPH_ACCOUNTS_FILE: file.path } : {}),
      CXGRAPH_UPSTREAM_RATE_LIMITS: limits,
    });
  };
  const problems = (f: () => unknown): string[] => {
    try {
      f();
    } catch (e) {
      if (e instanceof ConfigError) return e.problems.map((p) => `${p.variable}: ${p.problem}`);
      throw e;
    }
    return [];
  };

  it("reads PROVIDER@tenant/account:N beside PROVIDER:N, and an account's own rateLimit", () => {
    const c = load('NEWVOICEMEDIA:3, newvoicemedia@acme/nam:5', 4);
    expect(c.resilience.upstreamRateLimits).toEqual({ NEWVOICEMEDIA: 3, 'NEWVOICEMEDIA@acme/nam': 5 });
    expect(c.tenancy.accountsFile!.snapshot.tenants.get('acme')!.get('NEWVOICEMEDIA')!.get('emea')!.rateLimit).toBe(4);
  });

  it('names what was expected and what came, for each mistake at once', () => {
    expect(
      problems(() =>
        load('NEWVOICEMEDIA@acme/emae:10,NEWVOICEMEDIA@globex/emea:2,NEWVOICEMEDIA@acme/nam:0,PBX@acme/main:1,NEWVOICEMEDIA@-x/emea:1,NVM@acme:1'),
      ),
    ).toEqual([
      'CXGRAPH_UPSTREAM_RATE_LIMITS: NEWVOICEMEDIA@acme/nam: expected 1 to 100000 requests per second, got 0',
      'CXGRAPH_UPSTREAM_RATE_LIMITS: NEWVOICEMEDIA@-x/emea: expected tenant/account names of letters, digits, `-` and `_` (at most 63 each, starting with a letter or digit), got "-x/emea"',
      'CXGRAPH_UPSTREAM_RATE_LIMITS: expected PROVIDER:requests-per-second (each account of the provider) or PROVIDER@tenant/account:requests-per-second (one account), comma-separated (e.g. CALLJOURNEY:20,NEWVOICEMEDIA@acme/emea:10), got \"NVM@acme:1\"',
      "CXGRAPH_UPSTREAM_RATE_LIMITS: NEWVOICEMEDIA@acme/emae: no such account in CXGRAPH_ACCOUNTS_FILE (tenant acme's NEWVOICEMEDIA accounts are emea, nam)",
      'CXGRAPH_UPSTREAM_RATE_LIMITS: NEWVOICEMEDIA@globex/emea: no such account in CXGRAPH_ACCOUNTS_FILE (it has no tenant globex)',
      'CXGRAPH_UPSTREAM_RATE_LIMITS: PBX@acme/main: Telphin PBX accounts connect through consent, not by name here; PBX:N is the budget of its app, every account together',
    ]);
    expect(problems(() => load('NEWVOICEMEDIA@acme/emea:10', undefined, false))).toEqual([
      'CXGRAPH_UPSTREAM_RATE_LIMITS: NEWVOICEMEDIA@acme/emea: names an account of the accounts file, but CXGRAPH_ACCOUNTS_FILE is not set',
    ]);
    // One account's limit in one place.
    expect(problems(() => load('NEWVOICEMEDIA@acme/emea:10', 4))).toEqual([
      "CXGRAPH_ACCOUNTS_FILE tenants.acme.NEWVOICEMEDIA.emea.rateLimit: also given by CXGRAPH_UPSTREAM_RATE_LIMITS (NEWVOICEMEDIA@acme/emea:10): give this account's limit in one place",
    ]);
    for (const bad of [0, '10', 1.5, 100_001])
      expect(problems(() => load(undefined, bad))).toEqual([
        `CXGRAPH_ACCOUNTS_FILE tenants.acme.NEWVOICEMEDIA.emea.rateLimit: expected requests per second, a whole number from 1 to 100000, got ${JSON.stringify(bad)}`,
      ]);
  });
});

describe('platform limits per account', () => {
  let sim: NvmSimulator;
  let t: TestServer | undefined;
  const file = accountsFile();

  beforeAll(async () => {
    sim = createNvmSimulator();
    await sim.start();
    file.write(tenants());
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    sim.server.clearFaults();
  });
  afterAll(async () => {
    await sim.stop();
  });

  const tenants = (globex: Record<string, unknown> = { rateLimit: 4 }) => ({
    acme: { NEWVOICEMEDIA: { emea: nvmAccount(sim, { default: true }), nam: nvmAccount(sim) } },
    globex: { NEWVOICEMEDIA: { emea: nvmAccount(sim, globex) } },
  });
  const start = (clock: ManualClock, env: Record<string, string> = {}) =>
    startServer(
      {
        CXGRAPH_AUTH: 'router-secret',
        CXGRAPH_ROUTER_SECRET: ROUTER_SECRET,
        CXGRAPH_TENANT_HEADER: 'x-tenant-id',
        CXGRAPH_ACCOUNTS_FILE: file.path,
        CXGRAPH_SIMULATORS: 'off',
        CXGRAPH_UPSTREAM_RATE_LIMITS: 'NEWVOICEMEDIA:3,NEWVOICEMEDIA@acme/nam:5',
        // No wait for a turn: a request without one is refused at once (and the clock never has to move for it).
        CXGRAPH_UPSTREAM_RATE_LIMIT_WAIT_MS: '0',
        ...env,
      },
      { limitsClock: clock },
    );
  /** Every request that reached the simulator (token and API requests alike). */
  const arrivals = () => Object.values(sim.server.counts()).reduce((n, v) => n + v, 0);
  const users = async (tenant: string, account: string) => {
    const r = await t!.gql<{ users: { nodes: unknown[] } }>(USERS, { a: account }, as(tenant));
    return { ok: r.errors === undefined, ext: (r.errors?.[0]?.extensions ?? {}) as Ext, message: r.errors?.[0]?.message ?? '' };
  };
  /**
   * Asks as the account until it is refused; what reached the platform meanwhile is its budget, and the refusal sent
   * nothing. At most `max` tries: an account that is never refused has no limit at all.
   */
  const exhaust = async (tenant: string, account: string, max = 12) => {
    const before = arrivals();
    for (let i = 0; i < max; i++) {
      const sentBefore = arrivals();
      const r = await users(tenant, account);
      if (!r.ok) {
        expect(r.ext).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', provider: 'NEWVOICEMEDIA' });
        expect(arrivals()).toBe(sentBefore); // refused unsent
        return { sent: sentBefore - before, message: r.message };
      }
    }
    throw new Error(`${tenant}/${account} was never refused in ${max} queries`);
  };

  it('counts each account on its own budget: exhausting one leaves the others untouched, and each refills on its own', async () => {
    const clock = new ManualClock();
    t = await start(clock);

    // acme/emea: the provider's 3 per second, for this account alone. The message names the account, never the key.
    const emea = await exhaust('acme', 'emea');
    expect(emea.sent).toBe(3);
    expect(emea.message).toMatch(
      /^NEWVOICEMEDIA account emea is at its rate limit \(CXGRAPH_UPSTREAM_RATE_LIMITS: 3 requests per second for each NEWVOICEMEDIA account for this replica\)/,
    );

    // The same tenant's other account, and another tenant's account of the same name, still have their whole budget:
    // 5 from `NEWVOICEMEDIA@acme/nam:5`, 4 from globex's `rateLimit: 4` in the accounts file.
    const nam = await exhaust('acme', 'nam');
    expect(nam.sent).toBe(5);
    expect(nam.message).toMatch(/\(CXGRAPH_UPSTREAM_RATE_LIMITS NEWVOICEMEDIA@acme\/nam: 5 requests per second for this replica\)/);
    const globex = await exhaust('globex', 'emea');
    expect(globex.sent).toBe(4);
    expect(globex.message).toMatch(/\(its rateLimit in CXGRAPH_ACCOUNTS_FILE: 4 requests per second for this replica\)/);

    // globex's rateLimit raised to 6 in the file (what SIGHUP, or the file watcher, does): counted from the reload on,
    // in the same window — the 4 sent this second still count, so 2 more, not 6.
    file.write(tenants({ rateLimit: 6 }));
    process.emit('SIGHUP', 'SIGHUP');
    const raised = await exhaust('globex', 'emea');
    expect(raised.sent).toBe(2);
    expect(raised.message).toMatch(/\(its rateLimit in CXGRAPH_ACCOUNTS_FILE: 6 requests per second for this replica\)/);

    // Still refused until the window has passed (1 s and its guard), then each account answers again.
    expect((await users('acme', 'emea')).ok).toBe(false);
    await clock.advance(1_250);
    expect((await users('acme', 'emea')).ok).toBe(true);
    expect((await exhaust('globex', 'emea')).sent).toBe(6);
    file.write(tenants());
  });

  it.skipIf(!HAS_REDIS)("keeps each account's budget and cool-downs under keys naming its tenant and account: a 429 to one delays no other", async () => {
    const clock = new ManualClock();
    const prefix = uniqueNamespace();
    t = await start(clock, { REDIS_URL, CXGRAPH_REDIS_PREFIX: prefix, CXGRAPH_UPSTREAM_RATE_LIMITS: 'NEWVOICEMEDIA:50' });
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    try {
      // Each account once: built, its token fetched, its window counted in Redis under its own key.
      for (const [tenant, account] of [
        ['acme', 'emea'],
        ['acme', 'nam'],
        ['globex', 'emea'],
      ] as const)
        expect((await users(tenant, account)).ok).toBe(true);
      const windows = [];
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}:ratelimit:*`, COUNT: 1000 })) windows.push(...keys);
      expect(windows.sort()).toEqual(['NEWVOICEMEDIA@acme/emea', 'NEWVOICEMEDIA@acme/nam', 'NEWVOICEMEDIA@globex/emea'].map((k) => `${prefix}:ratelimit:${k}`));

      // The platform answers acme/emea 429 with Retry-After: 30 (more than the 5 s a request may wait).
      sim.server.inject({ kind: 'status', status: 429, retryAfterSec: 30, route: 'users', times: 1 });
      expect((await users('acme', 'emea')).ext).toMatchObject({ code: 'PROVIDER_RATE_LIMITED' });
      const sent = arrivals();
      const held = await users('acme', 'emea');
      expect(held.ext).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', provider: 'NEWVOICEMEDIA' });
      expect(held.ext.retryAfter).toBeGreaterThan(5);
      expect(arrivals()).toBe(sent);

      // Same host, same client id: acme/nam and globex/emea are sent at once (the clock has not moved).
      expect((await users('acme', 'nam')).ok).toBe(true);
      expect((await users('globex', 'emea')).ok).toBe(true);
      expect(arrivals()).toBe(sent + 2);

      // In Redis: a cool-down for acme/emea's key only.
      expect(Object.keys(await redis.hGetAll(`${prefix}:cooldowns:NEWVOICEMEDIA@acme/emea`))).toHaveLength(1);
      expect(await redis.exists([`${prefix}:cooldowns:NEWVOICEMEDIA@acme/nam`, `${prefix}:cooldowns:NEWVOICEMEDIA@globex/emea`])).toBe(0);

      // `providers` shows it on acme's emea row alone; globex sees none (and nothing of acme's).
      const rows = async (tenant: string) =>
        (
          await t!.gql<{ providers: { provider: string; account: string; coolDowns: { remainingSeconds: number }[] }[] }>(
            '{ providers { provider account coolDowns { remainingSeconds } } }',
            undefined,
            as(tenant),
          )
        ).data!.providers.filter((p) => p.provider === 'NEWVOICEMEDIA');
      expect((await rows('acme')).map((r) => [r.account, r.coolDowns.length])).toEqual([
        ['emea', 1],
        ['nam', 0],
      ]);
      expect((await rows('globex')).map((r) => [r.account, r.coolDowns.length])).toEqual([['emea', 0]]);

      // Once the 30 s are over, acme/emea's probe is answered and the cool-down lifts.
      await clock.advance(30_000);
      expect((await users('acme', 'emea')).ok).toBe(true);
    } finally {
      await redis.close();
    }
  });
});
