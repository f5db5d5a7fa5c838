/**
 * Consent states (random, short-lived, single-use; kept in process when the store cannot take them) and connection
 * records (sealed at rest, indexed in a set, never overwritten when they cannot be opened, compare-and-set marking,
 * in-process copies only while the store cannot answer).
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PbxConnectionStore, STATE_PATTERN } from '../../src/providers/pbx/connection-store.js';
import type { PbxConnectionRecord } from '../../src/providers/pbx/types.js';
import type { KvStore, StoreRead } from '../../src/store/kv-store.js';
import { MemoryBacking, MemoryKvStore } from '../../src/store/memory-store.js';
import { keyId, SecretBox } from '../../src/store/secret-box.js';
import { LogCapture } from '../support/log-capture.js';

/** Records exactly what reaches the store: every key and every sealed string. */
class RecordingBox extends SecretBox {
  readonly sealed: string[] = [];
  override seal(value: unknown, storeKey: string): string {
    const s = super.seal(value, storeKey);
    this.sealed.push(s);
    return s;
  }
}
class KeyRecordingStore extends MemoryKvStore {
  readonly keys: string[] = [];
  override async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    this.keys.push(key);
    await super.set(key, value, ttlMs);
  }
  override async compareAndSet(key: string, expected: unknown, next: unknown, ttlMs?: number): Promise<boolean> {
    this.keys.push(key);
    return super.compareAndSet(key, expected, next, ttlMs);
  }
}

/** A replica's view of a shared store that can go down (a Redis outage): nothing answers, writes are dropped. */
class OutageStore implements KvStore {
  readonly kind = 'redis' as const;
  down = false;
  constructor(private readonly inner: KvStore) {}
  get healthy() {
    return !this.down;
  }
  async read<T>(key: string): Promise<StoreRead<T>> {
    return this.down ? { status: 'unavailable' } : this.inner.read<T>(key);
  }
  async get<T>(key: string) {
    return this.down ? undefined : this.inner.get<T>(key);
  }
  async set(key: string, value: unknown, ttlMs?: number) {
    if (!this.down) await this.inner.set(key, value, ttlMs);
  }
  async delete(key: string) {
    if (!this.down) await this.inner.delete(key);
  }
  async compareAndSet(key: string, expected: unknown, next: unknown, ttlMs?: number) {
    return !this.down && this.inner.compareAndSet(key, expected, next, ttlMs);
  }
  async addMember(key: string, member: string) {
    return !this.down && this.inner.addMember(key, member);
  }
  async members(key: string) {
    return this.down ? undefined : this.inner.members(key);
  }
  async tryLock(key: string, leaseMs: number) {
    return this.down ? async () => {} : this.inner.tryLock(key, leaseMs);
  }
  reseal(opts: { plaintext: boolean }) {
    return this.inner.reseal(opts);
  }
  async ping() {
    return !this.down;
  }
  close() {
    return this.inner.close();
  }
}

const PBX = 'https://pbx.example';
/** The store keys the connection store uses for PBX: account records, and the index (a set; a sealed list before). */
const PBX_NS = `pbx:${createHash('sha256').update(PBX).digest('hex').slice(0, 12)}`;
const ACCOUNT_KEY = (id: string) => `${PBX_NS}:account:${id}`;
const INDEX_KEY = `${PBX_NS}:accounts`;

function record(id: string, over: Partial<PbxConnectionRecord> = {}): PbxConnectionRecord {
  return {
    id,
    login: `user-${id}`,
    admin: false,
    access: 'full',
    clientId: '12',
    dealerId: null,
    extensionGroupId: null,
    extensionId: null,
    timezone: 'Europe/Moscow',
    status: 'CONNECTED',
    trustedApp: { clientId: `app-${id}`, clientSecret: `secret-${id}-${randomBytes(6).toString('hex')}` },
    connectedAt: '2024-05-01T00:00:00.000Z',
    ...over,
  };
}

describe('consent states', () => {
  it('are random 256-bit base64url values', async () => {
    const s = new PbxConnectionStore(new MemoryKvStore(), 'https://pbx.example');
    const a = await s.createState();
    const b = await s.createState();
    expect(a).toMatch(STATE_PATTERN);
    expect(a).not.toBe(b);
  });

  it('can be claimed once; unknown, malformed and reused states are refused', async () => {
    const s = new PbxConnectionStore(new MemoryKvStore(), 'https://pbx.example');
    const state = await s.createState();
    expect(await s.claimState(randomBytes(32).toString('base64url'))).toBe(false);
    expect(await s.claimState('short')).toBe(false);
    expect(await s.claimState(state)).toBe(true);
    expect(await s.claimState(state)).toBe(false);
  });

  it('two concurrent claims of one state have exactly one winner', async () => {
    const s = new PbxConnectionStore(new MemoryKvStore(), 'https://pbx.example');
    const state = await s.createState();
    const results = await Promise.all(Array.from({ length: 5 }, () => s.claimState(state)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('expire after their TTL', async () => {
    const s = new PbxConnectionStore(new MemoryKvStore(), 'https://pbx.example', { stateTtlMs: 40 });
    const state = await s.createState();
    await new Promise((r) => setTimeout(r, 80));
    expect(await s.claimState(state)).toBe(false);
  });

  it('are kept under a hash: the raw state is never a store key', async () => {
    const store = new KeyRecordingStore();
    const s = new PbxConnectionStore(store, 'https://pbx.example');
    const state = await s.createState();
    expect(store.keys).toHaveLength(1);
    expect(store.keys[0]).not.toContain(state);
  });
});

describe('connections', () => {
  it('are listed by id, survive a new store object over the same backing store, and are replaced per account', async () => {
    const kv = new MemoryKvStore();
    const s = new PbxConnectionStore(kv, 'https://pbx.example');
    expect(await s.save(record('30'))).toBeUndefined();
    const first = record('20');
    await s.save(first);
    const replaced = await s.save(record('20', { trustedApp: { clientId: 'app-20b', clientSecret: 'x' } }));
    expect(replaced?.trustedApp.clientId).toBe(first.trustedApp.clientId);

    const fresh = new PbxConnectionStore(kv, 'https://pbx.example');
    expect((await fresh.list()).records.map((r) => [r.id, r.trustedApp.clientId])).toEqual([
      ['20', 'app-20b'],
      ['30', 'app-30'],
    ]);
    expect(await fresh.get('99')).toBeUndefined();
    // Another PBX host is another namespace.
    expect(await new PbxConnectionStore(kv, 'https://other.example').list()).toEqual({ records: [], unreadable: [] });
  });

  it('are sealed at rest when keys are set: no secret, login or id in any stored value', async () => {
    const box = new RecordingBox([randomBytes(32)]);
    const store = new KeyRecordingStore(box);
    const s = new PbxConnectionStore(store, 'https://pbx.example');
    const r = record('20');
    await s.save(r);
    expect(box.sealed.length).toBeGreaterThan(0);
    const raw = box.sealed.join('\n');
    expect(raw).not.toContain(r.trustedApp.clientSecret);
    expect(raw).not.toContain(r.trustedApp.clientId);
    expect(raw).not.toContain(r.login);
    expect(store.keys.join('\n')).not.toContain(r.trustedApp.clientSecret);
    expect((await s.get('20'))?.trustedApp.clientSecret).toBe(r.trustedApp.clientSecret);
  });

  it('are marked NEEDS_REAUTHORIZATION only while they still use the refused trusted app', async () => {
    const s = new PbxConnectionStore(new MemoryKvStore(), 'https://pbx.example');
    await s.save(record('20'));
    // A reconnection replaced the app meanwhile: the stale refusal does not mark the new connection.
    await s.save(record('20', { trustedApp: { clientId: 'app-new', clientSecret: 'x' } }));
    expect((await s.markNeedsReauthorization('20', 'app-20', 'refused'))?.status).toBe('CONNECTED');
    const marked = await s.markNeedsReauthorization('20', 'app-new', 'the PBX refused (invalid_client)');
    expect(marked).toMatchObject({ status: 'NEEDS_REAUTHORIZATION', statusReason: 'the PBX refused (invalid_client)' });
    expect((await s.get('20'))?.status).toBe('NEEDS_REAUTHORIZATION');
  });
});

describe('connections a replica cannot open', () => {
  /** Two replicas over one backing with their own key lists, as during a key rotation. */
  const replicas = (keysA: Buffer[], keysB: Buffer[]) => {
    const backing = new MemoryBacking();
    const logs = new LogCapture();
    const a = new PbxConnectionStore(new MemoryKvStore(new SecretBox(keysA), 'ns', backing), PBX);
    const b = new PbxConnectionStore(new MemoryKvStore(new SecretBox(keysB), 'ns', backing, logs.logger), PBX);
    return { a, b, backing, logs };
  };

  it('are listed by id with why and which key they need, logged once, and never overwritten', async () => {
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);
    const { a, b, logs } = replicas([k2, k1], [k1]);
    await a.save(record('20')); // sealed with k2, which b lacks
    await b.save(record('30')); // b adds to the index without reading it: nothing of a's is lost
    for (let i = 0; i < 3; i++) {
      const listing = await b.list();
      expect(listing.records.map((r) => r.id)).toEqual(['30']);
      expect(listing.unreadable).toEqual([{ id: '20', problem: expect.stringContaining(`key id ${keyId(k2)}`) }]);
    }
    expect(logs.json().filter((l) => l.msg === 'stored value cannot be opened')).toEqual([
      expect.objectContaining({ level: 50, key: expect.stringMatching(/:account:20$/), keyId: keyId(k2), reason: 'unknown-key' }),
    ]);
    // b refuses to replace a record it cannot read, whether a reconnection or a refusal mark.
    await expect(b.save(record('20', { login: 'mallory' }))).rejects.toMatchObject({
      extensions: { code: 'PROVIDER_UNAVAILABLE', provider: 'PBX', accountId: '20' },
    });
    expect(await b.markNeedsReauthorization('20', 'app-20', 'refused')).toBeUndefined();
    expect((await a.list()).records.map((r) => [r.id, r.login, r.status])).toEqual([
      ['20', 'user-20', 'CONNECTED'],
      ['30', 'user-30', 'CONNECTED'],
    ]);
  });

  it('a forged plaintext record is unreadable, a sealed one moved to another account is unreadable, an id without a record is nobody', async () => {
    const key = randomBytes(32);
    const backing = new MemoryBacking();
    const kv = new MemoryKvStore(new SecretBox([key]), 'ns', backing);
    const s = new PbxConnectionStore(kv, PBX);
    await s.save(record('20'));
    await s.save(record('30'));
    const full = (id: string) => `ns::${ACCOUNT_KEY(id)}`;
    backing.values.set(full('30'), backing.values.get(full('20'))!); // moved
    backing.values.set(full('20'), { stored: JSON.stringify(record('20', { login: 'mallory' })) }); // forged
    await kv.addMember(INDEX_KEY, '99'); // an id with no record
    const fresh = new PbxConnectionStore(kv, PBX);
    const listing = await fresh.list();
    expect(listing.records).toEqual([]);
    expect(listing.unreadable).toEqual([
      { id: '20', problem: expect.stringContaining('not sealed') },
      { id: '30', problem: expect.stringContaining('tampered with or copied from another key') },
    ]);
    expect(await fresh.get('30')).toBeUndefined();
    expect(await fresh.lookup('30')).toEqual(listing.unreadable[1]);
  });

  it('accounts indexed by an earlier version (a sealed list) stay listed and join the set', async () => {
    const kv = new MemoryKvStore(new SecretBox([randomBytes(32)]), 'ns');
    const s = new PbxConnectionStore(kv, PBX);
    await s.save(record('20'));
    await kv.set(ACCOUNT_KEY('7'), record('7'));
    await kv.set(INDEX_KEY, ['7']);
    expect((await new PbxConnectionStore(kv, PBX).list()).records.map((r) => r.id)).toEqual(['7', '20']);
    expect((await kv.members(INDEX_KEY)).sort()).toEqual(['20', '7']);
  });
});

describe('in-process copies', () => {
  it('never outlive the shared record: deleted from the store, gone here too; answering only while the store cannot', async () => {
    const kv = new OutageStore(new MemoryKvStore());
    const s = new PbxConnectionStore(kv, PBX);
    await s.save(record('20'));
    await s.save(record('30'));
    kv.down = true;
    expect((await s.list()).records.map((r) => r.id)).toEqual(['20', '30']); // the outage: what this replica holds
    kv.down = false;
    await kv.delete(ACCOUNT_KEY('20'));
    expect((await s.list()).records.map((r) => r.id)).toEqual(['30']);
    expect(await s.get('20')).toBeUndefined();
    kv.down = true;
    expect((await s.list()).records.map((r) => r.id)).toEqual(['30']); // forgotten, not resurrected by the next outage
  });

  it('a connection made while the store is down is written to it once it answers, unless another replica stored one meanwhile', async () => {
    const backing = new MemoryBacking();
    const kvA = new OutageStore(new MemoryKvStore(new SecretBox([]), 'ns', backing));
    const kvB = new MemoryKvStore(new SecretBox([]), 'ns', backing);
    const a = new PbxConnectionStore(kvA, PBX);
    const b = new PbxConnectionStore(kvB, PBX);
    kvA.down = true;
    await a.save(record('20'));
    await a.save(record('30'));
    expect((await a.list()).records.map((r) => r.id)).toEqual(['20', '30']);
    expect((await b.list()).records).toEqual([]);
    // Meanwhile another replica connected account 30 itself: its record wins.
    await b.save(record('30', { login: 'reconnected-elsewhere' }));
    kvA.down = false;
    expect((await a.list()).records.map((r) => [r.id, r.login])).toEqual([
      ['20', 'user-20'],
      ['30', 'reconnected-elsewhere'],
    ]);
    expect((await b.list()).records.map((r) => [r.id, r.login])).toEqual([
      ['20', 'user-20'],
      ['30', 'reconnected-elsewhere'],
    ]);
  });
});

describe('consent states while the store is down', () => {
  it('a state begun during the outage is claimed once, on the replica that began it only', async () => {
    const backing = new MemoryBacking();
    const kvA = new OutageStore(new MemoryKvStore(new SecretBox([]), 'ns', backing));
    const kvB = new OutageStore(new MemoryKvStore(new SecretBox([]), 'ns', backing));
    const a = new PbxConnectionStore(kvA, PBX);
    const b = new PbxConnectionStore(kvB, PBX);
    kvA.down = kvB.down = true;
    const state = await a.createState();
    expect(await b.claimState(state)).toBe(false);
    const claims = await Promise.all([a.claimState(state), a.claimState(state), a.claimState(state)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    kvA.down = kvB.down = false;
    expect(await a.claimState(state)).toBe(false);
    expect(await b.claimState(state)).toBe(false);
  });

  it('a state that reached the store is refused while the store cannot check its single use, and claimable once after', async () => {
    const kv = new OutageStore(new MemoryKvStore());
    const s = new PbxConnectionStore(kv, PBX);
    const state = await s.createState();
    kv.down = true;
    expect(await s.claimState(state)).toBe(false);
    kv.down = false;
    expect(await s.claimState(state)).toBe(true);
    expect(await s.claimState(state)).toBe(false);
  });

  it('an in-process state expires like a stored one', async () => {
    const kv = new OutageStore(new MemoryKvStore());
    const s = new PbxConnectionStore(kv, PBX, { stateTtlMs: 40 });
    kv.down = true;
    const state = await s.createState();
    await new Promise((r) => setTimeout(r, 80));
    expect(await s.claimState(state)).toBe(false);
  });
});
