/**
 * The shared store behind the token manager and the PBX connections: in-process memory, or keyv over one Redis
 * or a Redis Cluster (@keyv/redis), every value sealed by SecretBox and bound to its key. Redis failures never fail a
 * request: reads say the store is unavailable, writes are dropped, the store reports itself degraded, and a
 * background probe brings it back by itself when Redis answers again. Callers keep their own in-process copies
 * for exactly that reason, and use them only while the store cannot answer.
 *
 * A stored value this replica cannot open (sealed with a key it lacks, altered, copied from another key, or not
 * sealed although keys are set) is never treated as absent where that could lose it: `read` reports it, it is
 * logged once (error level, with its key and the key id it needs), and no write of this store replaces it.
 */
import type { UnreadableReason } from './secret-box.js';

export type StoreKind = 'memory' | 'redis' | 'redis-cluster';

/** A value the store holds but this replica cannot use, and what an operator can do about it (no secret in it). */
export interface UnreadableValue {
  /** The store key, without the namespace. */
  key: string;
  reason: UnreadableReason;
  /** The id of the key it is sealed with, when it is sealed. */
  keyId?: string;
  /** What is wrong and what to do, naming the variable or command. */
  message: string;
}

/** What `read` found under a key. */
export type StoreRead<T> =
  | { status: 'found'; value: T }
  | { status: 'absent' }
  /** The store did not answer (Redis outage): nothing is known. */
  | { status: 'unavailable' }
  | { status: 'unreadable'; problem: UnreadableValue };

/** What `reseal` did. */
export interface ResealReport {
  /** Values looked at (locks and sets aside). */
  examined: number;
  /** Values sealed again with the sealing key: sealed with an older key, in format 1, or plaintext when allowed. */
  resealed: number;
  /** Plaintext values left as they were (reseal without `plaintext`). */
  plaintextLeft: number;
  /** Values that could not be opened, left as they were. */
  unreadable: Omit<UnreadableValue, 'message'>[];
}

export interface KvStore {
  readonly kind: StoreKind;
  /** False while Redis does not answer (reads are unavailable, writes are dropped). Always true for memory. */
  readonly healthy: boolean;
  /** When the current outage began (epoch ms); undefined while healthy. */
  readonly degradedSince?: number;
  /**
   * Resolves once the store knows whether Redis answers: its first connection made, refused or timed out (a few
   * seconds at most). Start-up waits for it, so a replica never serves from in-process copies only because its first
   * connection was still being made. None for the memory store.
   */
  firstVerdict?(): Promise<void>;
  /** What is stored under `key`: found, absent, unavailable (the store did not answer) or unreadable (and why). */
  read<T>(key: string): Promise<StoreRead<T>>;
  /** `read`, with anything but a value found as undefined. */
  get<T>(key: string): Promise<T | undefined>;
  /**
   * `get` of many keys in one round trip to the store (one MGET on a single Redis; on a cluster, whose keys live in
   * different slots, one GET per key sent together, which node-redis pipelines per node), answers in key order.
   * For caches read once per batch (the recording cache). A store without it is read with `get` per key.
   */
  getMany?<T>(keys: readonly string[]): Promise<(T | undefined)[]>;
  /**
   * Stores `value` under `key` (sealed and bound to the key), unless the value there now cannot be opened: a
   * replica never replaces what it could not read (the value is logged as unreadable instead). Dropped when the
   * store does not answer; callers that must know whether it was written use compareAndSet.
   */
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Replaces the value of `key` with `next` only if the value stored now equals `expected`, in one atomic
   * step; resolves whether it did. "Equals" means: what `get` would return now, compared as JSON (key order
   * does not matter); `expected` undefined means absent (an expired value counts as absent). A value that
   * cannot be opened equals nothing, so it is never replaced. With encryption the comparison is on the opened
   * value, so a value sealed under an older key, or sealed again with the same content, still matches. `ttlMs`
   * as for `set`. A store that cannot answer resolves false: nothing was replaced. For "write only if nobody
   * replaced what I read", such as a 401 invalidating exactly the token that failed and never a fresher one.
   */
  compareAndSet(key: string, expected: unknown, next: unknown, ttlMs?: number): Promise<boolean>;
  /**
   * Adds `member` to the set `key`, atomically with respect to every replica (Redis SADD): ids and other
   * non-secret names, stored as they are (a set is not sealed). Resolves whether the store took it.
   */
  addMember(key: string, member: string): Promise<boolean>;
  /** The members of the set `key` ([] when there is none); undefined when the store does not answer. */
  members(key: string): Promise<string[] | undefined>;
  /**
   * Takes a lease on `key` for `leaseMs` if nobody holds it. Returns a release function (compare-and-delete:
   * it only removes the lock if this owner still holds it) or undefined when someone else holds it.
   * When the store cannot answer, returns a no-op release: a degraded replica fetches on its own rather than wait.
   */
  tryLock(key: string, leaseMs: number): Promise<(() => Promise<void>) | undefined>;
  /**
   * Seals again, in place, every value of this namespace that opens but is not sealed as `set` would seal it now:
   * sealed with an older listed key, sealed in format 1 (not bound to its key), and — only with `plaintext` —
   * plain values written before encryption was enabled. Each value is replaced only if it is still the one read
   * (a concurrent write wins), keeping its expiry. The reseal command (src/app/reseal-command.ts) runs it.
   */
  reseal(opts: { plaintext: boolean }): Promise<ResealReport>;
  /** Resolves whether the backing store answers right now (for /readyz). */
  ping(): Promise<boolean>;
  /** Releases the locks this replica still holds, then disconnects. */
  close(): Promise<void>;
  onHealthChange?(listener: (healthy: boolean) => void): void;
}
