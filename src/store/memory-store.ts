/** The in-process store: one replica's memory, or several stores sharing one MemoryBacking as replicas share a Redis. */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../observability/logger.js';
import { canonicalJson } from './canonical-json.js';
import type { KvStore, ResealReport, StoreRead } from './kv-store.js';
import { NAMESPACE } from './namespace.js';
import { SecretBox } from './secret-box.js';
import { problemOf, ValueCodec } from './value-codec.js';

/**
 * What memory stores keep. Stores made over one MemoryBacking share it as replicas share one Redis (each with
 * its own namespace and keys); by default every MemoryKvStore has a backing of its own.
 */
export class MemoryBacking {
  /** Full key (`<namespace>::<key>`) → stored string, with its expiry (epoch ms) if it has one. */
  readonly values = new Map<string, { stored: string; expiresAt?: number }>();
  /** Namespaced lock key → owner and end of lease. */
  readonly locks = new Map<string, { owner: string; until: number }>();
  /** Namespaced set key → members. */
  readonly sets = new Map<string, Set<string>>();
  private writes = 0;

  /** The stored string of a live entry; an expired one is removed and reads as absent. */
  read(key: string): string | undefined {
    const e = this.values.get(key);
    if (!e) return undefined;
    if (e.expiresAt !== undefined && e.expiresAt <= Date.now()) {
      this.values.delete(key);
      return undefined;
    }
    return e.stored;
  }

  write(key: string, stored: string, ttlMs?: number): void {
    // As keyv: no TTL (or 0) keeps the value until it is deleted.
    this.values.set(key, ttlMs ? { stored, expiresAt: Date.now() + ttlMs } : { stored });
    // Expired entries nobody reads again would otherwise stay forever.
    if (++this.writes % 1000 === 0) {
      const now = Date.now();
      for (const [k, e] of this.values) if (e.expiresAt !== undefined && e.expiresAt <= now) this.values.delete(k);
    }
  }
}

/**
 * The store without Redis: one process. Every operation runs synchronously on the backing (the promises
 * only match the interface), so set, compareAndSet and tryLock are atomic without further locking.
 */
export class MemoryKvStore implements KvStore {
  readonly kind = 'memory' as const;
  readonly healthy = true;
  readonly degradedSince = undefined;
  /** Locks this store holds (lock key → owner id), released on close as the Redis store does. */
  private readonly held = new Map<string, string>();
  private readonly codec: ValueCodec;

  constructor(
    box: SecretBox = new SecretBox([]),
    private readonly namespace = NAMESPACE,
    private readonly backing = new MemoryBacking(),
    logger?: Logger,
  ) {
    this.codec = new ValueCodec(box, namespace, logger);
  }

  private readNow<T>(key: string): StoreRead<T> {
    return this.codec.decode<T>(key, this.backing.read(this.codec.fullKey(key)));
  }
  async read<T>(key: string): Promise<StoreRead<T>> {
    return this.readNow<T>(key);
  }
  async get<T>(key: string): Promise<T | undefined> {
    const r = this.readNow<T>(key);
    return r.status === 'found' ? r.value : undefined;
  }
  async getMany<T>(keys: readonly string[]): Promise<(T | undefined)[]> {
    return keys.map((key) => {
      const r = this.readNow<T>(key);
      return r.status === 'found' ? r.value : undefined;
    });
  }
  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    if (this.readNow(key).status === 'unreadable') return;
    this.backing.write(this.codec.fullKey(key), this.codec.encode(key, value), ttlMs);
  }
  async delete(key: string): Promise<void> {
    this.backing.values.delete(this.codec.fullKey(key));
  }
  async compareAndSet(key: string, expected: unknown, next: unknown, ttlMs?: number): Promise<boolean> {
    const current = this.readNow(key);
    if (current.status === 'unreadable') return false;
    if (canonicalJson(current.status === 'found' ? current.value : undefined) !== canonicalJson(expected)) return false;
    this.backing.write(this.codec.fullKey(key), this.codec.encode(key, next), ttlMs);
    return true;
  }
  async addMember(key: string, member: string): Promise<boolean> {
    const setKey = `${this.namespace}:set:${key}`;
    const set = this.backing.sets.get(setKey) ?? new Set<string>();
    set.add(member);
    this.backing.sets.set(setKey, set);
    return true;
  }
  async members(key: string): Promise<string[]> {
    return [...(this.backing.sets.get(`${this.namespace}:set:${key}`) ?? [])];
  }
  async tryLock(key: string, leaseMs: number): Promise<(() => Promise<void>) | undefined> {
    const lockKey = `${this.namespace}:lock:${key}`;
    const now = Date.now();
    const current = this.backing.locks.get(lockKey);
    if (current && current.until > now) return undefined;
    const owner = randomUUID();
    this.backing.locks.set(lockKey, { owner, until: now + leaseMs });
    this.held.set(lockKey, owner);
    return async () => {
      if (this.held.get(lockKey) === owner) this.held.delete(lockKey);
      this.release(lockKey, owner);
    };
  }
  private release(lockKey: string, owner: string): void {
    if (this.backing.locks.get(lockKey)?.owner === owner) this.backing.locks.delete(lockKey);
  }
  async reseal(opts: { plaintext: boolean }): Promise<ResealReport> {
    const report: ResealReport = { examined: 0, resealed: 0, plaintextLeft: 0, unreadable: [] };
    const prefix = this.codec.fullKey('');
    for (const [fullKey, entry] of this.backing.values) {
      if (!fullKey.startsWith(prefix) || this.backing.read(fullKey) === undefined) continue;
      const key = fullKey.slice(prefix.length);
      report.examined++;
      const legacy = this.codec.box.legacyValue(entry.stored, fullKey, opts);
      if (legacy) {
        entry.stored = this.codec.encode(key, legacy.value);
        report.resealed++;
        continue;
      }
      const state = this.codec.box.inspect(entry.stored, fullKey);
      if (state === 'unsealed') report.plaintextLeft++;
      else if (state !== 'current' && state !== 'older-key') report.unreadable.push(problemOf(this.codec.decode(key, entry.stored)));
    }
    return report;
  }
  async ping(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {
    for (const [lockKey, owner] of this.held) this.release(lockKey, owner);
    this.held.clear();
  }
}
