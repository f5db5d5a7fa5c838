/**
 * keyv over one Redis or a Redis Cluster (@keyv/redis), every value sealed by SecretBox. Redis failures never fail
 * a request: reads miss, writes are dropped, the store reports itself degraded, and a background probe brings it
 * back when Redis answers again.
 */
import { randomUUID } from 'node:crypto';
import { Keyv } from 'keyv';
import KeyvRedis, { createClient, createCluster } from '@keyv/redis';
import type { Logger } from '../observability/logger.js';
import { canonicalJson } from './canonical-json.js';
import type { KvStore, StoreKind } from './kv-store.js';
import type { SecretBox } from './secret-box.js';
import { NAMESPACE } from './namespace.js';

/** Compare-and-delete: release the lock only if we still own it (a lease that expired may belong to another replica). */
const RELEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * Compare-and-set on the stored string: KEYS[1] is set to ARGV[3] (with PX ARGV[4] unless empty) only if it
 * still holds exactly ARGV[2] (ARGV[1] = '1') or does not exist (ARGV[1] = '0'). The value comparison itself
 * happens in compareAndSet, which decrypted the string it read; this script makes sure nobody wrote in between.
 */
const CAS_SCRIPT = `local cur = redis.call('get', KEYS[1])
if ARGV[1] == '1' then
  if cur ~= ARGV[2] then return 0 end
elseif cur then
  return 0
end
if ARGV[4] == '' then redis.call('set', KEYS[1], ARGV[3]) else redis.call('set', KEYS[1], ARGV[3], 'PX', ARGV[4]) end
return 1`;

/** How often compareAndSet re-reads when the stored string changed under it but may still hold an equal value. */
const CAS_ATTEMPTS = 5;

/** The fallback of a guarded command: Redis did not answer. */
const DOWN = Symbol('down');

/** The few commands the store sends itself (keyv sends the rest); the same on a client and a cluster. */
interface LockCommands {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, opts: { NX: true; PX: number }): Promise<string | null>;
  eval(script: string, opts: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

type Target = { url: string } | { cluster: readonly string[] };

export class RedisKvStore implements KvStore {
  readonly kind: 'redis' | 'redis-cluster';
  private readonly keyv: Keyv<string>;
  /** keyv's Redis adapter: names the Redis key of a store key (compareAndSet writes keyv's layout itself). */
  private readonly adapter: KeyvRedis<string>;
  private readonly commands: LockCommands;
  private readonly connecting: Promise<unknown>;
  /** The one wait for the first connection (bounded by opTimeoutMs), shared by the first callers; then gone. */
  private firstConnection: Promise<unknown> | undefined;
  private stateReported = false;
  /** Answers whether every node answers PING (one node, or every master of the cluster). */
  private readonly pingAll: () => Promise<boolean>;
  /** Connects again when the client gave up (a cluster whose seed nodes were all down at start). */
  private readonly reopen: () => Promise<void>;
  private readonly disconnect: () => Promise<void>;
  private _healthy = false;
  private _degradedSince: number | undefined = Date.now();
  private readonly listeners: ((healthy: boolean) => void)[] = [];
  private closed = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
  /** Locks this replica holds (lock key → owner id), released on close so other replicas need not wait out the lease. */
  private readonly held = new Map<string, string>();
  private readonly opTimeoutMs: number;
  private readonly probeIntervalMs: number;

  constructor(
    target: Target,
    private readonly box: SecretBox,
    private readonly logger: Logger,
    tuning: { opTimeoutMs: number; probeIntervalMs: number },
    private readonly namespace = NAMESPACE,
  ) {
    this.opTimeoutMs = tuning.opTimeoutMs;
    this.probeIntervalMs = tuning.probeIntervalMs;
    // Fail commands at once while disconnected instead of queueing them behind an outage.
    const socket = { connectTimeout: 2000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000) };
    let connection: ConstructorParameters<typeof KeyvRedis>[0];
    if ('url' in target) {
      this.kind = 'redis';
      const client = createClient({ url: target.url, disableOfflineQueue: true, socket });
      client.on('error', (err: Error) => this.setHealthy(false, err));
      client.on('ready', () => this.setHealthy(true));
      client.on('end', () => this.setHealthy(false));
      this.connecting = client.connect().catch((err: unknown) => this.setHealthy(false, err));
      this.commands = client as unknown as LockCommands;
      this.pingAll = async () => (await client.ping()) === 'PONG';
      this.reopen = async () => {
        if (!client.isOpen) await client.connect();
      };
      this.disconnect = async () => {
        try {
          await client.close();
        } catch {
          client.destroy();
        }
      };
      connection = client;
    } else {
      this.kind = 'redis-cluster';
      const seed = new URL(target.cluster[0]!);
      const cluster = createCluster({
        rootNodes: target.cluster.map((url) => ({ url })),
        // Nodes discovered from the seeds (CLUSTER SLOTS) connect with the seeds' credentials and TLS.
        defaults: {
          username: seed.username ? decodeURIComponent(seed.username) : undefined,
          password: seed.password ? decodeURIComponent(seed.password) : undefined,
          disableOfflineQueue: true,
          socket: seed.protocol === 'rediss:' ? { ...socket, tls: true } : socket,
        },
      });
      cluster.on('error', (err: Error) => this.setHealthy(false, err));
      cluster.on('node-error', (err: Error) => this.setHealthy(false, err));
      this.connecting = cluster.connect().then(
        () => this.setHealthy(true),
        (err: unknown) => this.setHealthy(false, err),
      );
      this.commands = cluster as unknown as LockCommands;
      this.pingAll = async () => {
        if (!cluster.isOpen) return false;
        const answers = await Promise.all(cluster.masters.map(async (m) => (await cluster.nodeClient(m)).ping()));
        return answers.length > 0 && answers.every((a) => a === 'PONG');
      };
      this.reopen = async () => {
        if (!cluster.isOpen) await cluster.connect();
      };
      this.disconnect = async () => {
        try {
          await cluster.close();
        } catch {
          cluster.destroy();
        }
      };
      connection = cluster;
    }
    this.firstConnection = Promise.race([this.connecting, sleep(this.opTimeoutMs)]).then(() => (this.firstConnection = undefined));
    this.adapter = new KeyvRedis<string>(connection, { namespace, throwOnErrors: true, throwOnConnectError: false });
    this.keyv = new Keyv<string>({ store: this.adapter, namespace, useKeyPrefix: false, throwOnErrors: true });
    this.keyv.on('error', () => {
      /* surfaced through the per-call catch below; keyv would otherwise print to stderr */
    });
  }

  get healthy(): boolean {
    return this._healthy;
  }

  get degradedSince(): number | undefined {
    return this._degradedSince;
  }

  onHealthChange(listener: (healthy: boolean) => void): void {
    this.listeners.push(listener);
  }

  private setHealthy(h: boolean, err?: unknown): void {
    // The store starts out unhealthy; the first verdict (reachable or not) is always reported, so a replica
    // started while Redis is down says so at start-up instead of staying silent.
    if (this.closed || (h === this._healthy && this.stateReported)) {
      if (!h && !this.closed) this.startProbe();
      return;
    }
    this.stateReported = true;
    this._healthy = h;
    this._degradedSince = h ? undefined : Date.now();
    if (h) {
      this.stopProbe();
      this.logger.info({ store: this.kind }, 'Redis store is reachable; shared cache in use');
    } else {
      this.startProbe();
      this.logger.warn({ store: this.kind, err: errMessage(err) }, 'Redis store unreachable; running degraded on in-process copies');
    }
    for (const l of this.listeners) l(h);
  }

  /**
   * While degraded, checks every probeIntervalMs whether Redis answers again. The client reconnects on its own
   * (and a single client says so with 'ready'), but a command that timed out on a live socket, or a cluster
   * node that came back, gives no event: the probe is what notices.
   */
  private startProbe(): void {
    if (this.probeTimer || this.closed) return;
    this.probeTimer = setInterval(() => void this.probeOnce(), this.probeIntervalMs);
    this.probeTimer.unref();
  }

  private stopProbe(): void {
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }

  private async probeOnce(): Promise<void> {
    if (this.probing || this.closed) return;
    this.probing = true;
    try {
      const ok = await withTimeout(
        (async () => {
          await this.reopen();
          return this.pingAll();
        })(),
        Math.max(this.opTimeoutMs, 1000),
      );
      if (ok) this.setHealthy(true);
    } catch {
      /* still down; the next probe tries again */
    } finally {
      this.probing = false;
    }
  }

  /** Runs a Redis operation with a time limit; a failure to reach Redis marks the store degraded and yields `fallback`. */
  private async guard<T>(op: () => Promise<T>, fallback: T): Promise<T> {
    if (!this._healthy) {
      // Give the very first connection a moment instead of reporting a miss while it is being made; once that
      // moment has passed, a store that is down answers at once (a Redis down at start-up costs no latency).
      if (this.firstConnection) await this.firstConnection;
      if (!this._healthy) return fallback;
    }
    try {
      return await withTimeout(op(), this.opTimeoutMs);
    } catch (err) {
      // An error reply (wrong type, script error) comes from a Redis that answers: not an outage.
      if (!isErrorReply(err)) this.setHealthy(false, err);
      this.logger.warn({ store: this.kind, err: errMessage(err) }, 'Redis operation failed; using in-process copy');
      return fallback;
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
  /**
   * Reads the stored string, decrypts and compares it here (Redis cannot decrypt, and every seal uses a fresh
   * IV, so two sealings of one value never compare equal as strings), then swaps with CAS_SCRIPT only if the
   * string is still the one just read. When it is not, someone wrote in between: read again, since that write
   * may have stored an equal value.
   */
  async compareAndSet(key: string, expected: unknown, next: unknown, ttlMs?: number): Promise<boolean> {
    const redisKey = this.adapter.createKeyPrefix(key, this.namespace);
    const want = canonicalJson(expected);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const stored = await this.guard<string | null | typeof DOWN>(() => this.commands.get(redisKey), DOWN);
      if (stored === DOWN) return false;
      if (canonicalJson(await this.decode(stored)) !== want) return false;
      // Written exactly as keyv writes it ({"value": sealed, "expires": …}), so `get` reads it back.
      const replacement = await this.keyv.serialize!({ value: this.box.seal(next), expires: ttlMs ? Date.now() + ttlMs : undefined });
      const px = ttlMs ? String(Math.max(1, Math.ceil(ttlMs))) : '';
      const args = stored === null ? ['0', '', replacement, px] : ['1', stored, replacement, px];
      const swapped = await this.guard<unknown>(() => this.commands.eval(CAS_SCRIPT, { keys: [redisKey], arguments: args }), DOWN);
      if (swapped === DOWN) return false;
      if (Number(swapped) === 1) return true;
    }
    return false;
  }
  /** What `get` would make of a stored string: keyv's envelope (expiry included) unwrapped, then opened. */
  private async decode(stored: string | null): Promise<unknown> {
    if (stored === null) return undefined;
    let data: { value?: unknown; expires?: number | null } | undefined;
    try {
      data = await this.keyv.deserialize!<string>(stored);
    } catch {
      return undefined;
    }
    if (typeof data?.value !== 'string') return undefined;
    if (typeof data.expires === 'number' && Date.now() > data.expires) return undefined;
    return this.box.open(data.value);
  }
  async tryLock(key: string, leaseMs: number): Promise<(() => Promise<void>) | undefined> {
    // One key per lock, so on a cluster the SET and the release script both go to the node owning its slot.
    const lockKey = `${this.namespace}:lock:${key}`;
    const owner = randomUUID();
    const got = await this.guard(async () => (await this.commands.set(lockKey, owner, { NX: true, PX: leaseMs })) === 'OK', null);
    if (got === null) return async () => {}; // degraded: do not wait on a lock nobody can see
    if (!got) return undefined;
    this.held.set(lockKey, owner);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      if (this.held.get(lockKey) === owner) this.held.delete(lockKey);
      await this.release(lockKey, owner);
    };
  }
  private async release(lockKey: string, owner: string): Promise<void> {
    await this.guard(() => this.commands.eval(RELEASE_SCRIPT, { keys: [lockKey], arguments: [owner] }), 0);
  }
  async ping(): Promise<boolean> {
    if (!this._healthy) return false;
    return this.guard(() => this.pingAll(), false);
  }
  async close(): Promise<void> {
    if (this.closed) return;
    // Locks still held (a token request cut short by shutdown) are released so other replicas need not wait out the lease.
    const held = [...this.held];
    this.held.clear();
    await Promise.all(held.map(([lockKey, owner]) => this.release(lockKey, owner)));
    this.closed = true;
    this.stopProbe();
    await this.disconnect();
  }
}

function isErrorReply(err: unknown): boolean {
  for (let p: unknown = err && Object.getPrototypeOf(err); p && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
    if ((p as { constructor?: { name?: string } }).constructor?.name === 'ErrorReply') return true;
  }
  return false;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function errMessage(err: unknown): string | undefined {
  return err instanceof Error ? err.message : err === undefined ? undefined : String(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
