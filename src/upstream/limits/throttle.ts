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
import { noop, type IDefaultPolicyContext, type IPolicy } from 'cockatiel';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ProviderName } from '../../domain/provider-name.js';
import { CxError } from '../../errors/errors.js';
import type { Logger } from '../../observability/logger.js';
import { CoolDown } from './cool-down.js';
import type { RedisTarget } from '../../config/redis-target.js';
import { FleetRedis } from './fleet-redis.js';
import { FleetWindow, LocalWindow, RateLimit } from './rate-limit.js';
import { markNotSent, retryAfterSeconds, timeLeft, type AttemptAnswer } from './resilience.js';

export type ThrottleReason = 'rate_limit' | 'cool_down';

/** One provider's throttle: a cockatiel policy. */
export class Throttle implements IPolicy {
  declare readonly _altReturn: never;
  readonly onSuccess = noop.onSuccess;
  readonly onFailure = noop.onFailure;

  constructor(
    readonly provider: ProviderName,
    readonly coolDown: CoolDown,
    readonly rateLimit: RateLimit | undefined,
    /** Longest wait for a cool-down to end: CXGRAPH_RETRY_AFTER_CAP_SECONDS, within the time limit. */
    private readonly coolDownMaxWaitMs: number,
    private readonly metrics?: ThrottleMetrics,
  ) {}

  execute<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal: AbortSignal = NEVER): Promise<T> {
    // The common case costs one comparison: no limit for this provider, no cool-down running.
    if (this.rateLimit === undefined && this.coolDown.remainingMs() <= 0) return this.send(fn, signal);
    return this.throttled(fn, signal);
  }

  private async throttled<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal: AbortSignal): Promise<T> {
    for (;;) {
      // Both waits are bounded by the request's time left too (resilience.ts timeLeft; none outside a request).
      await this.waitOutCoolDown();
      if (this.rateLimit) await this.rateLimit.acquire(timeLeft());
      // A cool-down that began while this request waited for its turn: wait it out too, then take a new turn.
      if (this.coolDown.remainingMs() <= 0) break;
    }
    return this.send(fn, signal);
  }

  private async send<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal: AbortSignal): Promise<T> {
    const answer = await fn({ signal });
    const a = answer as Partial<AttemptAnswer> | undefined;
    if (a?.status === 429 && a.headers) {
      const seconds = retryAfterSeconds(a.headers.get('retry-after'));
      if (seconds !== undefined && seconds > 0) this.coolDown.started(seconds);
    }
    return answer;
  }

  private async waitOutCoolDown(): Promise<void> {
    const started = Date.now();
    for (let left = this.coolDown.remainingMs(); left > 0; left = this.coolDown.remainingMs()) {
      if (Date.now() - started + left > Math.min(this.coolDownMaxWaitMs, timeLeft())) {
        this.metrics?.refused.inc({ provider: this.provider, reason: 'cool_down' });
        const seconds = Math.max(1, Math.ceil(left / 1000));
        throw markNotSent(
          new CxError(`${this.provider} answered 429 and asked for a pause: every cxgraph replica holds back its requests for ${seconds} s more; this one was not sent. Try again in ${seconds} s`, {
            code: 'PROVIDER_RATE_LIMITED',
            provider: this.provider,
            retryAfter: seconds,
          }),
        );
      }
      await new Promise((r) => setTimeout(r, left));
    }
    const waited = Date.now() - started;
    if (waited > 0) this.metrics?.wait.observe({ provider: this.provider, reason: 'cool_down' }, waited / 1000);
  }
}

const NEVER = new AbortController().signal;

/** The throttle metrics, registered once per registry. */
export interface ThrottleMetrics {
  wait: Histogram<'provider' | 'reason'>;
  waiting: Gauge<'provider'>;
  refused: Counter<'provider' | 'reason'>;
  coolDowns: Counter<'provider' | 'origin'>;
}

export function throttleMetrics(registry: Registry): ThrottleMetrics {
  const once = <M>(name: string, make: () => M): M => (registry.getSingleMetric(name) as M | undefined) ?? make();
  return {
    wait: once(
      'cxgraph_upstream_throttle_wait_seconds',
      () =>
        new Histogram({
          name: 'cxgraph_upstream_throttle_wait_seconds',
          help: 'How long upstream requests waited before being sent: for a turn within CXGRAPH_UPSTREAM_RATE_LIMITS (rate_limit) or for a shared 429 cool-down to end (cool_down). Requests that did not wait are not counted.',
          labelNames: ['provider', 'reason'] as const,
          buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
          registers: [registry],
        }),
    ),
    waiting: once(
      'cxgraph_upstream_throttle_waiting',
      () =>
        new Gauge({
          name: 'cxgraph_upstream_throttle_waiting',
          help: 'Upstream requests of this replica waiting for a turn within CXGRAPH_UPSTREAM_RATE_LIMITS now.',
          labelNames: ['provider'] as const,
          registers: [registry],
        }),
    ),
    refused: once(
      'cxgraph_upstream_throttle_refused_total',
      () =>
        new Counter({
          name: 'cxgraph_upstream_throttle_refused_total',
          help: 'Upstream requests answered PROVIDER_RATE_LIMITED without being sent: no turn within CXGRAPH_UPSTREAM_RATE_LIMIT_WAIT_MS (rate_limit), or a 429 cool-down longer than the wait allowed (cool_down).',
          labelNames: ['provider', 'reason'] as const,
          registers: [registry],
        }),
    ),
    coolDowns: once(
      'cxgraph_upstream_cool_downs_total',
      () =>
        new Counter({
          name: 'cxgraph_upstream_cool_downs_total',
          help: 'Cool-downs of a provider after a 429 with Retry-After: started by an answer to this replica (local) or announced by another replica (shared).',
          labelNames: ['provider', 'origin'] as const,
          registers: [registry],
        }),
    ),
  };
}

export interface UpstreamLimitsOptions {
  /** CXGRAPH_UPSTREAM_RATE_LIMITS: requests per second by provider. */
  rateLimits: Readonly<Record<string, number>>;
  /** CXGRAPH_UPSTREAM_RATE_LIMIT_WAIT_MS, already bounded by the request's time limit. */
  rateLimitWaitMs: number;
  /** CXGRAPH_RETRY_AFTER_CAP_SECONDS in ms, already bounded by the request's time limit. */
  coolDownMaxWaitMs: number;
  /** The shared Redis (REDIS_URL / REDIS_CLUSTER_NODES) and CXGRAPH_REDIS_PREFIX; none: this process only. */
  shared?: { target: RedisTarget; prefix: string };
  logger: Logger;
  registry?: Registry;
}

/** Every provider's throttle, made on first use, over one FleetRedis when there is a shared Redis. */
export class UpstreamLimits {
  private readonly redis: FleetRedis | undefined;
  private readonly throttles = new Map<string, Throttle>();
  private readonly metrics: ThrottleMetrics | undefined;

  constructor(private readonly opts: UpstreamLimitsOptions) {
    this.redis = opts.shared ? new FleetRedis({ target: opts.shared.target, prefix: opts.shared.prefix, logger: opts.logger }) : undefined;
    this.metrics = opts.registry ? throttleMetrics(opts.registry) : undefined;
    this.redis?.onCoolDown((provider, ms) => this.throttles.get(provider)?.coolDown.learnt(ms));
    this.redis?.onResync(() => {
      for (const provider of this.throttles.keys()) void this.readBack(provider);
    });
    const limits = Object.entries(opts.rateLimits);
    if (limits.length) {
      const list = limits.map(([p, n]) => `${p} ${n}/s`).join(', ');
      if (this.redis) opts.logger.info({ upstreamRateLimits: opts.rateLimits, scope: 'fleet' }, `upstream rate limits across every replica on this Redis: ${list}`);
      else {
        opts.logger.warn(
          { upstreamRateLimits: opts.rateLimits, scope: 'process' },
          `upstream rate limits apply per process (no REDIS_URL or REDIS_CLUSTER_NODES): ${list} for this replica alone, so N replicas may send N times that`,
        );
      }
    }
  }

  /** The throttle of `provider`, to put into its resilience policy. */
  throttle(provider: ProviderName): Throttle {
    let t = this.throttles.get(provider);
    if (t) return t;
    const m = this.metrics;
    const coolDown = new CoolDown(
      provider,
      this.redis ? (ms) => void this.redis!.announceCoolDown(provider, ms) : undefined,
      (origin, ms) => {
        m?.coolDowns.inc({ provider, origin });
        this.opts.logger.warn({ provider, coolDownMs: ms, origin }, origin === 'local' ? 'platform answered 429: holding back every replica until its Retry-After' : 'another replica was answered 429: holding back');
      },
    );
    const limit = this.opts.rateLimits[provider];
    let rateLimit: RateLimit | undefined;
    if (limit) {
      const local = new LocalWindow(limit);
      const source = this.redis ? new FleetWindow(this.redis, provider, limit, local) : local;
      rateLimit = new RateLimit(
        limit,
        source,
        this.opts.rateLimitWaitMs,
        (retryAfter, waitedMs) =>
          markNotSent(
            new CxError(
              `${provider} is at its rate limit (CXGRAPH_UPSTREAM_RATE_LIMITS: ${limit} requests per second${source.scope === 'fleet' ? ' across every replica' : ' for this replica'}): no turn within ${waitedMs} ms, the request was not sent. Try again in ${retryAfter} s`,
              { code: 'PROVIDER_RATE_LIMITED', provider, retryAfter },
            ),
          ),
        m && {
          waited: (ms) => m.wait.observe({ provider, reason: 'rate_limit' }, ms / 1000),
          refused: () => m.refused.inc({ provider, reason: 'rate_limit' }),
          queued: (n) => m.waiting.set({ provider }, n),
        },
      );
    }
    t = new Throttle(provider, coolDown, rateLimit, this.opts.coolDownMaxWaitMs, m);
    this.throttles.set(provider, t);
    void this.readBack(provider);
    return t;
  }

  /** A cool-down announced before this replica listened (started, or reconnected) is read back from its key. */
  private async readBack(provider: string): Promise<void> {
    const left = await this.redis?.coolDownLeft(provider);
    if (left) this.throttles.get(provider)?.coolDown.learnt(left);
  }

  async close(): Promise<void> {
    await this.redis?.close();
  }
}

/** What /readyz and the start-up summary say about the limits: where they are counted. */
export function describeUpstreamLimits(rateLimits: Readonly<Record<string, number>>, shared: boolean, sharedReachable: boolean): Record<string, unknown> | undefined {
  if (!Object.keys(rateLimits).length) return undefined;
  return {
    perSecond: rateLimits,
    scope: shared && sharedReachable ? 'fleet' : 'process',
    ...(shared ? (sharedReachable ? {} : { note: 'Redis does not answer: counted per replica until it does' }) : { note: 'no shared Redis: counted per replica, N replicas may send N times the limit' }),
  };
}
