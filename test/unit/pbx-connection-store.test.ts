/** Consent states (random, short-lived, single-use) and connection records (sealed at rest, compare-and-set marking). */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PbxConnectionStore, STATE_PATTERN } from '../../src/providers/pbx/connection-store.js';
import type { PbxConnectionRecord } from '../../src/providers/pbx/types.js';
import { MemoryKvStore } from '../../src/store/memory-store.js';
import { SecretBox } from '../../src/store/secret-box.js';

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
}

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
    expect((await fresh.list()).map((r) => [r.id, r.trustedApp.clientId])).toEqual([
      ['20', 'app-20b'],
      ['30', 'app-30'],
    ]);
    expect(await fresh.get('99')).toBeUndefined();
    // Another PBX host is another namespace.
    expect(await new PbxConnectionStore(kv, 'https://other.example').list()).toEqual([]);
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
