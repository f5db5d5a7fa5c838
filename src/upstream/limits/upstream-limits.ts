/**
 * Every throttle (throttle.ts) of this process, made on first use, over one FleetRedis when there is a shared Redis:
 * one per provider (the account its variables configure) and one per account of the accounts file
 * (docs/tenancy.md). Each throttle has a key of its own — `PROVIDER`, or `PROVIDER@tenant/account` for a file account —
 * and everything it keeps in Redis is under that key (`<prefix>:ratelimit:<key>`, `<prefix>:cooldowns:<key>`), so two
 * accounts, or two tenants' accounts of the same name, never share a budget or a cool-down.
 *
 * The rate limit of an account, first found of (docs/configuration.md, CXGRAPH_UPSTREAM_RATE_LIMITS):
 * 1. its own `rateLimit` in the accounts file;
 * 2. `PROVIDER@tenant/account:N` in CXGRAPH_UPSTREAM_RATE_LIMITS (`PROVIDER@default/default` is the variables' account);
 * 3. `PROVIDER:N`, counted for each account on its own: a platform limits a credential, and one budget shared by
 *    every account of a provider would let one tenant's traffic starve another's.
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ProviderName } from '../../domain/provider-name.js';
import { CxError } from '../../errors/errors.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics, ThrottleMetrics } from '../../observability/metrics.js';
import type { RedisTarget } from '../../config/redis-target.js';
import { CoolDowns, DEFAULT_COOL_DOWN_MAX_SECONDS, type CoolDownView } from './cool-down.js';
import { FleetRedis } from './fleet-redis.js';
import { systemTimerClock, type TimerClock } from './limits-clock.js';
import { FleetWindow, LocalWindow, PROCESS_WINDOW_GUARD_MS, RateLimit, WINDOW_MS } from './rate-limit.js';
import { DEFAULT_REDIS_MAX_RTT_MS, HEARTBEAT_MS, RedisLatency, REPLICA_TTL_MS } from './redis-latency.js';
import { markNotSent } from './resilience.js';
import { Throttle } from './throttle.js';

export interface UpstreamLimitsOptions {
  /** CXGRAPH_UPSTREAM_RATE_LIMITS: requests per second by `PROVIDER` or `PROVIDER@tenant/account`. */
  rateLimits: Readonly<Record<string, number>>;
  /** CXGRAPH_UPSTREAM_RATE_LIMIT_WAIT_MS, already bounded by the request's time limit. */
  rateLimitWaitMs: number;
  /** CXGRAPH_RETRY_AFTER_CAP_SECONDS in ms, already bounded by the request's time limit. */
  coolDownMaxWaitMs: number;
  /** CXGRAPH_COOL_DOWN_MAX_SECONDS: the longest a 429 holds a scope back, whatever its Retry-After (default 60). */
  coolDownMaxSeconds?: number;
  /** How long a probe's claim holds (a replica that died probing): the time limit of one attempt and a margin. */
  probeLeaseMs?: number;
  /** CXGRAPH_RATE_LIMIT_REDIS_MAX_RTT_MS: past this round trip to Redis, rate limits are counted per process (default 200). */
  redisMaxRttMs?: number;
  /** The shared Redis (REDIS_URL / REDIS_CLUSTER_NODES) and CXGRAPH_REDIS_PREFIX; none: this process only. */
  shared?: { target: RedisTarget; prefix: string };
  logger: Logger;
  /** The server's metrics (observability/metrics.ts): the throttle's counters and gauges are declared there. */
  metrics?: Metrics;
  clock?: TimerClock;
}

/** An account of the accounts file, as its throttle knows it: its names, and its own `rateLimit` when the file gives one. */
export interface LimitedAccount {
  tenant: string;
  account: string;
  rateLimit?: number;
}

/** The limit a throttle counts, and where it comes from (messages, /readyz). */
export interface LimitSource {
  perSecond: number;
  from: 'CXGRAPH_ACCOUNTS_FILE' | 'CXGRAPH_UPSTREAM_RATE_LIMITS';
  /** The entry of CXGRAPH_UPSTREAM_RATE_LIMITS: `PROVIDER` (each account its own budget of N) or `PROVIDER@tenant/account`. */
  entry?: string;
}

/** The key of a throttle: `PROVIDER`, or `PROVIDER@tenant/account` (names never hold `@`, `/` or a space: NAME_PATTERN). */
export function throttleKey(provider: string, account?: Pick<LimitedAccount, 'tenant' | 'account'>): string {
  return account ? `${provider}@${account.tenant}/${account.account}` : provider;
}

/** The variables' account, as CXGRAPH_UPSTREAM_RATE_LIMITS may name it. */
const VARIABLES_ACCOUNT = { tenant: 'default', account: 'default' };

export class UpstreamLimits {
  private readonly redis: FleetRedis | undefined;
  private readonly throttles = new Map<string, Throttle>();
  private readonly sources = new Map<string, LimitSource | undefined>();
  /** Each key's window in this process (its own without Redis, its share's while Redis is slow or away). */
  private readonly windows = new Map<string, LocalWindow>();
  private readonly metrics: ThrottleMetrics | undefined;
  private readonly clock: TimerClock;
  latency: RedisLatency | undefined;
  /** Replicas seen in Redis within REPLICA_TTL_MS, this one included (1 until the first heartbeat answers). */
  private replicasSeen = 1;
  private readonly replicaId = randomUUID();
  private stopHeartbeat: (() => void) | undefined;
  private loopDelay: ReturnType<typeof monitorEventLoopDelay> | undefined;
  private closed = false;
  private readonly unwatch: (() => void) | undefined;

  constructor(private readonly opts: UpstreamLimitsOptions) {
    this.clock = opts.clock ?? systemTimerClock;
    this.redis = opts.shared ? new FleetRedis({ target: opts.shared.target, prefix: opts.shared.prefix, logger: opts.logger }) : undefined;
    this.metrics = opts.metrics?.throttle;
    this.unwatch = opts.metrics?.watchLimits(this);
    this.redis?.onCoolDown((key, scope, ms) => this.throttles.get(key)?.coolDowns.learnt(scope, ms));
    this.redis?.onLift((key, scope) => this.throttles.get(key)?.coolDowns.liftedElsewhere(scope));
    this.redis?.onResync(() => {
      for (const key of this.throttles.keys()) void this.readBack(key);
    });
    const limits = Object.entries(opts.rateLimits);
    if (limits.length) {
      const list = limits.map(([p, n]) => `${p} ${n}/s`).join(', ');
      if (this.redis)
        opts.logger.info({ upstreamRateLimits: opts.rateLimits, scope: 'fleet' }, `upstream rate limits across every replica on this Redis: ${list}`);
      else {
        opts.logger.warn(
          { upstreamRateLimits: opts.rateLimits, scope: 'process' },
          `upstream rate limits apply per process (no REDIS_URL or REDIS_CLUSTER_NODES): ${list} for this replica alone, so N replicas may send N times that`,
        );
      }
      this.startHeartbeat();
    }
  }

  /** This process's share of a fleet budget of `n` per second while it counts alone: n ÷ replicas seen, at least 1. */
  share(n: number): number {
    return Math.max(1, Math.floor(n / Math.max(1, this.replicasSeen)));
  }

  get replicas(): number {
    return this.replicasSeen;
  }

  /**
   * With fleet-wide rate limits (from the variable at start, or an account's when it is first built): a heartbeat that
   * counts the replicas and times Redis's round trips. One per process, however many limits.
   */
  private startHeartbeat(): void {
    if (!this.redis || this.latency || this.closed) return;
    const maxRttMs = this.opts.redisMaxRttMs ?? DEFAULT_REDIS_MAX_RTT_MS;
    const log = this.opts.logger;
    this.latency = new RedisLatency({
      maxRttMs,
      clock: this.clock,
      onChange: (slow, rttMs) => {
        if (slow) {
          const limited = [...this.throttles].filter(([, t]) => t.rateLimit);
          const shares = limited
            .slice(0, 5)
            .map(([key, t]) => `${key} ${this.share(t.rateLimit!.limit)}/s of ${t.rateLimit!.limit}`)
            .join(', ');
          log.warn(
            { redisRttMs: Math.round(rttMs), maxRttMs, replicasSeen: this.replicasSeen, scope: 'process' },
            `Redis round trips take ${Math.round(rttMs)} ms, over CXGRAPH_RATE_LIMIT_REDIS_MAX_RTT_MS (${maxRttMs}): upstream rate limits are counted per process until they are back within it, each replica its share (${shares}${limited.length > 5 ? `, … ${limited.length} limits in all` : ''}; ${this.replicasSeen} replica(s) seen)`,
          );
        } else {
          log.info(
            { redisRttMs: Math.round(rttMs), maxRttMs, scope: 'fleet' },
            `Redis round trips are back within CXGRAPH_RATE_LIMIT_REDIS_MAX_RTT_MS (${maxRttMs}): upstream rate limits are counted across every replica again`,
          );
        }
      },
    });
    this.loopDelay = monitorEventLoopDelay({ resolution: 10 });
    this.loopDelay.enable();
    this.heartbeat();
  }

  /** One heartbeat, then the next HEARTBEAT_MS after it answered. */
  private heartbeat(): void {
    if (this.closed || !this.redis) return;
    const h = this.loopDelay;
    h?.reset();
    const sent = performance.now();
    void this.redis.heartbeat(this.replicaId, REPLICA_TTL_MS).then((n) => {
      if (this.closed) return;
      if (n !== undefined) {
        if (n >= 1) this.replicasSeen = n;
        const rtt = performance.now() - sent;
        // The event loop's own delay meanwhile is this process being busy, not Redis being slow.
        const lag = h && h.count > 0 ? h.max / 1e6 : 0;
        this.latency?.record(Math.max(0, rtt - lag));
      }
      this.stopHeartbeat = this.clock.setTimer(() => this.heartbeat(), HEARTBEAT_MS);
    });
  }

  /** The limit of `provider`'s variables' account, or of one file account (the order is in the comment on top). */
  limitOf(provider: string, account?: LimitedAccount): LimitSource | undefined {
    if (account?.rateLimit !== undefined) return { perSecond: account.rateLimit, from: 'CXGRAPH_ACCOUNTS_FILE' };
    const entry = throttleKey(provider, account ?? VARIABLES_ACCOUNT);
    const own = this.opts.rateLimits[entry];
    if (own !== undefined) return { perSecond: own, from: 'CXGRAPH_UPSTREAM_RATE_LIMITS', entry };
    const all = this.opts.rateLimits[provider];
    return all === undefined ? undefined : { perSecond: all, from: 'CXGRAPH_UPSTREAM_RATE_LIMITS', entry: provider };
  }

  /**
   * The throttle of `provider` (its variables' account), or of one of its file accounts, to put into its resilience
   * policy. Asked again for an account whose limit changed (a reload), the same throttle — its cool-downs and its
   * window kept — counts the new limit from then on.
   */
  throttle(provider: ProviderName, account?: LimitedAccount): Throttle {
    const key = throttleKey(provider, account);
    const limit = this.limitOf(provider, account);
    let t = this.throttles.get(key);
    if (!t) {
      t = new Throttle(provider, this.coolDownsOf(provider, key, account), undefined, this.opts.coolDownMaxWaitMs, this.metrics, this.clock);
      this.throttles.set(key, t);
      void this.readBack(key);
    } else if (sameLimit(this.sources.get(key), limit)) return t;
    this.sources.set(key, limit);
    t.rateLimit = limit && this.rateLimitOf(provider, key, limit, account);
    if (limit) this.startHeartbeat();
    return t;
  }

  /** An account left the accounts file: its throttle goes (what Redis holds of it runs out by itself). */
  drop(provider: string, account: Pick<LimitedAccount, 'tenant' | 'account'>): void {
    const key = throttleKey(provider, account);
    this.throttles.delete(key);
    this.sources.delete(key);
    this.windows.delete(key);
  }

  private coolDownsOf(provider: ProviderName, key: string, account: LimitedAccount | undefined): CoolDowns {
    const m = this.metrics;
    const redis = this.redis;
    const log = this.opts.logger;
    const whose = account ? { tenant: account.tenant, account: account.account } : {};
    return new CoolDowns(key, {
      maxMs: (this.opts.coolDownMaxSeconds ?? DEFAULT_COOL_DOWN_MAX_SECONDS) * 1000,
      clock: this.clock,
      probeLeaseMs: this.opts.probeLeaseMs,
      share: redis && {
        announce: (p, k, ms) => void redis.announceCoolDown(p, k, ms),
        lift: (p, k) => void redis.liftCoolDown(p, k),
        claimProbe: (p, k, leaseMs) => redis.claimProbe(p, k, leaseMs),
        releaseProbe: (p, k) => void redis.releaseProbe(p, k),
      },
      onStart: (origin, ms, scope) => {
        m?.coolDowns.inc({ provider, origin });
        // `upstreamAccount`: the credential the cool-down holds back (a client id); `account`: the file account's name.
        const where = { provider, ...whose, host: scope.host, upstreamAccount: scope.account, coolDownMs: ms, origin };
        log.warn(
          where,
          origin === 'local'
            ? `platform answered 429: every replica holds back requests to ${scope.host || provider} for this account for ${Math.ceil(ms / 1000)} s, then one probe`
            : 'another replica was answered 429: holding back that host and account',
        );
      },
      onLift: (origin, scope) => {
        log.info(
          { provider, ...whose, host: scope.host, upstreamAccount: scope.account, origin },
          origin === 'local' ? 'probe answered: cool-down lifted for every replica' : 'another replica lifted a cool-down',
        );
      },
    });
  }

  private rateLimitOf(provider: ProviderName, key: string, limit: LimitSource, account: LimitedAccount | undefined): RateLimit {
    const m = this.metrics;
    const redis = this.redis;
    const n = limit.perSecond;
    // The window in this process is the key's, whatever its limit: one that changes (a reload) keeps the turns
    // already taken, as the platform does. Read at each turn, the limit is the key's current one.
    const current = () => this.sources.get(key)?.perSecond ?? n;
    // An injected clock counts the windows too, the fleet's included (tests); the system's is read monotonic.
    const localNow = this.opts.clock ? () => this.clock.now() : undefined;
    let local = this.windows.get(key);
    if (!local) {
      local = redis
        ? new LocalWindow(() => this.share(current()), WINDOW_MS + PROCESS_WINDOW_GUARD_MS, localNow)
        : new LocalWindow(current, undefined, localNow);
      this.windows.set(key, local);
    }
    // The fleet's window is in Redis under the key: the same one whatever this object.
    const source = redis ? new FleetWindow(redis, key, n, local, () => this.latency?.slow ?? false, localNow) : local;
    const who = account ? `${provider} account ${account.account}` : provider;
    const what =
      limit.from === 'CXGRAPH_ACCOUNTS_FILE'
        ? `its rateLimit in CXGRAPH_ACCOUNTS_FILE: ${n}`
        : limit.entry === provider
          ? `CXGRAPH_UPSTREAM_RATE_LIMITS: ${n}`
          : `CXGRAPH_UPSTREAM_RATE_LIMITS ${limit.entry}: ${n}`;
    const each = account && limit.entry === provider ? ` for each ${provider} account` : '';
    return new RateLimit(
      n,
      source,
      this.opts.rateLimitWaitMs,
      (retryAfter, waitedMs) =>
        markNotSent(
          new CxError(
            `${who} is at its rate limit (${what} requests per second${each}${source.scope === 'fleet' ? ' across every replica' : redis ? `, this replica's share ${this.share(n)} while Redis is slow or unreachable` : ' for this replica'}): no turn within ${waitedMs} ms, the request was not sent. Try again in ${retryAfter} s`,
            { code: 'PROVIDER_RATE_LIMITED', provider, retryAfter },
          ),
        ),
      m && {
        waited: (ms) => m.wait.observe({ provider, reason: 'rate_limit' }, ms / 1000),
        refused: () => m.refused.inc({ provider, reason: 'rate_limit' }),
      },
      this.clock,
    );
  }

  /** The running cool-downs of `provider`'s variables' account, or of one file account (`providers { coolDowns }`). */
  coolDowns(provider: string, account?: Pick<LimitedAccount, 'tenant' | 'account'>): CoolDownView[] {
    return this.throttles.get(throttleKey(provider, account))?.coolDowns.list() ?? [];
  }

  /** Cool-downs running (or waiting for their probe) per provider, its accounts' together, for the gauge. */
  coolDownCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const t of this.throttles.values()) out.set(t.provider, (out.get(t.provider) ?? 0) + t.coolDowns.list().length);
    return out;
  }

  /** Requests of this process waiting for a turn per provider, its accounts' together, for the gauge. */
  waitingCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const t of this.throttles.values()) if (t.rateLimit) out.set(t.provider, (out.get(t.provider) ?? 0) + t.waiting);
    return out;
  }

  /** Cool-downs announced before this replica listened (started, or reconnected) are read back from Redis. */
  private async readBack(key: string): Promise<void> {
    const left = await this.redis?.coolDownsLeft(key);
    if (left) for (const [scope, ms] of left) this.throttles.get(key)?.coolDowns.learnt(scope, ms);
  }

  /** What /readyz and the start-up summary say about the limits: where they are counted, and why. */
  describe(sharedReachable: boolean): Record<string, unknown> | undefined {
    const accountLimits = [...this.throttles.keys()].filter((k) => k.includes('@') && this.sources.get(k)).length;
    const d = describeUpstreamLimits(this.opts.rateLimits, this.redis !== undefined, sharedReachable, accountLimits);
    if (!d || !this.redis || !sharedReachable || !this.latency?.slow) return d;
    const maxRttMs = this.opts.redisMaxRttMs ?? DEFAULT_REDIS_MAX_RTT_MS;
    return {
      ...d,
      scope: 'process',
      replicasSeen: this.replicasSeen,
      perSecondHere: Object.fromEntries(Object.entries(this.opts.rateLimits).map(([p, n]) => [p, this.share(n)])),
      redisRttMs: Math.round(this.latency.lastRttMs ?? 0),
      note: `Redis round trips are over CXGRAPH_RATE_LIMIT_REDIS_MAX_RTT_MS (${maxRttMs} ms): counted per replica, each its share of the budget (divided by the ${this.replicasSeen} replica(s) seen), until they are back within it`,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopHeartbeat?.();
    this.loopDelay?.disable();
    this.unwatch?.();
    await this.redis?.close();
  }
}

function sameLimit(a: LimitSource | undefined, b: LimitSource | undefined): boolean {
  return a?.perSecond === b?.perSecond && a?.from === b?.from && a?.entry === b?.entry;
}

/**
 * What /readyz and the start-up summary say about the limits: where they are counted. `accountLimits`: built file
 * accounts counting a limit of their own (each account's is in /readyz `accounts`).
 */
export function describeUpstreamLimits(
  rateLimits: Readonly<Record<string, number>>,
  shared: boolean,
  sharedReachable: boolean,
  accountLimits = 0,
): Record<string, unknown> | undefined {
  if (!Object.keys(rateLimits).length && !accountLimits) return undefined;
  return {
    perSecond: rateLimits,
    ...(accountLimits ? { accountsLimited: accountLimits } : {}),
    scope: shared && sharedReachable ? 'fleet' : 'process',
    ...(shared
      ? sharedReachable
        ? {}
        : { note: 'Redis does not answer: counted per replica (each its share of the budget) until it does' }
      : { note: 'no shared Redis: counted per replica, N replicas may send N times the limit' }),
  };
}
