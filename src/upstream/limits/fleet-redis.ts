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
import type { Logger } from '../../observability/logger.js';

import type { RedisTarget } from '../../config/redis-target.js';
import { createRedisClient } from '../../store/redis-client.js';

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
 * The cool-downs of one provider live in one hash (KEYS[1]), a field per scope (cool-down.ts scopeKey) holding when it
 * ends in Redis's own clock (TIME, ms), and a field `probe|<scope>` while a replica probes it. One key per provider,
 * so every script stays on one node of a cluster; PUBLISH reaches every node's subscribers.
 */
const NOW = `local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function keep(ms) if redis.call('pttl', KEYS[1]) < ms then redis.call('pexpire', KEYS[1], ms) end end
`;

/** Starts (or lengthens, never shortens) a cool-down: ARGV[1] scope, ARGV[2] ms, ARGV[3] message, ARGV[4] channel. */
const COOL_DOWN_SCRIPT = `${NOW}local ms = tonumber(ARGV[2])
local cur = tonumber(redis.call('hget', KEYS[1], ARGV[1]) or '0')
if cur < now + ms then redis.call('hset', KEYS[1], ARGV[1], now + ms) end
redis.call('hdel', KEYS[1], 'probe|' .. ARGV[1])
keep(ms)
redis.call('publish', ARGV[4], ARGV[3])
return 1`;

/** Lifts a cool-down (its probe succeeded): ARGV[1] scope, ARGV[2] message, ARGV[3] channel. */
const LIFT_SCRIPT = `redis.call('hdel', KEYS[1], ARGV[1], 'probe|' .. ARGV[1])
redis.call('publish', ARGV[3], ARGV[2])
return 1`;

/** Claims the scope's one probe for ARGV[2] ms unless another replica holds an unexpired claim: 1 claimed, 0 not. */
const PROBE_SCRIPT = `${NOW}local held = tonumber(redis.call('hget', KEYS[1], 'probe|' .. ARGV[1]) or '0')
if held > now then return 0 end
redis.call('hset', KEYS[1], 'probe|' .. ARGV[1], now + tonumber(ARGV[2]))
keep(tonumber(ARGV[2]))
return 1`;

/** The running cool-downs: scope, ms left, scope, ms left… */
const LIST_SCRIPT = `${NOW}local all = redis.call('hgetall', KEYS[1])
local out = {}
for i = 1, #all, 2 do
  local left = tonumber(all[i + 1]) - now
  if string.sub(all[i], 1, 6) ~= 'probe|' and left > 0 then table.insert(out, all[i]); table.insert(out, tostring(left)) end
end
return out`;

/**
 * The replicas of the fleet (rate-limit.ts divides a budget by them when it counts per process): a sorted set of
 * replica ids scored by their last heartbeat (Redis's clock); ARGV[1] this id, ARGV[2] how long a replica counts
 * without a heartbeat. Answers how many replicas were seen within that time, this one included.
 */
const HEARTBEAT_SCRIPT = `${NOW}redis.call('zadd', KEYS[1], now, ARGV[1])
redis.call('zremrangebyscore', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('pexpire', KEYS[1], tonumber(ARGV[2]))
return redis.call('zcard', KEYS[1])`;

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
  private readonly listeners: ((provider: string, scope: string, ms: number) => void)[] = [];
  private readonly lifts: ((provider: string, scope: string) => void)[] = [];
  private readonly resyncs: (() => void)[] = [];
  /** The first connect resolved (slots known, for a cluster); reconnections after it are isReady's. */
  private connected = false;

  constructor(private readonly opts: FleetRedisOptions) {
    this.opTimeoutMs = opts.opTimeoutMs ?? 500;
    this.retryMs = opts.retryMs ?? 1000;
    this.channel = `${opts.prefix}:cooldown`;
    // The one Redis client factory (src/store/redis-client.ts); the subscriber is a second connection to the same target.
    const opened = createRedisClient(opts.target);
    this.kind = opened.kind;
    const client = opened.client as unknown as Commands;
    const subscriber = opened.client.duplicate() as unknown as Commands;
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
      // 'ready' comes before connect() resolves: the connection is up, so the read-back below may run now.
      this.connected = true;
      this.failedAt = 0;
      resync();
    });
    // A cluster client has no isReady: until its first connect resolves it does not know the slots, and a command sent
    // then fails — which would read as "Redis does not answer" at every start. Nothing is sent before that.
    client.connect().then(
      () => {
        // A cluster client says 'ready' for none of this: read back what was announced before it was up.
        const first = !this.connected;
        this.connected = true;
        if (first) resync();
      },
      (err: unknown) => this.failed(err),
    );
    subscriber
      .connect()
      .then(() =>
        subscriber.subscribe(this.channel, (message) => {
          // `start <provider> <ms> <scope>` or `lift <provider> <scope>`.
          const [kind, provider, a, b] = message.split(' ');
          if (!provider) return;
          if (kind === 'lift' && a !== undefined) for (const l of this.lifts) l(provider, a);
          const n = Number(a);
          if (kind === 'start' && b !== undefined && Number.isFinite(n) && n > 0) for (const l of this.listeners) l(provider, b, n);
        }),
      )
      .catch((err: unknown) => this.failed(err));
  }

  /** True unless a command failed within the last `retryMs` (or the connection is not up yet). */
  get usable(): boolean {
    return !this.closed && this.connected && (this.commands.isReady ?? true) && Date.now() - this.failedAt >= this.retryMs;
  }

  /** Every cool-down another replica (or this one) announced: provider, scope, and for how many ms from now. */
  onCoolDown(listener: (provider: string, scope: string, ms: number) => void): void {
    this.listeners.push(listener);
  }

  /** Every cool-down lifted by a probe, here or elsewhere: provider, scope. */
  onLift(listener: (provider: string, scope: string) => void): void {
    this.lifts.push(listener);
  }

  /** Called whenever the subscription is (re)established, to read back cool-downs announced while it was not. */
  onResync(listener: () => void): void {
    this.resyncs.push(listener);
  }

  /** Announces a cool-down of `provider`'s `scope` to every replica; resolves whether Redis took it. */
  async announceCoolDown(provider: string, scope: string, ms: number): Promise<boolean> {
    const n = Math.ceil(ms);
    const ok = await this.run(() =>
      this.commands.eval(COOL_DOWN_SCRIPT, {
        keys: [this.coolDownKey(provider)],
        arguments: [scope, String(n), `start ${provider} ${n} ${scope}`, this.channel],
      }),
    );
    return ok !== undefined;
  }

  /** Lifts `provider`'s `scope` cool-down for every replica. */
  async liftCoolDown(provider: string, scope: string): Promise<boolean> {
    const ok = await this.run(() =>
      this.commands.eval(LIFT_SCRIPT, { keys: [this.coolDownKey(provider)], arguments: [scope, `lift ${provider} ${scope}`, this.channel] }),
    );
    return ok !== undefined;
  }

  /** Claims the fleet's one probe of a cool-down that ended; undefined when Redis does not answer. */
  async claimProbe(provider: string, scope: string, leaseMs: number): Promise<boolean | undefined> {
    const r = await this.run(() => this.commands.eval(PROBE_SCRIPT, { keys: [this.coolDownKey(provider)], arguments: [scope, String(Math.ceil(leaseMs))] }));
    return r === undefined ? undefined : Number(r) === 1;
  }

  async releaseProbe(provider: string, scope: string): Promise<void> {
    await this.run(() =>
      this.commands.eval(`return redis.call('hdel', KEYS[1], 'probe|' .. ARGV[1])`, { keys: [this.coolDownKey(provider)], arguments: [scope] }),
    );
  }

  /** `provider`'s running cool-downs (scope → ms left), or undefined when Redis does not answer. */
  async coolDownsLeft(provider: string): Promise<Map<string, number> | undefined> {
    const r = await this.run(() => this.commands.eval(LIST_SCRIPT, { keys: [this.coolDownKey(provider)], arguments: [] }));
    if (!Array.isArray(r)) return undefined;
    const out = new Map<string, number>();
    for (let i = 0; i + 1 < r.length; i += 2) out.set(String(r[i]), Number(r[i + 1]));
    return out;
  }

  /** Records this replica as alive for `ttlMs`; how many replicas were seen within it, or undefined when Redis does not answer. */
  async heartbeat(replicaId: string, ttlMs: number): Promise<number | undefined> {
    const r = await this.run(() => this.commands.eval(HEARTBEAT_SCRIPT, { keys: [`${this.opts.prefix}:replicas`], arguments: [replicaId, String(ttlMs)] }));
    return r === undefined ? undefined : Number(r);
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
      this.opts.logger.warn(
        { err: err instanceof Error ? err.message : err === undefined ? undefined : String(err) },
        'Redis does not answer: upstream rate limits and cool-downs apply per replica until it does',
      );
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
    return `${this.opts.prefix}:cooldowns:${provider}`;
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
