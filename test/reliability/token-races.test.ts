/**
 * Token races between replicas on one Redis (issue 11 items 8 and 12):
 * - a 401 invalidation is one compare-and-set in the store: a replica delayed between reading the refused token and
 *   writing it back expired never erases the fresher token another replica fetched meanwhile;
 * - a Redis stall during a token write does not leave the token lock behind for the rest of its lease: the lock is
 *   released once Redis answers again, and another replica gets its token without waiting the lease out.
 */
import { createClient } from '@keyv/redis';
import { afterAll, describe, expect, it } from 'vitest';
import { formRequest, type Grant } from '../../src/auth/grant.js';
import { cacheKey } from '../../src/auth/token-manager.js';
import { tokenManagerOver, type FetchLike } from '../support/token-manager.js';
import type { KvStore } from '../../src/store/kv-store.js';
import { createStore } from '../../src/store/create-store.js';
import { LogCapture } from '../support/log-capture.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';
import { HAS_REDIS_SERVER, startPrivateRedis, waitFor } from './support.js';

/** A token endpoint shared by the replicas, counting its requests. */
function tokenEndpoint() {
  let n = 0;
  const ep = {
    requests: 0,
    fetch: (async () => {
      ep.requests++;
      n++;
      return new Response(JSON.stringify({ access_token: `tok-${n}`, token_type: 'Bearer', expires_in: 3600 }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    }) as FetchLike,
  };
  return ep;
}

const grant: Grant = {
  identity: { provider: 'SANGOMA', tokenUrl: 'https://login.example/token', clientId: 'app', scope: '' },
  renewBeforeExpiry: false,
  buildRequest: () => formRequest('https://login.example/token', { grant_type: 'client_credentials' }),
};

/**
 * The store of a replica that can be held up between a read of `key` and what it does next: once `armed`, the next
 * read of `key` answers only when `resume()` is called.
 */
function delayable(inner: KvStore, key: string) {
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  let reached: () => void = () => {};
  const ctl = {
    armed: false,
    /** Resolves once a read has been held up. */
    held: new Promise<void>((r) => (reached = r)),
    resume: () => open?.(),
  };
  const hold = async <T>(k: string, value: T): Promise<T> => {
    if (!ctl.armed || k !== key) return value;
    ctl.armed = false;
    gate = new Promise((r) => (open = r));
    reached();
    await gate;
    return value;
  };
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'get') return async (k: string) => hold(k, await target.get(k));
      if (prop === 'read') return async (k: string) => hold(k, await target.read(k));
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { store, ctl };
}

describe.skipIf(!HAS_REDIS)('token races between replicas on one Redis', () => {
  const stores: KvStore[] = [];
  const ns = uniqueNamespace();
  const newStore = () => {
    const s = createStore({ redisUrl: REDIS_URL, namespace: ns, encryptionKeys: [], logger: new LogCapture().logger });
    stores.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  it('a 401 invalidation delayed between its read and its write never erases the fresher token another replica fetched', async () => {
    const ep = tokenEndpoint();
    const key = cacheKey(grant.identity);
    const slow = delayable(newStore(), key);
    const a = tokenManagerOver({ store: slow.store, logger: new LogCapture().logger, fetch: ep.fetch });
    const b = tokenManagerOver({ store: newStore(), logger: new LogCapture().logger, fetch: ep.fetch });
    const first = await a.getToken(grant);
    expect((await b.getToken(grant)).accessToken).toBe(first.accessToken);
    expect(ep.requests).toBe(1);

    // Both replicas see the API refuse tok-1. A reads the stored token and is held up there; B invalidates it and
    // fetches tok-2, which it writes to Redis; then A goes on.
    slow.ctl.armed = true;
    const late = a.invalidate(grant, first.accessToken);
    await slow.ctl.held;
    await b.invalidate(grant, first.accessToken);
    const fresh = await b.getToken(grant);
    expect(fresh.accessToken).toBe('tok-2');
    slow.ctl.resume();
    await late;

    // Redis still holds tok-2, and A takes it from there instead of asking for a third token.
    const probe = newStore();
    expect((await probe.get<{ accessToken: string; expiresAt: number }>(key))?.accessToken).toBe('tok-2');
    expect((await a.getToken(grant)).accessToken).toBe('tok-2');
    expect(ep.requests).toBe(2);
  });
});

describe.skipIf(!HAS_REDIS_SERVER)('a Redis stall during a token write', () => {
  it('leaves no lock behind: it is released once Redis answers, and the other replica gets its token at once', async () => {
    const redis = await startPrivateRedis();
    const ns = uniqueNamespace();
    const stores: KvStore[] = [];
    const newStore = (logs = new LogCapture()) => {
      const s = createStore({ redisUrl: redis.url, namespace: ns, encryptionKeys: [], logger: logs.logger, opTimeoutMs: 200, probeIntervalMs: 100 });
      stores.push(s);
      return s;
    };
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const ep = tokenEndpoint();
      let stallNext = false;
      // Redis stalls for a second (SIGSTOP … SIGCONT) while the token request is answered, so the token write and
      // the lock release that follow it find Redis silent.
      const stallingFetch: FetchLike = async (url, init) => {
        if (stallNext) {
          stallNext = false;
          redis.process.kill('SIGSTOP');
          setTimeout(() => redis.process.kill('SIGCONT'), 1_000);
        }
        return ep.fetch(url, init);
      };
      const lease = 20_000;
      const aStore = newStore();
      const a = tokenManagerOver({ store: aStore, logger: new LogCapture().logger, fetch: stallingFetch, lockLeaseMs: lease });
      const b = tokenManagerOver({ store: newStore(), logger: new LogCapture().logger, fetch: ep.fetch, lockLeaseMs: lease });
      const lockKey = `${ns}:lock:${cacheKey(grant.identity)}`;
      await waitFor('the store to connect', () => aStore.healthy);

      stallNext = true;
      const started = Date.now();
      expect((await a.getToken(grant)).accessToken).toBe('tok-1');
      expect(aStore.healthy).toBe(false); // the write met the stall
      await waitFor('Redis to answer again', () => aStore.healthy, 5_000, 20);
      // The lock is gone well before its lease would have run out ...
      await waitFor('the lock to be released', async () => (await raw.exists(lockKey)) === 0, 3_000, 20);
      expect(Date.now() - started).toBeLessThan(lease / 4);
      // ... and the other replica does not wait the lease out: it gets the token A fetched, written once Redis answered.
      const t0 = Date.now();
      expect((await b.getToken(grant)).accessToken).toBe('tok-1');
      expect(Date.now() - t0).toBeLessThan(1_000);
      expect(ep.requests).toBe(1);
    } finally {
      redis.process.kill('SIGCONT');
      await raw.close();
      await Promise.all(stores.map((s) => s.close()));
      await redis.stop();
    }
  });
});
