/**
 * The part of a provider's resilience policy that keeps cxgraph within what the platform allows, fleet-wide
 * (resilience.ts puts it inside the retries, in front of the bulkhead, so every attempt — API calls and token
 * requests alike — passes it right before it is sent):
 *
 * - the shared 429 cool-down (cool-down.ts): while one runs, a request waits it out when it ends within
 *   CXGRAPH_RETRY_AFTER_CAP_SECONDS and the request's time limit, else fails PROVIDER_RATE_LIMITED with `retryAfter`,
 *   unsent; an answer 429 with Retry-After starts one, for every replica;
 * - the provider's rate limit, when CXGRAPH_UPSTREAM_RATE_LIMITS gives it one (rate-limit.ts): a turn in the fleet's
 *   one-second window, waited for up to CXGRAPH_UPSTREAM_RATE_LIMIT_WAIT_MS (within the time limit), else
 *   PROVIDER_RATE_LIMITED, unsent.
 *
 * Metrics (docs/operating.md, "Metrics"): `cxgraph_upstream_throttle_wait_seconds{provider,reason}` how long requests waited
 * before being sent, `cxgraph_upstream_throttle_waiting{provider}` requests waiting for a turn now,
 * `cxgraph_upstream_throttle_refused_total{provider,reason}` requests answered PROVIDER_RATE_LIMITED unsent, and
 * `cxgraph_upstream_cool_downs_total{provider,origin}` cool-downs started by a 429 here or announced by another replica.
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { noop, type IDefaultPolicyContext, type IPolicy } from 'cockatiel';
import type { ProviderName } from '../../domain/provider-name.js';
import { CxError } from '../../errors/errors.js';
import type { Logger } from '../../observability/logger.js';
import { CoolDowns, currentScope, DEFAULT_COOL_DOWN_MAX_SECONDS, type CoolDownScope, type CoolDownView } from './cool-down.js';
import type { RedisTarget } from '../../config/redis-target.js';
import { FleetRedis } from './fleet-redis.js';
import { systemTimerClock, type TimerClock } from './limits-clock.js';
import { FleetWindow, LocalWindow, PROCESS_WINDOW_GUARD_MS, RateLimit, WINDOW_MS } from './rate-limit.js';
import { DEFAULT_REDIS_MAX_RTT_MS, HEARTBEAT_MS, RedisLatency, REPLICA_TTL_MS } from './redis-latency.js';
import { markNotSent, retryAfterSeconds, timeLeft, type AttemptAnswer } from './resilience.js';
import type { Metrics, ThrottleMetrics } from '../../observability/metrics.js';

export type ThrottleReason = 'rate_limit' | 'cool_down';

/** One provider's throttle: a cockatiel policy. */
export class Throttle implements IPolicy {
  declare readonly _altReturn: never;
  readonly onSuccess = noop.onSuccess;
  readonly onFailure = noop.onFailure;

  constructor(
    readonly provider: ProviderName,
    readonly coolDowns: CoolDowns,
    readonly rateLimit: RateLimit | undefined,
    /** Longest wait for a cool-down to end: CXGRAPH_RETRY_AFTER_CAP_SECONDS, within the time limit. */
    private readonly coolDownMaxWaitMs: number,
    private readonly metrics?: ThrottleMetrics,
    private readonly clock: TimerClock = systemTimerClock,
  ) {}

  execute<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal: AbortSignal = NEVER): Promise<T> {
    // The common case costs two checks: no limit for this provider, no cool-down of any of its scopes.
    if (this.rateLimit === undefined && this.coolDowns.idle) return this.send(fn, signal, this.scope(), false);
    return this.throttled(fn, signal);
  }

  /** The request's scope (upstream-client.ts sets it); a request sent outside one counts as the provider's. */
  private scope(): CoolDownScope {
    return currentScope() ?? { provider: this.provider, host: '', account: '' };
  }

  private async throttled<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal: AbortSignal): Promise<T> {
    const scope = this.scope();
    const started = this.clock.now();
    let probe = false;
    let coolingMs = 0;
    for (;;) {
      // Both waits are bounded by the request's time left too (resilience.ts timeLeft; none outside a request).
      const t0 = this.clock.now();
      probe = await this.waitOutCoolDown(scope, started);
      coolingMs += this.clock.now() - t0;
      if (this.rateLimit) {
        try {
          await this.rateLimit.acquire(timeLeft());
        } catch (e) {
          if (probe) this.coolDowns.probeFailed(scope);
          throw e;
        }
      }
      // A cool-down that began while this request waited for its turn: wait it out too, then take a new turn.
      if (probe || this.coolDowns.phase(scope).kind === 'clear') break;
    }
    if (coolingMs > 0) this.metrics?.wait.observe({ provider: this.provider, reason: 'cool_down' }, coolingMs / 1000);
    return this.send(fn, signal, scope, probe);
  }

  private async send<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal: AbortSignal, scope: CoolDownScope, probe: boolean): Promise<T> {
    let answer: T;
    try {
      answer = await fn({ signal });
    } catch (e) {
      if (probe) this.coolDowns.probeFailed(scope);
      throw e;
    }
    const a = answer as Partial<AttemptAnswer> | undefined;
    if (a?.status === 429 && a.headers) {
      const seconds = retryAfterSeconds(a.headers.get('retry-after'));
      if (seconds !== undefined && seconds > 0) this.coolDowns.started(scope, seconds);
      // A probe answered 429 without saying for how long: the cool-down starts again, as long as allowed.
      else if (probe) this.coolDowns.started(scope, this.coolDowns.maxMs / 1000);
    } else if (probe) {
      this.coolDowns.probeSucceeded(scope);
    }
    return answer;
  }

  /**
   * Waits while the scope cools down, then for the probe's answer; true when this request is the probe. Refused
   * (PROVIDER_RATE_LIMITED, unsent) when the wait would outlast CXGRAPH_RETRY_AFTER_CAP_SECONDS or the time left.
   */
  private async waitOutCoolDown(scope: CoolDownScope, started: number): Promise<boolean> {
    for (;;) {
      const phase = this.coolDowns.phase(scope);
      if (phase.kind === 'clear') return false;
      const budget = Math.min(this.coolDownMaxWaitMs, timeLeft()) - (this.clock.now() - started);
      if (phase.kind === 'cooling') {
        if (phase.leftMs > budget) throw this.refusal(phase.leftMs);
        await this.coolDowns.changed(scope, phase.leftMs);
        continue;
      }
      if (await this.coolDowns.claimProbe(scope)) return true;
      // Another request probes: its answer lifts the cool-down or starts it again. Asked again now and then, in
      // case the prober went away (its claim in Redis runs out).
      if (budget <= 0) throw this.refusal(1000);
      await this.coolDowns.changed(scope, Math.min(budget, PROBE_RECHECK_MS));
    }
  }

  private refusal(leftMs: number): CxError {
    this.metrics?.refused.inc({ provider: this.provider, reason: 'cool_down' });
    const seconds = Math.max(1, Math.ceil(leftMs / 1000));
    return markNotSent(
      new CxError(
        `${this.provider} answered 429 and asked for a pause: every cxgraph replica holds back its requests to that host and account for ${seconds} s more; this one was not sent. Try again in ${seconds} s`,
        {
          code: 'PROVIDER_RATE_LIMITED',
          provider: this.provider,
          retryAfter: seconds,
        },
      ),
    );
  }
}

/** While another request probes, how often a waiting one looks whether the probe went away. */
const PROBE_RECHECK_MS = 250;

const NEVER = new AbortController().signal;

export interface UpstreamLimitsOptions {
  /** CXGRAPH_UPSTREAM_RATE_LIMITS: requests per second by provider. */
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

/** Every provider's throttle, made on first use, over one FleetRedis when there is a shared Redis. */
export class UpstreamLimits {
  private readonly redis: FleetRedis | undefined;
  private readonly throttles = new Map<string, Throttle>();
  private readonly metrics: ThrottleMetrics | undefined;
  private readonly clock: TimerClock;
  readonly latency: RedisLatency | undefined;
  /** Replicas seen in Redis within REPLICA_TTL_MS, this one included (1 until the first heartbeat answers). */
  private replicasSeen = 1;
  private readonly replicaId = randomUUID();
  private stopHeartbeat: (() => void) | undefined;
  private readonly loopDelay: ReturnType<typeof monitorEventLoopDelay> | undefined;
  private closed = false;
  private readonly unwatch: (() => void) | undefined;

  constructor(private readonly opts: UpstreamLimitsOptions) {
    this.clock = opts.clock ?? systemTimerClock;
    this.redis = opts.shared ? new FleetRedis({ target: opts.shared.target, prefix: opts.shared.prefix, logger: opts.logger }) : undefined;
    this.metrics = opts.metrics?.throttle;
    this.unwatch = opts.metrics?.watchLimits(this);
    this.redis?.onCoolDown((provider, scope, ms) => this.throttles.get(provider)?.coolDowns.learnt(scope, ms));
    this.redis?.onLift((provider, scope) => this.throttles.get(provider)?.coolDowns.liftedElsewhere(scope));
    this.redis?.onResync(() => {
      for (const provider of this.throttles.keys()) void this.readBack(provider);
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
    }
    // With fleet-wide rate limits: a heartbeat that counts the replicas and times Redis's round trips.
    if (this.redis && limits.length) {
      const maxRttMs = opts.redisMaxRttMs ?? DEFAULT_REDIS_MAX_RTT_MS;
      this.latency = new RedisLatency({
        maxRttMs,
        clock: this.clock,
        onChange: (slow, rttMs) => {
          const shares = limits.map(([p, n]) => `${p} ${this.share(n)}/s of ${n}`).join(', ');
          if (slow) {
            opts.logger.warn(
              { redisRttMs: Math.round(rttMs), maxRttMs, replicasSeen: this.replicasSeen, scope: 'process' },
              `Redis round trips take ${Math.round(rttMs)} ms, over CXGRAPH_RATE_LIMIT_REDIS_MAX_RTT_MS (${maxRttMs}): upstream rate limits are counted per process until they are back within it, each replica its share (${shares}; ${this.replicasSeen} replica(s) seen)`,
            );
          } else {
            opts.logger.info(
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
  }

  /** This process's share of a fleet budget of `n` per second while it counts alone: n ÷ replicas seen, at least 1. */
  share(n: number): number {
    return Math.max(1, Math.floor(n / Math.max(1, this.replicasSeen)));
  }

  get replicas(): number {
    return this.replicasSeen;
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

  /** The throttle of `provider`, to put into its resilience policy. */
  throttle(provider: ProviderName): Throttle {
    let t = this.throttles.get(provider);
    if (t) return t;
    const m = this.metrics;
    const redis = this.redis;
    const coolDowns = new CoolDowns(provider, {
      maxMs: (this.opts.coolDownMaxSeconds ?? DEFAULT_COOL_DOWN_MAX_SECONDS) * 1000,
      clock: this.clock,
      probeLeaseMs: this.opts.probeLeaseMs,
      share: redis && {
        announce: (p, key, ms) => void redis.announceCoolDown(p, key, ms),
        lift: (p, key) => void redis.liftCoolDown(p, key),
        claimProbe: (p, key, leaseMs) => redis.claimProbe(p, key, leaseMs),
        releaseProbe: (p, key) => void redis.releaseProbe(p, key),
      },
      onStart: (origin, ms, scope) => {
        m?.coolDowns.inc({ provider, origin });
        const where = { provider, host: scope.host, account: scope.account, coolDownMs: ms, origin };
        this.opts.logger.warn(
          where,
          origin === 'local'
            ? `platform answered 429: every replica holds back requests to ${scope.host || provider} for this account for ${Math.ceil(ms / 1000)} s, then one probe`
            : 'another replica was answered 429: holding back that host and account',
        );
      },
      onLift: (origin, scope) => {
        this.opts.logger.info(
          { provider, host: scope.host, account: scope.account, origin },
          origin === 'local' ? 'probe answered: cool-down lifted for every replica' : 'another replica lifted a cool-down',
        );
      },
    });
    const limit = this.opts.rateLimits[provider];
    // An injected clock counts the windows too, the fleet's included (tests); the system's is read monotonic.
    const localNow = this.opts.clock ? () => this.clock.now() : undefined;
    let rateLimit: RateLimit | undefined;
    if (limit) {
      const source = redis
        ? new FleetWindow(
            redis,
            provider,
            limit,
            new LocalWindow(() => this.share(limit), WINDOW_MS + PROCESS_WINDOW_GUARD_MS, localNow),
            () => this.latency?.slow ?? false,
            localNow,
          )
        : new LocalWindow(limit, undefined, localNow);
      rateLimit = new RateLimit(
        limit,
        source,
        this.opts.rateLimitWaitMs,
        (retryAfter, waitedMs) =>
          markNotSent(
            new CxError(
              `${provider} is at its rate limit (CXGRAPH_UPSTREAM_RATE_LIMITS: ${limit} requests per second${source.scope === 'fleet' ? ' across every replica' : redis ? `, this replica's share ${this.share(limit)} while Redis is slow or unreachable` : ' for this replica'}): no turn within ${waitedMs} ms, the request was not sent. Try again in ${retryAfter} s`,
              { code: 'PROVIDER_RATE_LIMITED', provider, retryAfter },
            ),
          ),
        m && {
          waited: (ms) => m.wait.observe({ provider, reason: 'rate_limit' }, ms / 1000),
          refused: () => m.refused.inc({ provider, reason: 'rate_limit' }),
          queued: (n) => m.waiting.set({ provider }, n),
        },
        this.clock,
      );
    }
    t = new Throttle(provider, coolDowns, rateLimit, this.opts.coolDownMaxWaitMs, m, this.clock);
    this.throttles.set(provider, t);
    void this.readBack(provider);
    return t;
  }

  /** The running cool-downs of `provider` (`providers { coolDowns }`). */
  coolDowns(provider: string): CoolDownView[] {
    return this.throttles.get(provider)?.coolDowns.list() ?? [];
  }

  /** Cool-downs running (or waiting for their probe) per provider, for the gauge. */
  coolDownCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [p, t] of this.throttles) out.set(p, t.coolDowns.list().length);
    return out;
  }

  /** Cool-downs announced before this replica listened (started, or reconnected) are read back from Redis. */
  private async readBack(provider: string): Promise<void> {
    const left = await this.redis?.coolDownsLeft(provider);
    if (left) for (const [scope, ms] of left) this.throttles.get(provider)?.coolDowns.learnt(scope, ms);
  }

  /** What /readyz and the start-up summary say about the limits: where they are counted, and why. */
  describe(sharedReachable: boolean): Record<string, unknown> | undefined {
    const d = describeUpstreamLimits(this.opts.rateLimits, this.redis !== undefined, sharedReachable);
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

/** What /readyz and the start-up summary say about the limits: where they are counted. */
export function describeUpstreamLimits(
  rateLimits: Readonly<Record<string, number>>,
  shared: boolean,
  sharedReachable: boolean,
): Record<string, unknown> | undefined {
  if (!Object.keys(rateLimits).length) return undefined;
  return {
    perSecond: rateLimits,
    scope: shared && sharedReachable ? 'fleet' : 'process',
    ...(shared
      ? sharedReachable
        ? {}
        : { note: 'Redis does not answer: counted per replica (each its share of the budget) until it does' }
      : { note: 'no shared Redis: counted per replica, N replicas may send N times the limit' }),
  };
}
