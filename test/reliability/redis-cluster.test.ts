/**
 * The shared store on a Redis Cluster of three local nodes (REDIS_CLUSTER_NODES): one token between replicas
 * under concurrency, sealed values spread over the nodes, and a whole cxgraph configured through the
 * environment. The store's own promises on a cluster (compare-and-delete locks and compareAndSet on the node
 * owning each key among them) are the contract suite's, test/contract/kv-store.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { AzureClientCredentialsGrant } from '../../src/auth/grants/azure-client-credentials.js';
import { tokenManagerOver } from '../support/token-manager.js';
import { createStore } from '../../src/store/create-store.js';
import type { KvStore } from '../../src/store/kv-store.js';
import { createCallJourneySimulator } from '../../src/simulators/index.js';
import { startServer } from '../support/harness.js';
import { LogCapture } from '../support/log-capture.js';
import { uniqueNamespace } from '../support/redis.js';
import { cjEnv, JWT, RECORDING, RECORDING_KEY } from './sim-env.js';
import { HAS_REDIS_SERVER, startPrivateCluster, type PrivateCluster } from './support.js';

describe.skipIf(!HAS_REDIS_SERVER)('Redis Cluster (three local nodes)', () => {
  // Six app registrations: six credentials, six cache keys hashed to different slots (so, different nodes).
  const sim = useSimulator(
    createCallJourneySimulator({ clients: Array.from({ length: 6 }, (_, i) => ({ clientId: `cj-client-${i}`, clientSecret: `cj-secret-${i}-local` })) }),
  );
  let cluster: PrivateCluster;
  const stores: KvStore[] = [];

  beforeAll(async () => {
    cluster = await startPrivateCluster();
  }, 30_000);
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await cluster?.stop();
  });

  const store = (namespace: string, keys: Buffer[]) => {
    const s = createStore({ redisClusterNodes: cluster.urls, encryptionKeys: keys, logger: new LogCapture().logger, namespace });
    stores.push(s);
    return s;
  };
  const grant = (i: number) => {
    const c = sim.clients[i]!;
    return new AzureClientCredentialsGrant({
      provider: 'CALLJOURNEY',
      tokenUrl: sim.tokenUrl,
      clientId: c.clientId,
      clientSecret: c.clientSecret,
      scope: `api://${c.clientId}/.default`,
    });
  };
  /** Every key under `prefix` on every node, with its value. */
  const everyKey = (prefix: string) =>
    cluster.ports.flatMap((port) =>
      cluster
        .cli(port, '--scan', '--pattern', `${prefix}*`)
        .split('\n')
        .filter(Boolean)
        .map((k) => ({ port, key: k, value: cluster.cli(port, 'get', k) })),
    );

  it('two replicas hit concurrently on a cold cache make one token request per credential, with values sealed on several nodes', async () => {
    const ns = uniqueNamespace();
    const key = randomBytes(32);
    sim.server.setLatency('token', 150);
    sim.server.resetCounts();
    const a = tokenManagerOver({ store: store(ns, [key]), logger: new LogCapture().logger });
    const b = tokenManagerOver({ store: store(ns, [key]), logger: new LogCapture().logger });
    const credentials = sim.clients.map((_, i) => i);
    const tokens = await Promise.all(credentials.flatMap((c) => Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).getToken(grant(c)))));
    sim.server.setLatency('token', 0);
    expect(sim.server.count('token')).toBe(credentials.length);
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(credentials.length);

    const stored = everyKey(ns).filter((k) => k.key.includes('token:'));
    expect(stored).toHaveLength(credentials.length);
    expect(new Set(stored.map((k) => k.port)).size).toBeGreaterThan(1);
    for (const k of stored) {
      expect(k.value).toContain('$sealed');
      expect(k.value).not.toMatch(JWT);
      for (const c of sim.clients) expect(k.value).not.toContain(c.clientSecret);
    }
  });

  it('serves cxgraph configured with REDIS_CLUSTER_NODES, reported as REDIS_CLUSTER and shared between replicas', async () => {
    const env = {
      ...cjEnv(sim),
      REDIS_CLUSTER_NODES: cluster.urls.join(','),
      CXGRAPH_REDIS_PREFIX: uniqueNamespace(),
      CXGRAPH_ENCRYPTION_KEYS: randomBytes(32).toString('base64'),
    };
    const a = await startServer(env);
    const b = await startServer(env);
    try {
      sim.server.resetCounts();
      expect((await a.gql(RECORDING, { key: RECORDING_KEY })).errors).toBeUndefined();
      expect((await b.gql(RECORDING, { key: RECORDING_KEY })).errors).toBeUndefined();
      expect(sim.server.count('token')).toBe(1);
      const p = await a.gql<{ providers: { store: { kind: string; healthy: boolean } }[] }>('{ providers { store { kind healthy } } }');
      expect(p.data!.providers[0]!.store).toEqual({ kind: 'REDIS_CLUSTER', healthy: true });
      expect(await (await fetch(`${a.url}/readyz`)).json()).toMatchObject({ status: 'ready', store: 'redis-cluster', storeReachable: true });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
