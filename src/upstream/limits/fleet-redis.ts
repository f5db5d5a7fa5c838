/**
 * The Redis that upstream rate limits and 429 cool-downs are shared through (the store's Redis or Redis Cluster,
 * keys under CXGRAPH_REDIS_PREFIX): one connection for commands (rate-limiter-flexible's scripts, the cool-down keys)
 * and one subscribed to the cool-down channel, so a 429 seen by one replica reaches the others at once instead of at
 * their next request. Its own connections, not the store's: a request's turn must never wait behind the store's
 * writes, and the subscriber cannot send commands.
 *
 * Nothing here fails a request: a command that fails or takes longer than `opTimeoutMs` reports "not shared" and the
 * caller falls back to what this process knows, until Redis answers again (checked at most every `retryMs`).
 */
import { createClient, createCluster } from '@keyv/redis';
import type { Logger } from '../../observability/logger.js';

import type { RedisTarget } from '../../config/redis-target.js';


export interface FleetRedisOptions {
  target: RedisTarget;
  /** CXGRAPH_REDIS_PREFIX. */
  prefix: string;
  logger: Logger;
  /** Longest a command may take before this process decides alone (default 500 ms, as the store's). */
  opTimeoutMs?: number;
  /** How long after a failure commands are not tried again (default 1 s). */
  retryMs?: number;
}

/** The commands used here; the same on a client and on a cluster. */
interface Commands {
  eval(script: string, opts: { keys: string[]; arguments: string[] }): Promise<unknown>;
  pTTL(key: string): Promise<number>;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  connect(): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  readonly isReady?: boolean;
}

/**
 * Starts (or lengthens, never shortens) a cool-down: KEYS[1] lives ARGV[1] ms unless it already lives longer, and
 * ARGV[2] (`<provider> <ms>`) is published on KEYS[2]'s channel. One round trip; PUBLISH reaches every node of a cluster.
 */
const COOL_DOWN_SCRIPT = `local left = redis.call('pttl', KEYS[1])
if left < tonumber(ARGV[1]) then redis.call('set', KEYS[1], '1', 'PX', ARGV[1]) end
redis.call('publish', ARGV[3], ARGV[2])
return 1`;

export class FleetRedis {
  /** The client rate-limiter-flexible's RateLimiterRedis sends its script through (node-redis, `useRedisPackage`). */
  readonly client: unknown;
  readonly kind: 'redis' | 'redis-cluster';
  private readonly commands: Commands;
  private readonly subscriber: Commands;
  private readonly opTimeoutMs: number;
  private readonly retryMs: number;
  private readonly channel: string;
  private failedAt = 0;
  private closed = false;
  private readonly listeners: ((provider: string, ms: number) => void)[] = [];
  private readonly resyncs: (() => void)[] = [];

  constructor(private readonly opts: FleetRedisOptions) {
    this.opTimeoutMs = opts.opTimeoutMs ?? 500;
    this.retryMs = opts.retryMs ?? 1000;
    this.channel = `${opts.prefix}:cooldown`;
    const socket = { connectTimeout: 2000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000) };
    let client: Commands;
    let subscriber: Commands;
    if ('url' in opts.target) {
      this.kind = 'redis';
      const c = createClient({ url: opts.target.url, disableOfflineQueue: true, socket });
      client = c as unknown as Commands;
      subscriber = c.duplicate() as unknown as Commands;
    } else {
      this.kind = 'redis-cluster';
      const seed = new URL(opts.target.cluster[0]!);
      const c = createCluster({
        rootNodes: opts.target.cluster.map((url) => ({ url })),
        defaults: {
          username: seed.username ? decodeURIComponent(seed.username) : undefined,
          password: seed.password ? decodeURIComponent(seed.password) : undefined,
          disableOfflineQueue: true,
          socket: seed.protocol === 'rediss:' ? { ...socket, tls: true } : socket,
        },
      });
      client = c as unknown as Commands;
      subscriber = c.duplicate() as unknown as Commands;
    }
    this.client = client;
    this.commands = client;
    this.subscriber = subscriber;
    // Errors are reported by the commands that meet them; an 'error' event without a listener would end the process.
    client.on('error', () => {});
    subscriber.on('error', () => {});
    // After a (re)connection the subscription is renewed by node-redis; cool-downs announced meanwhile are read back
    // once both connections are up (each 'ready' asks; the read needs the command connection).
    const resync = () => {
      if (this.commands.isReady !== false) for (const r of this.resyncs) r();
    };
    subscriber.on('ready', resync);
    client.on('ready', () => {
      this.failedAt = 0;
      resync();
    });
    client.connect().catch((err: unknown) => this.failed(err));
    subscriber
      .connect()
      .then(() =>
        subscriber.subscribe(this.channel, (message) => {
          const [provider, ms] = message.split(' ');
          const n = Number(ms);
          if (provider && Number.isFinite(n) && n > 0) for (const l of this.listeners) l(provider, n);
        }),
      )
      .catch((err: unknown) => this.failed(err));
  }

  /** True unless a command failed within the last `retryMs` (or the connection is not up yet). */
  get usable(): boolean {
    return !this.closed && (this.commands.isReady ?? true) && Date.now() - this.failedAt >= this.retryMs;
  }

  /** Every cool-down another replica (or this one) announced: provider, and for how many ms from now. */
  onCoolDown(listener: (provider: string, ms: number) => void): void {
    this.listeners.push(listener);
  }

  /** Called whenever the subscription is (re)established, to read back cool-downs announced while it was not. */
  onResync(listener: () => void): void {
    this.resyncs.push(listener);
  }

  /** Announces a cool-down of `provider` to every replica; resolves whether Redis took it. */
  async announceCoolDown(provider: string, ms: number): Promise<boolean> {
    const ok = await this.run(() =>
      this.commands.eval(COOL_DOWN_SCRIPT, { keys: [this.coolDownKey(provider)], arguments: [String(Math.ceil(ms)), `${provider} ${Math.ceil(ms)}`, this.channel] }),
    );
    return ok !== undefined;
  }

  /** Milliseconds left of `provider`'s shared cool-down (0: none), or undefined when Redis does not answer. */
  async coolDownLeft(provider: string): Promise<number | undefined> {
    const left = await this.run(() => this.commands.pTTL(this.coolDownKey(provider)));
    return left === undefined ? undefined : Math.max(0, Number(left));
  }

  /** The key of `provider`'s rate-limit window (rate-limiter-flexible's keyPrefix). */
  rateLimitPrefix(): string {
    return `${this.opts.prefix}:ratelimit`;
  }

  /** Marks Redis as not answering (a command of rate-limiter-flexible failed): this process decides alone for a while. */
  failed(err?: unknown): void {
    const first = Date.now() - this.failedAt >= this.retryMs;
    this.failedAt = Date.now();
    if (first && !this.closed) {
      this.opts.logger.warn({ err: err instanceof Error ? err.message : err === undefined ? undefined : String(err) }, 'Redis does not answer: upstream rate limits and cool-downs apply per replica until it does');
    }
  }

  /** Runs a command within the time limit; undefined (and "not usable" for a while) when it fails. */
  async run<T>(op: () => Promise<T>): Promise<T | undefined> {
    if (!this.usable) return undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        op(),
        new Promise<never>((_, reject) => {
          // Decided after the event loop's I/O phase: an answer that arrived while the loop was busy elsewhere is
          // read before the timer may call Redis slow (timers run first in a loop iteration).
          timer = setTimeout(() => setImmediate(() => reject(new Error(`Redis did not answer within ${this.opTimeoutMs} ms`))), this.opTimeoutMs);
        }),
      ]);
    } catch (err) {
      this.failed(err);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The time limit of one command, for callers that run their own (rate-limiter-flexible). */
  get timeoutMs(): number {
    return this.opTimeoutMs;
  }

  private coolDownKey(provider: string): string {
    return `${this.opts.prefix}:cooldown:${provider}`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      [this.subscriber, this.commands].map(async (c) => {
        try {
          await c.close();
        } catch {
          try {
            c.destroy();
          } catch {
            /* never connected */
          }
        }
      }),
    );
  }
}
