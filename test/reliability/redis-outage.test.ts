/**
 * A Redis outage mid-run: a private redis-server, SIGKILLed while queries keep coming. Queries go on from the
 * in-process copies (a new token is fetched on its own when one is needed), the service says it is degraded
 * (/readyz, `providers`, the `cxgraph_store_degraded` gauge), and once a redis-server answers on the same port
 * again it recovers by itself: new tokens are written to Redis and other replicas read them from there.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from '@keyv/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { createCallJourneySimulator } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';
import { uniqueNamespace } from '../support/redis.js';
import { cjEnv, JWT, RECORDING, RECORDING_KEY } from './sim-env.js';
import { HAS_REDIS_SERVER, startPrivateRedis, waitFor, type PrivateRedis } from './support.js';

const STORE = '{ providers { provider store { kind healthy degradedSince } } }';

interface StoreRow {
  kind: string;
  healthy: boolean;
  degradedSince: string | null;
}

describe.skipIf(!HAS_REDIS_SERVER)('Redis outage', () => {
  const sim = useSimulator(createCallJourneySimulator());
  let redis: PrivateRedis;
  const servers: TestServer[] = [];
  const ns = uniqueNamespace();
  const key = randomBytes(32).toString('base64');

  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await redis?.stop();
  });

  const start = async () => {
    const t = await startServer({ ...cjEnv(sim), REDIS_URL: redis.url, CXGRAPH_REDIS_PREFIX: ns, CXGRAPH_ENCRYPTION_KEYS: key });
    servers.push(t);
    return t;
  };
  const readyz = async (t: TestServer) => (await (await fetch(`${t.url}/readyz`)).json()) as { status: string; storeReachable: boolean };
  const degradedGauge = async (t: TestServer) => /^cxgraph_store_degraded (\d)/m.exec(await (await fetch(`${t.url}/metrics`)).text())?.[1];
  const storeRow = async (t: TestServer) => (await t.gql<{ providers: { store: StoreRow }[] }>(STORE)).data!.providers[0]!.store;
  /** The sealed token sets this deployment wrote to the Redis at `url`. */
  const tokensInRedis = async () => {
    const c = createClient({ url: redis.url });
    await c.connect();
    try {
      const keys = (await c.keys(`${ns}*`)).filter((k) => k.includes('token:calljourney'));
      return Promise.all(keys.map(async (k) => (await c.get(k)) ?? ''));
    } finally {
      await c.close();
    }
  };

  it('keeps answering through the outage, says it is degraded, and uses Redis again by itself once it is back', async () => {
    const a = await start();
    const first = await a.gql(RECORDING, { key: RECORDING_KEY });
    expect(first.errors).toBeUndefined();
    expect(sim.server.count('token')).toBe(1);
    expect(await tokensInRedis()).toHaveLength(1);
    expect(await readyz(a)).toMatchObject({ status: 'ready', storeReachable: true });
    expect(await storeRow(a)).toEqual({ kind: 'REDIS', healthy: true, degradedSince: null });

    // Queries run without pause from before the kill until after the recovery; none may fail.
    let running = true;
    const failures: unknown[] = [];
    let answered = 0;
    const traffic = (async () => {
      while (running) {
        const r = await a.gql(RECORDING, { key: RECORDING_KEY });
        if (r.errors) failures.push(r.errors);
        else answered++;
        await new Promise((res) => setTimeout(res, 10));
      }
    })();

    await redis.kill();
    await waitFor('the store to report itself degraded', async () => (await readyz(a)).status === 'degraded');
    expect(await degradedGauge(a)).toBe('1');
    const row = await storeRow(a);
    expect(row).toMatchObject({ kind: 'REDIS', healthy: false });
    expect(Date.parse(row.degradedSince!)).toBeGreaterThan(0);

    // A token revoked during the outage: a new one is fetched and kept in process, and the query answers.
    sim.revokeTokens();
    const duringOutage = await a.gql(RECORDING, { key: RECORDING_KEY });
    expect(duringOutage.errors).toBeUndefined();
    expect(sim.server.count('token')).toBe(2);

    await redis.restart(); // same port, empty (no persistence)
    await waitFor('the store to recover by itself', async () => (await readyz(a)).status === 'ready', 10_000, 100);
    expect(await degradedGauge(a)).toBe('0');
    expect(await storeRow(a)).toEqual({ kind: 'REDIS', healthy: true, degradedSince: null });
    running = false;
    await traffic;
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(0);

    // Shared again: the next new token is written to Redis (sealed) ...
    sim.revokeTokens();
    expect((await a.gql(RECORDING, { key: RECORDING_KEY })).errors).toBeUndefined();
    expect(sim.server.count('token')).toBe(3);
    const stored = await tokensInRedis();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toContain('$sealed');
    expect(stored[0]).not.toMatch(JWT);
    // ... and another replica takes it from there instead of asking for its own.
    const b = await start();
    expect((await b.gql(RECORDING, { key: RECORDING_KEY })).errors).toBeUndefined();
    expect(sim.server.count('token')).toBe(3);
  });

  it('starts degraded when Redis is down at start-up, answers anyway, and connects once Redis comes up', async () => {
    await redis.kill();
    const c = await start();
    expect((await c.gql(RECORDING, { key: RECORDING_KEY })).errors).toBeUndefined();
    expect(await readyz(c)).toMatchObject({ status: 'degraded', storeReachable: false });
    // The operator is told at start-up, not only when a healthy store later fails.
    expect(c.logs.text).toMatch(/Redis store unreachable; running degraded/);
    await redis.restart();
    await waitFor('the store to connect', async () => (await readyz(c)).status === 'ready', 10_000, 100);
    expect(await degradedGauge(c)).toBe('0');
  });
});
