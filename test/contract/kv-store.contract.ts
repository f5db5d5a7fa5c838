/**
 * The KvStore contract: what every caller (token manager, PBX connections, consent states) relies on, written
 * once and run against every store. A store is one backend (a memory backing, one Redis, a Redis Cluster) seen
 * through as many KvStore instances as the test opens: instances with one namespace are replicas sharing the
 * data, instances with different namespaces are separate deployments that must not see each other.
 *
 * To run it against another store, give `describeKvStoreContract` a name and a function that starts the
 * backend and returns a KvStoreBackend (see test/contract/kv-store.test.ts for the three existing ones).
 */
import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KvStore } from '../../src/store/kv-store.js';
import { keyId } from '../../src/store/secret-box.js';

export interface OpenOptions {
  namespace: string;
  /** AES-256 keys, the first encrypting; none: values are stored as plain JSON. */
  encryptionKeys?: readonly Buffer[];
}

export interface KvStoreBackend {
  /** A store over this backend (a replica's connection). The suite closes every store it opens. */
  open(opts: OpenOptions): KvStore;
  /**
   * Every string the backend holds under `namespace` (values and locks), exactly as someone reading the
   * backend itself sees them: the check that sealed values are not plaintext looks here.
   */
  rawValues(namespace: string): Promise<string[]>;
  /** Copies exactly what the backend holds under `from` to `to` (store keys of `namespace`), as someone with access to it could. */
  copyRaw(namespace: string, from: string, to: string): Promise<void>;
  /** Writes `stored` (what SecretBox.seal makes, or anything else) under `key` the way the store lays out a value, without TTL. */
  writeStored(namespace: string, key: string, stored: string): Promise<void>;
  /** Stops what the start function started. */
  stop?(): Promise<void>;
}

export interface ContractOptions {
  /** Skips the whole suite (backend not available here). */
  skip?: boolean;
  /** Time limit for starting the backend. */
  startTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A value as the previous version sealed it: format 1, not bound to its key. */
function sealedV1(key: Buffer, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return JSON.stringify({
    $sealed: { v: 1, k: keyId(key), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ct: ct.toString('base64') },
  });
}

/** A lease or TTL nothing in a test waits out. */
const LONG_MS = 10_000;

/**
 * Leases and TTLs a test waits out are tens of milliseconds, so the contract does not sleep for seconds. A check that
 * a value or a lease is still there right after it was written means something only while less than its TTL has
 * passed: when the machine was slower than that, the test runs again with a TTL ten times longer, rather than failing
 * for the machine's sake or passing without the check.
 */
const TTL_STEPS_MS = [50, 500, 5_000];
/** Beyond a TTL, before the value counts as gone: timer granularity (Redis counts from its own receipt of the write). */
const EXPIRY_MARGIN_MS = 20;

/** The machine took longer than the TTL between a write and a check that needed it still there. */
class TooSlow extends Error {}

/** One attempt's TTL: `ms`, counted from start(), called right before the first write with it. */
class ShortTtl {
  private since = 0;
  constructor(readonly ms: number) {}
  start(): void {
    this.since = performance.now();
  }
  /** What `read` found, when less than the TTL has passed since start(); otherwise the attempt cannot tell (TooSlow). */
  async beforeExpiry<T>(read: () => Promise<T>): Promise<T> {
    const found = await read();
    if (performance.now() - this.since >= this.ms) throw new TooSlow(`${this.ms} ms passed before the check`);
    return found;
  }
  /** Waits until everything written with this TTL so far has expired. */
  async expire(): Promise<void> {
    await sleep(this.ms + EXPIRY_MARGIN_MS);
  }
}

/** Runs `attempt` with the shortest TTL of TTL_STEPS_MS the machine keeps up with (each attempt on fresh stores). */
async function withShortTtl(attempt: (ttl: ShortTtl) => Promise<void>): Promise<void> {
  for (const [i, ms] of TTL_STEPS_MS.entries()) {
    try {
      return await attempt(new ShortTtl(ms));
    } catch (e) {
      if (!(e instanceof TooSlow) || i === TTL_STEPS_MS.length - 1) throw e;
    }
  }
}

/** Declares the contract suite for one store. */
export function describeKvStoreContract(name: string, start: () => Promise<KvStoreBackend>, options: ContractOptions = {}): void {
  describe.skipIf(options.skip ?? false)(`KvStore contract: ${name}`, () => {
    let backend: KvStoreBackend;
    let opened: KvStore[] = [];

    beforeAll(async () => {
      backend = await start();
    }, options.startTimeoutMs ?? 60_000);
    afterEach(async () => {
      // close() twice is harmless, so stores a test closed itself are in here too.
      const stores = opened;
      opened = [];
      await Promise.all(stores.map((s) => s.close()));
    });
    afterAll(async () => {
      await backend?.stop?.();
    });

    const namespace = () => `kvc${process.pid}x${randomUUID().slice(0, 8)}`;
    const open = (ns: string, encryptionKeys: readonly Buffer[] = []) => {
      const s = backend.open({ namespace: ns, encryptionKeys });
      opened.push(s);
      return s;
    };
    /** Two stores over one namespace: two replicas. */
    const replicas = (keys: readonly Buffer[] = []) => {
      const ns = namespace();
      return [open(ns, keys), open(ns, keys)] as const;
    };
    /** Lock and value keys; several, so that a cluster spreads them over its nodes. */
    const KEYS = ['token:a', 'token:b', 'token:c', 'pbx:account:7', 'pbx:account:8', 'pbx:accounts'];

    describe('values', () => {
      it('round-trips JSON values through set and get, also to another store on the same namespace', async () => {
        const [a, b] = replicas();
        const values: Record<string, unknown> = {
          object: { accessToken: 'at-1', expiresAt: 1_700_000_000_000, scopes: ['x', 'y'], nested: { ok: true, none: null } },
          array: [1, 'two', { three: 3 }],
          string: 'héllo ✓',
          number: 42.5,
          zero: 0,
          boolean: false,
          null: null,
        };
        for (const [k, v] of Object.entries(values)) await a.set(k, v);
        for (const [k, v] of Object.entries(values)) {
          expect(await a.get(k)).toEqual(v);
          expect(await b.get(k)).toEqual(v);
        }
      });

      it('set replaces, delete removes, a missing key reads undefined', async () => {
        const [a, b] = replicas();
        expect(await a.get('missing')).toBeUndefined();
        await a.delete('missing');
        await a.set('k', { v: 1 });
        await b.set('k', { v: 2 });
        expect(await a.get('k')).toEqual({ v: 2 });
        await b.delete('k');
        expect(await a.get('k')).toBeUndefined();
      });
    });

    describe('TTL', () => {
      it('a value with a TTL expires; a value without one stays; an expired value counts as absent for compareAndSet', () =>
        withShortTtl(async (ttl) => {
          const [a, b] = replicas();
          await a.set('forever', { v: 'forever' });
          await a.set('long', { v: 'long' }, LONG_MS);
          ttl.start();
          await a.set('short', { v: 'short' }, ttl.ms);
          expect(await ttl.beforeExpiry(() => b.get('short'))).toEqual({ v: 'short' });
          await ttl.expire();
          expect(await b.get('short')).toBeUndefined();
          expect(await b.get('forever')).toEqual({ v: 'forever' });
          expect(await b.get('long')).toEqual({ v: 'long' });
          expect(await b.compareAndSet('short', { v: 'short' }, { v: 'again' })).toBe(false);
          expect(await b.compareAndSet('short', undefined, { v: 'again' })).toBe(true);
          expect(await a.get('short')).toEqual({ v: 'again' });
        }));
    });

    describe('namespaces', () => {
      it('two namespaces on one backend see neither each other’s values nor each other’s locks', async () => {
        const one = open(namespace());
        const two = open(namespace());
        await one.set('k', 'one');
        await two.set('k', 'two');
        expect(await one.get('k')).toBe('one');
        expect(await two.get('k')).toBe('two');
        await one.delete('k');
        expect(await one.get('k')).toBeUndefined();
        expect(await two.get('k')).toBe('two');
        expect(await one.compareAndSet('k', undefined, 'one again')).toBe(true);
        expect(await two.get('k')).toBe('two');

        const release = await one.tryLock('lock', LONG_MS);
        expect(release).toBeDefined();
        const other = await two.tryLock('lock', LONG_MS);
        expect(other).toBeDefined();
        await release!();
        await other!();
      });
    });

    describe('tryLock', () => {
      it('gives a lock to one owner at a time, across replicas; release frees it', async () => {
        const [a, b] = replicas();
        for (const key of KEYS) {
          const release = await a.tryLock(key, LONG_MS);
          expect(release).toBeDefined();
          expect(await b.tryLock(key, LONG_MS)).toBeUndefined();
          expect(await a.tryLock(key, LONG_MS)).toBeUndefined();
          await release!();
          const next = await b.tryLock(key, LONG_MS);
          expect(next).toBeDefined();
          await next!();
        }
      });

      it('of many concurrent attempts on one key, exactly one gets the lock', async () => {
        const [a, b] = replicas();
        const attempts = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).tryLock('contended', LONG_MS)));
        const winners = attempts.filter((r) => r !== undefined);
        expect(winners).toHaveLength(1);
        await winners[0]!();
      });

      it('a lease that runs out lets another owner take the lock', () =>
        withShortTtl(async (lease) => {
          const [a, b] = replicas();
          lease.start();
          const held = await Promise.all(KEYS.map((key) => a.tryLock(key, lease.ms)));
          expect(held.every((r) => r !== undefined)).toBe(true);
          const meanwhile = await lease.beforeExpiry(() => Promise.all(KEYS.map((key) => b.tryLock(key, LONG_MS))));
          expect(meanwhile).toEqual(KEYS.map(() => undefined));
          await lease.expire();
          for (const key of KEYS) {
            const release = await b.tryLock(key, LONG_MS);
            expect(release).toBeDefined();
            await release!();
          }
        }));

      it('releases only for its owner: a late release, after the lease passed to someone else, removes nothing', async () => {
        const [a, b] = replicas();
        const lease = new ShortTtl(TTL_STEPS_MS[0]!); // nothing is checked before it runs out
        const first = await Promise.all(KEYS.map((key) => a.tryLock(key, lease.ms)));
        expect(first.every((r) => r !== undefined)).toBe(true);
        await lease.expire();
        const second = await Promise.all(KEYS.map((key) => b.tryLock(key, LONG_MS)));
        expect(second.every((r) => r !== undefined)).toBe(true);
        for (const release of first) await release!();
        for (const key of KEYS) expect(await a.tryLock(key, LONG_MS)).toBeUndefined();
        // Calling a release twice is no second release either.
        for (const release of first) await release!();
        for (const key of KEYS) expect(await a.tryLock(key, LONG_MS)).toBeUndefined();
        for (const release of second) await release!();
        for (const key of KEYS) {
          const release = await a.tryLock(key, LONG_MS);
          expect(release).toBeDefined();
          await release!();
        }
      });

      it('close() releases the locks the store still holds, so other replicas need not wait out the lease', async () => {
        const ns = namespace();
        const leaving = open(ns);
        const staying = open(ns);
        expect(await leaving.tryLock('held', LONG_MS)).toBeDefined();
        expect(await staying.tryLock('held', LONG_MS)).toBeUndefined();
        await leaving.close();
        const release = await staying.tryLock('held', LONG_MS);
        expect(release).toBeDefined();
        await release!();
      });
    });

    describe('sealing', () => {
      const secret = () => `secret-${randomBytes(9).toString('base64url')}`;

      it('with encryption keys, what the backend holds is not readable plaintext, and reads back', async () => {
        const ns = namespace();
        const key = randomBytes(32);
        const a = open(ns, [key]);
        const b = open(ns, [key]);
        const token = secret();
        const refresh = secret();
        await a.set('token:x', { accessToken: token, refreshToken: refresh }, LONG_MS);
        await a.set('plain', token);
        expect(await a.compareAndSet('cas', undefined, { accessToken: refresh })).toBe(true);
        const raw = await backend.rawValues(ns);
        expect(raw.length).toBeGreaterThanOrEqual(3);
        for (const r of raw) {
          expect(r).not.toContain(token);
          expect(r).not.toContain(refresh);
          expect(r).not.toContain('accessToken');
        }
        expect(raw.filter((r) => r.includes('$sealed'))).toHaveLength(3);
        expect(await b.get('token:x')).toEqual({ accessToken: token, refreshToken: refresh });
        expect(await b.get('plain')).toBe(token);
        expect(await b.get('cas')).toEqual({ accessToken: refresh });
      });

      it('rotation: a value sealed with the older key reads with [new, old]; a store without the old key reads it as absent', async () => {
        const ns = namespace();
        const oldKey = randomBytes(32);
        const newKey = randomBytes(32);
        const value = { accessToken: secret() };
        await open(ns, [oldKey]).set('k', value);
        const rotated = open(ns, [newKey, oldKey]);
        expect(await rotated.get('k')).toEqual(value);
        const dropped = open(ns, [newKey]);
        expect(await dropped.get('k')).toBeUndefined();
        // What the rotated store writes is sealed with the new key.
        await rotated.set('k2', value);
        expect(await dropped.get('k2')).toEqual(value);
        expect(await open(ns, [oldKey]).get('k2')).toBeUndefined();
      });
    });

    describe('integrity', () => {
      it('read tells found, absent and unreadable apart (why, and the key id it needs); get reads the unreadable as undefined', async () => {
        const ns = namespace();
        const k1 = randomBytes(32);
        const k2 = randomBytes(32);
        await open(ns, [k2]).set('k', { v: 1 });
        const other = open(ns, [k1]);
        expect(await other.read('missing')).toEqual({ status: 'absent' });
        expect(await open(ns, [k2]).read('k')).toEqual({ status: 'found', value: { v: 1 } });
        expect(await other.read('k')).toEqual({
          status: 'unreadable',
          problem: { key: 'k', reason: 'unknown-key', keyId: keyId(k2), message: expect.stringContaining(keyId(k2)) },
        });
        expect(await other.get('k')).toBeUndefined();
      });

      it('binds each value to its key: a sealed value copied to another key does not open there', async () => {
        const ns = namespace();
        const keys = [randomBytes(32)];
        const s = open(ns, keys);
        await s.set('pbx:account:20', { login: 'client1' });
        await s.set('pbx:account:30', { login: 'client2' });
        await backend.copyRaw(ns, 'pbx:account:20', 'pbx:account:30');
        expect(await open(ns, keys).read('pbx:account:30')).toMatchObject({ status: 'unreadable', problem: { reason: 'not-authentic' } });
        expect(await open(ns, keys).get('pbx:account:20')).toEqual({ login: 'client1' });
      });

      it('with keys, a plaintext or a format-1 value is refused; without keys, plaintext is the format', async () => {
        const ns = namespace();
        const key = randomBytes(32);
        await backend.writeStored(ns, 'plain', JSON.stringify({ status: 'CONNECTED' }));
        await backend.writeStored(ns, 'v1', sealedV1(key, { status: 'CONNECTED' }));
        const sealed = open(ns, [key]);
        expect(await sealed.read('plain')).toMatchObject({ status: 'unreadable', problem: { reason: 'unsealed' } });
        expect(await sealed.read('v1')).toMatchObject({ status: 'unreadable', problem: { reason: 'unbound', keyId: keyId(key) } });
        expect(await open(ns).get('plain')).toEqual({ status: 'CONNECTED' });
      });

      it('neither set nor compareAndSet replaces a value it cannot open; a replica that can still reads it', async () => {
        const ns = namespace();
        const k1 = randomBytes(32);
        const k2 = randomBytes(32);
        const both = open(ns, [k2, k1]);
        const old = open(ns, [k1]);
        await both.set('index', ['20']);
        await old.set('index', []);
        expect(await old.compareAndSet('index', undefined, ['30'])).toBe(false);
        expect(await old.compareAndSet('index', ['20'], ['30'])).toBe(false);
        expect(await both.get('index')).toEqual(['20']);
        // Replicas that can open it write as usual.
        expect(await both.compareAndSet('index', ['20'], ['20', '30'])).toBe(true);
        expect(await both.get('index')).toEqual(['20', '30']);
      });
    });

    describe('sets', () => {
      it('are shared by replicas, lose no member to concurrent adds, and stay within their namespace', async () => {
        const [a, b] = replicas();
        expect(await a.members('ids')).toEqual([]);
        const adds = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).addMember('ids', String(i))));
        expect(adds.every(Boolean)).toBe(true);
        expect(await a.addMember('ids', '3')).toBe(true); // already there: still one member
        expect((await b.members('ids'))!.map(Number).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
        expect(await open(namespace()).members('ids')).toEqual([]);
        // A set and a value of the same name do not meet.
        await a.set('ids', 'a value');
        expect(await a.get('ids')).toBe('a value');
        expect(await b.members('ids')).toHaveLength(20);
      });
    });

    describe('reseal', () => {
      it('seals again what an older key or the previous format sealed, keeping its TTL; plaintext only when asked; leaves the rest', () =>
        withShortTtl(async (ttl) => {
          const ns = namespace();
          const k1 = randomBytes(32);
          const k2 = randomBytes(32);
          await open(ns, [k1]).set('older', { v: 'older' }, LONG_MS);
          await open(ns, [randomBytes(32)]).set('stranger', { v: 'stranger' });
          await backend.writeStored(ns, 'v1', sealedV1(k1, { v: 'v1' }));
          await backend.writeStored(ns, 'plain', JSON.stringify({ v: 'plain' }));
          const rotated = open(ns, [k2, k1]);
          await rotated.set('current', { v: 'current' });
          await rotated.addMember('set', 'not a value');
          const lock = await rotated.tryLock('held', LONG_MS);
          // Last, so that its TTL runs while the store reseals it, not while the rest is written.
          ttl.start();
          await open(ns, [k1]).set('short', { v: 'short' }, ttl.ms);

          const first = await rotated.reseal({ plaintext: false });
          const onlyK2 = open(ns, [k2]);
          const read = await ttl.beforeExpiry(() => Promise.all(['older', 'short', 'v1', 'current'].map((k) => onlyK2.get(k))));
          expect(first).toMatchObject({ examined: 6, resealed: 3, plaintextLeft: 1 });
          expect(first.unreadable).toEqual([{ key: 'stranger', reason: 'unknown-key', keyId: expect.any(String) }]);
          expect(read).toEqual([{ v: 'older' }, { v: 'short' }, { v: 'v1' }, { v: 'current' }]);
          expect(await onlyK2.read('plain')).toMatchObject({ status: 'unreadable', problem: { reason: 'unsealed' } });

          expect(await rotated.reseal({ plaintext: true })).toMatchObject({ resealed: 1, plaintextLeft: 0 });
          expect(await onlyK2.get('plain')).toEqual({ v: 'plain' });
          expect(await rotated.reseal({ plaintext: true })).toMatchObject({ resealed: 0 });
          // The expiry was kept.
          await ttl.expire();
          expect(await onlyK2.get('short')).toBeUndefined();
          expect(await onlyK2.get('older')).toEqual({ v: 'older' });
          await lock!();
        }));
    });

    describe('compareAndSet', () => {
      it('replaces the value only while it equals `expected`, and says whether it did', async () => {
        const [a, b] = replicas();
        await a.set('k', { n: 1 });
        expect(await b.compareAndSet('k', { n: 1 }, { n: 2 })).toBe(true);
        expect(await a.get('k')).toEqual({ n: 2 });
        expect(await b.compareAndSet('k', { n: 1 }, { n: 3 })).toBe(false);
        expect(await a.get('k')).toEqual({ n: 2 });
        expect(await a.compareAndSet('k', undefined, { n: 4 })).toBe(false);
        expect(await a.get('k')).toEqual({ n: 2 });
      });

      it('with `expected` undefined, writes only where there is no value', async () => {
        const [a, b] = replicas();
        expect(await a.compareAndSet('k', undefined, 'first')).toBe(true);
        expect(await b.compareAndSet('k', undefined, 'second')).toBe(false);
        expect(await b.get('k')).toBe('first');
        await a.delete('k');
        expect(await b.compareAndSet('k', undefined, 'second')).toBe(true);
        expect(await a.get('k')).toBe('second');
      });

      it('compares values, not their encoding: key order, a re-sealed equal value and a value sealed under the older key all match', async () => {
        const ns = namespace();
        const oldKey = randomBytes(32);
        const newKey = randomBytes(32);
        const writer = open(ns, [oldKey]);
        await writer.set('k', { a: 1, b: { c: [1, 2], d: 'x' } });
        await writer.set('k', { a: 1, b: { c: [1, 2], d: 'x' } }); // the same value, sealed again with a fresh IV
        const rotated = open(ns, [newKey, oldKey]);
        expect(await rotated.compareAndSet('k', { b: { d: 'x', c: [1, 2] }, a: 1 }, { a: 2 })).toBe(true);
        // The replacement is sealed with the new key.
        expect(await open(ns, [newKey]).get('k')).toEqual({ a: 2 });
        expect(await rotated.compareAndSet('k', { a: 2, extra: null }, { a: 3 })).toBe(false);
        expect(await rotated.compareAndSet('k', { a: '2' }, { a: 3 })).toBe(false);
        expect(await rotated.get('k')).toEqual({ a: 2 });
      });

      it('is not put off by a replica writing an equal value at the same moment (sealed anew, so stored differently)', async () => {
        const keys = [randomBytes(32)];
        const [a, b] = replicas(keys);
        for (let round = 0; round < 30; round++) {
          const current = { round, status: 'CONNECTED' };
          await a.set('k', current);
          const [, swapped] = await Promise.all([a.set('k', current), b.compareAndSet('k', current, { round, status: 'NEEDS_REAUTHORIZATION' })]);
          expect(swapped).toBe(true);
        }
      });

      it('writes `next` with the TTL given, or none', () =>
        withShortTtl(async (ttl) => {
          const [a, b] = replicas();
          await a.set('gains-ttl', 1);
          ttl.start();
          await a.set('loses-ttl', 1, ttl.ms);
          expect(await a.compareAndSet('gains-ttl', 1, 2, ttl.ms)).toBe(true);
          expect(await ttl.beforeExpiry(() => a.compareAndSet('loses-ttl', 1, 2))).toBe(true);
          await ttl.expire();
          expect(await b.get('gains-ttl')).toBeUndefined();
          expect(await b.get('loses-ttl')).toBe(2);
        }));

      it('a replica delayed between its read and its write cannot erase a fresher value another replica wrote meanwhile', async () => {
        const keys = [randomBytes(32)];
        const [slow, fast] = replicas(keys);
        await fast.set('token', { accessToken: 't1', expiresAt: 2 });
        const seen = await slow.get<{ accessToken: string; expiresAt: number }>('token'); // read t1, then delayed…
        await fast.set('token', { accessToken: 't2', expiresAt: 3 }); // …while the other replica stores a fresh token
        expect(await slow.compareAndSet('token', seen, { ...seen, expiresAt: 0 })).toBe(false);
        expect(await fast.get('token')).toEqual({ accessToken: 't2', expiresAt: 3 });
      });

      it('race: of writers replacing the same value at once, exactly one wins and its value is what is stored', async () => {
        const keys = [randomBytes(32)];
        const [a, b] = replicas(keys);
        for (let round = 0; round < 20; round++) {
          const key = KEYS[round % KEYS.length]!;
          const current = { round, by: 'setup' };
          await a.set(key, current);
          const writers = round % 2 ? 2 : 6;
          const results = await Promise.all(
            Array.from({ length: writers }, (_, i) => (i % 2 ? a : b).compareAndSet(key, current, { round, by: `writer-${i}` })),
          );
          const winners = results.flatMap((won, i) => (won ? [i] : []));
          expect(winners).toHaveLength(1);
          expect(await a.get(key)).toEqual({ round, by: `writer-${winners[0]}` });
        }
      });
    });
  });
}
