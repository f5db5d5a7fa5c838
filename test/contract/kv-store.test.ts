/**
 * The KvStore contract (kv-store.contract.ts) against every store cxgraph has: memory, one real Redis (the
 * one at REDIS_URL, under a namespace of the test's own) and a private three-node Redis Cluster.
 */
import { createClient, createCluster } from '@keyv/redis';
import { afterAll } from 'vitest';
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
  const raw = rawConnection(target);
  return {
    open: ({ namespace, encryptionKeys = [] }: OpenOptions) =>
      createStore({ ...target, encryptionKeys, namespace, logger: new LogCapture().logger, opTimeoutMs: 5_000 }),
    rawValues: async (namespace) => (await rawEntries(nodeUrls, `${namespace}:`)).map((e) => e.value ?? ''),
    copyRaw: async (namespace, from, to) => {
      const c = await raw.client();
      await c.set(`${namespace}::${to}`, (await c.get(`${namespace}::${from}`))!);
    },
    // keyv's layout: {"value": <stored string>}.
    writeStored: async (namespace, key, stored) => void (await (await raw.client()).set(`${namespace}::${key}`, JSON.stringify({ value: stored }))),
    stop: () => raw.close(),
  };
}

/** One connection to the Redis (or the cluster) behind `target`, as someone with access to it, opened on first use. */
function rawConnection(target: Pick<StoreOptions, 'redisUrl' | 'redisClusterNodes'>) {
  type Raw = { get(k: string): Promise<string | null>; set(k: string, v: string): Promise<unknown>; close(): Promise<unknown> };
  let connected: Promise<Raw> | undefined;
  return {
    client(): Promise<Raw> {
      connected ??= (async () => {
        const c = target.redisClusterNodes
          ? createCluster({ rootNodes: target.redisClusterNodes.map((url) => ({ url })) })
          : createClient({ url: target.redisUrl! });
        await c.connect();
        return c as unknown as Raw;
      })();
      return connected;
    },
    async close(): Promise<void> {
      await (await connected)?.close();
    },
  };
}

describeKvStoreContract('Redis', async () => redisBackend({ redisUrl: REDIS_URL }, [REDIS_URL]), { skip: !HAS_REDIS });

/**
 * Started with the file rather than before its suite: a cluster takes 2 s to form, mostly waiting, which the memory and
 * Redis suites use meanwhile. Stopped after the file, whichever suites ran.
 */
const cluster = HAS_REDIS_SERVER ? startPrivateCluster() : undefined;
cluster?.catch(() => {}); // its failure is the cluster suite's, which awaits it
afterAll(async () => {
  await (await cluster?.catch(() => undefined))?.stop();
});

describeKvStoreContract(
  'Redis Cluster (three private nodes)',
  async () => {
    const { urls } = await cluster!;
    return redisBackend({ redisClusterNodes: urls }, urls);
  },
  { skip: !HAS_REDIS_SERVER },
);
