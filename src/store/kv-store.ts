/**
 * The shared store behind the token manager and the PBX connections: in-process memory, or keyv over one Redis
 * or a Redis Cluster (@keyv/redis), every value sealed by SecretBox. Redis failures never fail a request: reads miss,
 * writes are dropped, the store reports itself degraded, and a background probe brings it back by itself when
 * Redis answers again. Callers keep their own in-process copies for exactly that reason.
 */

export type StoreKind = 'memory' | 'redis' | 'redis-cluster';

export interface KvStore {
  readonly kind: StoreKind;
  /** False while Redis does not answer (reads miss, writes are dropped). Always true for memory. */
  readonly healthy: boolean;
  /** When the current outage began (epoch ms); undefined while healthy. */
  readonly degradedSince?: number;
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Replaces the value of `key` with `next` only if the value stored now equals `expected`, in one atomic
   * step; resolves whether it did. "Equals" means: what `get` would return now, compared as JSON (key order
   * does not matter); `expected` undefined means absent (an expired or unreadable value counts as absent, as
   * for `get`). With encryption the comparison is on the decrypted value, so a value sealed under an older
   * key, or sealed again with the same content, still matches. `ttlMs` as for `set`. A store that cannot
   * answer resolves false: nothing was replaced. For "write only if nobody replaced what I read", such as
   * a 401 invalidating exactly the token that failed and never a fresher one another replica just wrote.
   */
  compareAndSet(key: string, expected: unknown, next: unknown, ttlMs?: number): Promise<boolean>;
  /**
   * Takes a lease on `key` for `leaseMs` if nobody holds it. Returns a release function (compare-and-delete:
   * it only removes the lock if this owner still holds it) or undefined when someone else holds it.
   * When the store cannot answer, returns a no-op release: a degraded replica fetches on its own rather than wait.
   */
  tryLock(key: string, leaseMs: number): Promise<(() => Promise<void>) | undefined>;
  /** Resolves whether the backing store answers right now (for /readyz). */
  ping(): Promise<boolean>;
  /** Releases the locks this replica still holds, then disconnects. */
  close(): Promise<void>;
  onHealthChange?(listener: (healthy: boolean) => void): void;
}
