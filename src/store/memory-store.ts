/** The in-process store: one replica's memory, or several stores sharing one MemoryBacking as replicas share a Redis. */
import { randomUUID } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { KvStore, StoreKind } from './kv-store.js';
import { NAMESPACE } from './namespace.js';
import { SecretBox } from './secret-box.js';

/**
 * What memory stores keep. Stores made over one MemoryBacking share it as replicas share one Redis (each with
 * its own namespace and keys); by default every MemoryKvStore has a backing of its own.
 */
export class MemoryBacking {
  /** Namespaced key → sealed string, with its expiry (epoch ms) if it has one. */
  readonly values = new Map<string, { stored: string; expiresAt?: number }>();
  /** Namespaced lock key → owner and end of lease. */
  readonly locks = new Map<string, { owner: string; until: number }>();
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
 * only match the interface), so compareAndSet and tryLock are atomic without further locking.
 */
export class MemoryKvStore implements KvStore {
  readonly kind = 'memory' as const;
  readonly healthy = true;
  readonly degradedSince = undefined;
  /** Locks this store holds (lock key → owner id), released on close as the Redis store does. */
  private readonly held = new Map<string, string>();

  constructor(
    private readonly box: SecretBox = new SecretBox([]),
    private readonly namespace = NAMESPACE,
    private readonly backing = new MemoryBacking(),
  ) {}

  private valueKey(key: string): string {
    return `${this.namespace}::${key}`;
  }
  private open<T>(stored: string | undefined): T | undefined {
    return stored === undefined ? undefined : this.box.open<T>(stored);
  }
  async get<T>(key: string): Promise<T | undefined> {
    return this.open<T>(this.backing.read(this.valueKey(key)));
  }
  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    this.backing.write(this.valueKey(key), this.box.seal(value), ttlMs);
  }
  async delete(key: string): Promise<void> {
    this.backing.values.delete(this.valueKey(key));
  }
  async compareAndSet(key: string, expected: unknown, next: unknown, ttlMs?: number): Promise<boolean> {
    const k = this.valueKey(key);
    if (canonicalJson(this.open(this.backing.read(k))) !== canonicalJson(expected)) return false;
    this.backing.write(k, this.box.seal(next), ttlMs);
    return true;
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
  async ping(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {
    for (const [lockKey, owner] of this.held) this.release(lockKey, owner);
    this.held.clear();
  }
}
