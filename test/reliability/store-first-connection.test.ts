/**
 * A replica starting while its first Redis connection is slow (here 800 ms before the connection carries anything,
 * over the store's 500 ms grace for a first operation) must not start serving from in-process copies — an empty
 * `pbxAccounts`, tokens asked again — while /readyz says it may take traffic. Start-up waits for the store's first
 * verdict (connected, refused, or the connect time limit), so the first request meets a store that knows.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/harness.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';

/** A proxy to Redis whose connections start carrying bytes only `holdMs` after they were opened. */
async function slowToConnect(holdMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(REDIS_URL);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.pause();
    setTimeout(() => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      sockets.add(upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.resume();
    }, holdMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe.skipIf(!HAS_REDIS)('the first connection to Redis', () => {
  let proxy: Awaited<ReturnType<typeof slowToConnect>>;
  let t: TestServer | undefined;
  beforeAll(async () => {
    proxy = await slowToConnect(800);
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
  });

  it('is made before the replica serves: the first /readyz finds Redis reachable, not degraded', async () => {
    t = await startServer({ REDIS_URL: proxy.url, CXGRAPH_REDIS_PREFIX: uniqueNamespace() });
    const ready = (await (await fetch(`${t.url}/readyz`)).json()) as { status: string; storeReachable: boolean };
    expect(ready).toMatchObject({ status: 'ready', storeReachable: true });
    expect(t.logs.text).not.toContain('Redis store unreachable');
  }, 20_000);
});
