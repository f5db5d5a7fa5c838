/**
 * KvStore.getMany (the recording cache reads a whole batch with it): the same answers as `get` per key, in key
 * order, in one round trip — memory, one real Redis (a namespace of the test's own) and a private Redis Cluster,
 * whose keys live in different slots (MGET would refuse them).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type StoreOptions } from '../../src/store/create-store.js';
import type { KvStore } from '../../src/store/kv-store.js';
import { MemoryBacking, MemoryKvStore } from '../../src/store/memory-store.js';
import { SecretBox } from '../../src/store/secret-box.js';
import { HAS_REDIS_SERVER, startPrivateCluster } from '../reliability/support.js';
import { LogCapture } from '../support/log-capture.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';

const KEY_A = randomBytes(32);
const KEY_B = randomBytes(32);

type Open = (namespace: string, keys: Buffer[]) => KvStore;

function getManyContract(name: string, setup: () => Promise<{ open: Open; stop?: () => Promise<void> }>, skip = false): void {
  describe.skipIf(skip)(`KvStore.getMany: ${name}`, () => {
    let open: Open;
    let stop: (() => Promise<void>) | undefined;
    const opened: KvStore[] = [];
    beforeAll(async () => {
      ({ open, stop } = await setup());
    }, 60_000);
    afterAll(async () => {
      await Promise.all(opened.map((s) => s.close()));
      await stop?.();
    });
    const store = (namespace: string, keys = [KEY_A]) => {
      const s = open(namespace, keys);
      opened.push(s);
      return s;
    };

    it('answers what get answers, in key order, absent and expired keys as undefined', async () => {
      const s = store(uniqueNamespace());
      const keys = Array.from({ length: 40 }, (_, i) => `recording:${i}`);
      for (const [i, k] of keys.entries()) if (i % 3 !== 0) await s.set(k, { i, exists: i % 2 === 0 }, i === 1 ? 30 : undefined);
      await new Promise((r) => setTimeout(r, 60));
      const many = await s.getMany!<{ i: number }>(keys);
      const one = await Promise.all(keys.map((k) => s.get<{ i: number }>(k)));
      expect(many).toEqual(one);
      expect(many[0]).toBeUndefined();
      expect(many[1]).toBeUndefined(); // expired
      expect(many[2]).toEqual({ i: 2, exists: true });
      expect(many.filter((v) => v !== undefined)).toHaveLength(keys.filter((_, i) => i % 3 !== 0 && i !== 1).length);
      expect(await s.getMany!([])).toEqual([]);
    });

    it('answers undefined for a value this replica cannot open, and leaves it alone', async () => {
      const ns = uniqueNamespace();
      const sealedWithB = store(ns, [KEY_B]);
      await sealedWithB.set('recording:x', { exists: true });
      const withA = store(ns, [KEY_A]);
      expect(await withA.getMany!(['recording:x', 'recording:y'])).toEqual([undefined, undefined]);
      expect(await sealedWithB.getMany!(['recording:x'])).toEqual([{ exists: true }]);
    });
  });
}

getManyContract('memory', async () => {
  const backing = new MemoryBacking();
  return { open: (namespace, keys) => new MemoryKvStore(new SecretBox(keys), namespace, backing) };
});

function redisOpen(target: Pick<StoreOptions, 'redisUrl' | 'redisClusterNodes'>): Open {
  return (namespace, keys) => createStore({ ...target, encryptionKeys: keys, namespace, logger: new LogCapture().logger, opTimeoutMs: 5_000 });
}

getManyContract('Redis', async () => ({ open: redisOpen({ redisUrl: REDIS_URL }) }), !HAS_REDIS);

/**
 * Started with the file rather than before its suite: a cluster takes 2 s to form, mostly waiting, which the other
 * suites use meanwhile. Stopped after the file, whichever suites ran.
 */
const cluster = HAS_REDIS_SERVER ? startPrivateCluster() : undefined;
cluster?.catch(() => {}); // its failure is the cluster suite's, which awaits it
afterAll(async () => {
  await (await cluster?.catch(() => undefined))?.stop();
});

getManyContract('Redis Cluster (three private nodes)', async () => ({ open: redisOpen({ redisClusterNodes: (await cluster!).urls }) }), !HAS_REDIS_SERVER);

describe.skipIf(!HAS_REDIS)('KvStore.getMany while Redis does not answer', () => {
  it('answers undefined for every key instead of failing', async () => {
    const s = createStore({
      redisUrl: 'redis://127.0.0.1:1',
      encryptionKeys: [],
      namespace: uniqueNamespace(),
      logger: new LogCapture().logger,
      opTimeoutMs: 200,
    });
    try {
      expect(await s.getMany!(['a', 'b'])).toEqual([undefined, undefined]);
    } finally {
      await s.close();
    }
  });
});
