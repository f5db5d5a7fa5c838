/**
 * The shared store behind the token manager and the PBX connections: keyv over memory or Redis
 * (@keyv/redis), every value sealed by SecretBox. Redis failures never fail a request: reads miss,
 * writes are dropped, the store reports itself degraded, and it recovers by itself when Redis answers.
 * Callers keep their own in-process copies for exactly that reason.
 */
import { randomUUID } from 'node:crypto';
import { Keyv } from 'keyv';
import KeyvRedis, { createClient, type RedisClientType } from '@keyv/redis';
import type { Logger } from '../observability/logger.js';
import { SecretBox } from './secret-box.js';

export interface KvStore {
  readonly kind: 'memory' | 'redis';
  /** False while Redis does not answer (reads miss, writes are dropped). Always true for memory. */
  readonly healthy: boolean;
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Takes a lease on `key` for `leaseMs` if nobody holds it. Returns a release function (compare-and-delete:
   * it only removes the lock if this owner still holds it) or undefined when someone else holds it.
   * When the store cannot answer, returns a no-op release: a degraded replica fetches on its own rather than wait.
   */
  tryLock(key: string, leaseMs: number): Promise<(() => Promise<void>) | undefined>;
  /** Resolves whether the backing store answers right now (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
  onHealthChange?(listener: (healthy: boolean) => void): void;
}

const NAMESPACE = 'cxgraph';

/** Compare-and-delete: release the lock only if we still own it (a lease that expired may belong to another replica). */
const RELEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export interface StoreOptions {
  redisUrl?: string;
  encryptionKeys: readonly Buffer[];
  logger: Logger;
  /** Per-operation time limit, so an unresponsive Redis cannot stall requests. */
  opTimeoutMs?: number;
  /** Key prefix (default `cxgraph`); tests use their own so they never see each other's keys. */
  namespace?: string;
}

export function createStore(opts: StoreOptions): KvStore {
  const box = new SecretBox(opts.encryptionKeys);
  const ns = opts.namespace ?? NAMESPACE;
  return opts.redisUrl ? new RedisKvStore(opts.redisUrl, box, opts.logger, opts.opTimeoutMs ?? 500, ns) : new MemoryKvStore(box, ns);
}

export class MemoryKvStore implements KvStore {
  readonly kind = 'memory' as const;
  readonly healthy = true;
  private readonly keyv: Keyv<string>;
  private readonly locks = new Map<string, { owner: string; until: number }>();

  constructor(
    private readonly box: SecretBox = new SecretBox([]),
    namespace = NAMESPACE,
  ) {
    this.keyv = new Keyv<string>({ namespace });
  }
  async get<T>(key: string): Promise<T | undefined> {
    const raw = await this.keyv.get(key);
    return raw === undefined ? undefined : this.box.open<T>(raw);
  }
  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    await this.keyv.set(key, this.box.seal(value), ttlMs);
  }
  async delete(key: string): Promise<void> {
    await this.keyv.delete(key);
  }
  async tryLock(key: string, leaseMs: number): Promise<(() => Promise<void>) | undefined> {
    const now = Date.now();
    const held = this.locks.get(key);
    if (held && held.until > now) return undefined;
    const owner = randomUUID();
    this.locks.set(key, { owner, until: now + leaseMs });
    return async () => {
      if (this.locks.get(key)?.owner === owner) this.locks.delete(key);
    };
  }
  async ping(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {}
}

export class RedisKvStore implements KvStore {
  readonly kind = 'redis' as const;
  private readonly client: RedisClientType;
  private readonly keyv: Keyv<string>;
  private readonly connecting: Promise<unknown>;
  private _healthy = false;
  private readonly listeners: ((healthy: boolean) => void)[] = [];
  private closed = false;

  constructor(
    url: string,
    private readonly box: SecretBox,
    private readonly logger: Logger,
    private readonly opTimeoutMs: number,
    private readonly namespace = NAMESPACE,
  ) {
    this.client = createClient({
      url,
      // Fail commands at once while disconnected instead of queueing them behind an outage.
      disableOfflineQueue: true,
      socket: { connectTimeout: 2000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000) },
    }) as RedisClientType;
    this.client.on('error', (err: Error) => this.setHealthy(false, err));
    this.client.on('ready', () => this.setHealthy(true));
    this.client.on('end', () => this.setHealthy(false));
    this.connecting = this.client.connect().catch((err: unknown) => this.setHealthy(false, err));
    const adapter = new KeyvRedis<string>(this.client, { namespace, throwOnErrors: true, throwOnConnectError: false });
    this.keyv = new Keyv<string>({ store: adapter, namespace, useKeyPrefix: false, throwOnErrors: true });
    this.keyv.on('error', () => {
      /* surfaced through the per-call catch below; keyv would otherwise print to stderr */
    });
  }

  get healthy(): boolean {
    return this._healthy;
  }

  onHealthChange(listener: (healthy: boolean) => void): void {
    this.listeners.push(listener);
  }

  private setHealthy(h: boolean, err?: unknown): void {
    if (h === this._healthy) return;
    this._healthy = h;
    if (h) this.logger.info({ store: 'redis' }, 'Redis store is reachable; shared cache in use');
    else if (!this.closed) this.logger.warn({ store: 'redis', err: errMessage(err) }, 'Redis store unreachable; running degraded on in-process copies');
    for (const l of this.listeners) l(h);
  }

  /** Runs a Redis operation with a time limit; any failure marks the store degraded and yields `fallback`. */
  private async guard<T>(op: () => Promise<T>, fallback: T): Promise<T> {
    if (!this._healthy) {
      // Give the very first connection a moment instead of reporting a miss while it is being made.
      await Promise.race([this.connecting, sleep(this.opTimeoutMs)]);
      if (!this._healthy) return fallback;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        op(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`Redis did not answer within ${this.opTimeoutMs} ms`)), this.opTimeoutMs);
        }),
      ]);
    } catch (err) {
      this.logger.warn({ store: 'redis', err: errMessage(err) }, 'Redis operation failed; using in-process copy');
      return fallback;
    } finally {
      clearTimeout(timer);
    }
  }

  async get<T>(key: string): Promise<T | undefined> {
    const raw = await this.guard(() => this.keyv.get(key), undefined);
    return raw === undefined || raw === null ? undefined : this.box.open<T>(raw);
  }
  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    const sealed = this.box.seal(value);
    await this.guard(() => this.keyv.set(key, sealed, ttlMs), false);
  }
  async delete(key: string): Promise<void> {
    await this.guard(() => this.keyv.delete(key), false);
  }
  async tryLock(key: string, leaseMs: number): Promise<(() => Promise<void>) | undefined> {
    const lockKey = `${this.namespace}:lock:${key}`;
    const owner = randomUUID();
    const got = await this.guard(async () => (await this.client.set(lockKey, owner, { NX: true, PX: leaseMs })) === 'OK', null);
    if (got === null) return async () => {}; // degraded: do not wait on a lock nobody can see
    if (!got) return undefined;
    return async () => {
      await this.guard(() => this.client.eval(RELEASE_SCRIPT, { keys: [lockKey], arguments: [owner] }), 0);
    };
  }
  async ping(): Promise<boolean> {
    return this.guard(async () => (await this.client.ping()) === 'PONG', false);
  }
  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.client.close();
    } catch {
      this.client.destroy();
    }
  }
}

function errMessage(err: unknown): string | undefined {
  return err instanceof Error ? err.message : err === undefined ? undefined : String(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
