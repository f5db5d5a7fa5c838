/**
 * The KvStore contract (kv-store.contract.ts) against every store cxgraph has: memory, one real Redis (the
 * one at REDIS_URL, under a namespace of the test's own) and a private three-node Redis Cluster.
 */
import { createClient, createCluster } from '@keyv/redis';
import { SecretBox } from '../../src/store/secret-box.js';
import { createStore, type StoreOptions } from '../../src/store/create-store.js';
import { MemoryBacking, MemoryKvStore } from '../../src/store/memory-store.js';
import { HAS_REDIS_SERVER, startPrivateCluster } from '../reliability/support.js';
import { LogCapture } from '../support/log-capture.js';
import { HAS_REDIS, rawEntries, REDIS_URL } from '../support/redis.js';
import { describeKvStoreContract, type KvStoreBackend, type OpenOptions } from './kv-store.contract.js';

describeKvStoreContract('memory', async () => {
  // One backing for every store of the suite, as one Redis for every replica.
  const backing = new MemoryBacking();
  return {
    open: ({ namespace, encryptionKeys = [] }) => new MemoryKvStore(new SecretBox(encryptionKeys), namespace, backing),
    rawValues: async (namespace) => [
      ...[...backing.values].filter(([k]) => k.startsWith(`${namespace}:`)).map(([, e]) => e.stored),
      ...[...backing.locks].filter(([k]) => k.startsWith(`${namespace}:`)).map(([, l]) => l.owner),
      ...[...backing.sets].filter(([k]) => k.startsWith(`${namespace}:`)).flatMap(([, members]) => [...members]),
    ],
    copyRaw: async (namespace, from, to) => void backing.values.set(`${namespace}::${to}`, { ...backing.values.get(`${namespace}::${from}`)! }),
    writeStored: async (namespace, key, stored) => void backing.values.set(`${namespace}::${key}`, { stored }),
  };
});

/** Stores over Redis as createStore makes them, with an operation time limit a loaded test machine keeps. */
function redisBackend(target: Pick<StoreOptions, 'redisUrl' | 'redisClusterNodes'>, nodeUrls: readonly string[]): KvStoreBackend {
  return {
    open: ({ namespace, encryptionKeys = [] }: OpenOptions) =>
      createStore({ ...target, encryptionKeys, namespace, logger: new LogCapture().logger, opTimeoutMs: 5_000 }),
    rawValues: async (namespace) => (await rawEntries(nodeUrls, `${namespace}:`)).map((e) => e.value ?? ''),
    copyRaw: (namespace, from, to) => withRedis(target, async (c) => void (await c.set(`${namespace}::${to}`, (await c.get(`${namespace}::${from}`))!))),
    // keyv's layout: {"value": <stored string>}.
    writeStored: (namespace, key, stored) => withRedis(target, async (c) => void (await c.set(`${namespace}::${key}`, JSON.stringify({ value: stored })))),
  };
}

/** One short-lived connection to the Redis (or the cluster) behind `target`. */
async function withRedis<T>(
  target: Pick<StoreOptions, 'redisUrl' | 'redisClusterNodes'>,
  fn: (c: { get(k: string): Promise<string | null>; set(k: string, v: string): Promise<unknown> }) => Promise<T>,
): Promise<T> {
  const c = target.redisClusterNodes ? createCluster({ rootNodes: target.redisClusterNodes.map((url) => ({ url })) }) : createClient({ url: target.redisUrl! });
  await c.connect();
  try {
    return await fn(c as never);
  } finally {
    await c.close();
  }
}

describeKvStoreContract('Redis', async () => redisBackend({ redisUrl: REDIS_URL }, [REDIS_URL]), { skip: !HAS_REDIS });

describeKvStoreContract(
  'Redis Cluster (three private nodes)',
  async () => {
    const cluster = await startPrivateCluster();
    return { ...redisBackend({ redisClusterNodes: cluster.urls }, cluster.urls), stop: () => cluster.stop() };
  },
  { skip: !HAS_REDIS_SERVER },
);
