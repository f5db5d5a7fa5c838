/**
 * One account's part of the shared store: every key it reads or writes is put under `t:<tenant>:<provider>:<account>:`,
 * so tokens, the recording cache and PBX connections of one account are never seen by another (names are checked
 * against NAME_PATTERN, so no scope is a prefix of another). Closing it leaves the shared store open.
 */
import type { KvStore } from '../store/kv-store.js';

export function scopedStore(store: KvStore, scope: string): KvStore {
  const k = (key: string) => `t:${scope}:${key}`;
  return {
    get kind() {
      return store.kind;
    },
    get healthy() {
      return store.healthy;
    },
    get degradedSince() {
      return store.degradedSince;
    },
    read: (key) => store.read(k(key)),
    get: (key) => store.get(k(key)),
    ...(store.getMany ? { getMany: (keys: readonly string[]) => store.getMany!(keys.map(k)) } : {}),
    set: (key, value, ttlMs) => store.set(k(key), value, ttlMs),
    delete: (key) => store.delete(k(key)),
    compareAndSet: (key, expected, next, ttlMs) => store.compareAndSet(k(key), expected, next, ttlMs),
    addMember: (key, member) => store.addMember(k(key), member),
    members: (key) => store.members(k(key)),
    tryLock: (key, leaseMs) => store.tryLock(k(key), leaseMs),
    reseal: (opts) => store.reseal(opts),
    ping: () => store.ping(),
    close: async () => {},
    onHealthChange: store.onHealthChange ? (l) => store.onHealthChange!(l) : undefined,
  } as KvStore;
}
