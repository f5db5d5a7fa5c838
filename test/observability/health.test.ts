/**
 * /healthz and /readyz as an orchestrator sees them: liveness says only that the process answers; readiness
 * says the configuration is loaded and whether the shared store answers — a Redis outage is reported as
 * degraded (and in the metric) while cxgraph keeps serving on in-process copies.
 */
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { connect, createServer as createNetServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HAS_REDIS, REDIS_URL, redisAnswers, uniqueNamespace } from '../support/redis.js';
import { freePort } from '../support/free-port.js';
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

  /** A redis-server of this test's own with `args` (no persistence), stopped by the returned function. */
  async function privateRedis(...args: string[]): Promise<{ url: string; stop(): Promise<void> }> {
    const port = await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], { stdio: 'ignore' });
    const url = `redis://127.0.0.1:${port}`;
    for (const deadline = Date.now() + 10_000; !(await redisAnswers(url));) {
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return { url, stop: () => new Promise<void>((r) => (child.exitCode !== null ? r() : (child.once('exit', () => r()), child.kill('SIGKILL')))) };
  }

  /** /readyz once the start-up check of the eviction policy has answered. */
  async function evictionPolicyOf(srv: TestServer): Promise<Record<string, unknown>> {
    let r = await getJson(`${srv.url}/readyz`);
    for (
      const deadline = Date.now() + 5_000;
      (r.body.redisEvictionPolicy as { policy?: string } | undefined)?.policy === 'checking' && Date.now() < deadline;
      r = await getJson(`${srv.url}/readyz`)
    ) {
      await new Promise((res) => setTimeout(res, 50));
    }
    return r.body.redisEvictionPolicy as Record<string, unknown>;
  }

  it('a Redis that may evict any key (allkeys-lru) is reported unsafe in the log and in /readyz; noeviction is not', async () => {
    const lru = await privateRedis('--maxmemory-policy', 'allkeys-lru');
    const safe = await privateRedis('--maxmemory-policy', 'noeviction');
    try {
      t = await startServer({ REDIS_URL: lru.url, CXGRAPH_REDIS_PREFIX: uniqueNamespace() });
      expect(await evictionPolicyOf(t)).toMatchObject({ policy: 'allkeys-lru', safe: false, warning: expect.stringMatching(/PBX connections/) });
      expect((await getJson(`${t.url}/readyz`)).status).toBe(200);
      expect(t.logs.json().filter((l) => l.level === 40 && /maxmemory-policy/.test(String(l.msg)))).toHaveLength(1);
      await t.close();

      t = await startServer({ REDIS_URL: safe.url, CXGRAPH_REDIS_PREFIX: uniqueNamespace() });
      expect(await evictionPolicyOf(t)).toEqual({ policy: 'noeviction', safe: true });
      expect(t.logs.text).not.toMatch(/"level":40[^\n]*maxmemory-policy/);
    } finally {
      await t?.close();
      t = undefined;
      await lru.stop();
      await safe.stop();
    }
  });

  it('volatile-* is safe only when the caches callers fill live on their own Redis (CXGRAPH_CACHE_REDIS_URL)', async () => {
    const volatile = await privateRedis('--maxmemory-policy', 'volatile-lru');
    try {
      t = await startServer({ REDIS_URL: volatile.url, CXGRAPH_REDIS_PREFIX: uniqueNamespace() });
      expect(await evictionPolicyOf(t)).toMatchObject({ policy: 'volatile-lru', safe: false, warning: expect.stringMatching(/tokens/) });
      await t.close();
      t = await startServer({ REDIS_URL: volatile.url, CXGRAPH_REDIS_PREFIX: uniqueNamespace(), CXGRAPH_CACHE_REDIS_URL: REDIS_URL });
      expect(await evictionPolicyOf(t)).toMatchObject({ policy: 'volatile-lru', safe: true });
    } finally {
      await t?.close();
      t = undefined;
      await volatile.stop();
    }
  });

  it('a Redis that refuses CONFIG (as managed ones do) is reported as unknown, not as safe', async () => {
    const managed = await privateRedis('--rename-command', 'CONFIG', '');
    try {
      t = await startServer({ REDIS_URL: managed.url, CXGRAPH_REDIS_PREFIX: uniqueNamespace() });
      expect(await evictionPolicyOf(t)).toMatchObject({ policy: 'unknown', safe: null });
    } finally {
      await t?.close();
      t = undefined;
      await managed.stop();
    }
  });

  it('while draining, /readyz answers 503 on a new connection (so a load balancer takes the replica out), and the request in flight is answered', async () => {
    t = await startServer({});
    const { port } = new URL(t.url);
    // A request in flight: its body arrives slowly, so the server is still reading it when the shutdown begins.
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const body = JSON.stringify({ query: '{ providers { provider } }' });
    let answer = '';
    socket.on('data', (d) => (answer += d.toString('utf8')));
    socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
    await new Promise((r) => setTimeout(r, 50));
    const closing = t.close();
    t = undefined;
    // A probe on a fresh connection, as a load balancer's health check makes it.
    const probe = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: Number(port), path: '/readyz', agent: false }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(probe.status).toBe(503);
    expect(JSON.parse(probe.text)).toEqual({ status: 'stopping' });
    const ended = new Promise<void>((r) => socket.once('close', () => r()));
    socket.write(body.slice(5));
    await closing;
    await ended;
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(answer).toContain('"providers"');
    socket.destroy();
  });
});
