/**
 * /healthz and /readyz as an orchestrator sees them: liveness says only that the process answers; readiness
 * says the configuration is loaded and whether the shared store answers — a Redis outage is reported as
 * degraded (and in the metric) while cxgraph keeps serving on in-process copies.
 */
import { createServer as createNetServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HAS_REDIS, REDIS_URL } from '../support/redis.js';
import { startServer, type TestServer } from '../support/harness.js';
import { parseExposition } from './prometheus-text.js';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown>; requestId: string | null }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, requestId: res.headers.get('x-request-id') };
}

async function storeDegradedMetric(t: TestServer): Promise<number | undefined> {
  return parseExposition(await (await fetch(`${t.url}/metrics`)).text()).find('cxgraph_store_degraded')[0]?.value;
}

describe('health and readiness', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('/healthz answers 200 while the process is up, whatever the store', async () => {
    t = await startServer({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    const r = await getJson(`${t.url}/healthz`);
    expect(r).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(r.requestId).toBeTruthy();
  });

  it('/readyz reports a Redis outage as degraded, store unreachable, and the metric says 1', async () => {
    t = await startServer({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    const r = await getJson(`${t.url}/readyz`);
    // Still 200: a replica without Redis keeps answering on in-process copies, it is not taken out of rotation.
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'degraded', configuration: 'loaded', store: 'redis', storeReachable: false });
    expect(String(r.body.degraded)).toMatch(/Redis does not answer/);
    expect(Date.parse(String(r.body.degradedSince))).toBeLessThanOrEqual(Date.now());
    expect(await storeDegradedMetric(t)).toBe(1);
    // The Redis URL (it may hold a password) is never logged.
    expect(t.logs.text).not.toContain('redis://127.0.0.1');
  });

  it('/readyz is ready with the in-memory store (REDIS_URL unset), and lists the configured providers', async () => {
    t = await startServer({});
    const r = await getJson(`${t.url}/readyz`);
    expect(r).toMatchObject({ status: 200, body: { status: 'ready', configuration: 'loaded', store: 'memory', storeReachable: true, providers: [] } });
    expect(await storeDegradedMetric(t)).toBe(0);
  });

  it.skipIf(!HAS_REDIS)('/readyz is ready when Redis answers, and the metric says 0', async () => {
    t = await startServer({ REDIS_URL });
    // The first connection is made in the background: a probe right at start-up may still see it pending.
    let r = await getJson(`${t.url}/readyz`);
    for (const deadline = Date.now() + 5_000; r.body.status !== 'ready' && Date.now() < deadline; r = await getJson(`${t.url}/readyz`)) {
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(r.body).toMatchObject({ status: 'ready', store: 'redis', storeReachable: true });
    expect(r.body.degraded).toBeUndefined();
    expect(await storeDegradedMetric(t)).toBe(0);
  });
});
