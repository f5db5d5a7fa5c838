/**
 * The part of a provider's resilience policy that keeps cxgraph within what the platform allows, fleet-wide
 * (resilience.ts puts it inside the retries, in front of the bulkhead, so every attempt — API calls and token
 * requests alike — passes it right before it is sent). One Throttle per provider (the account its variables configure)
 * and one per account of the accounts file (upstream-limits.ts makes them):
 *
 * - the shared 429 cool-down (cool-down.ts): while one runs, a request waits it out when it ends within
 *   CXGRAPH_RETRY_AFTER_CAP_SECONDS and the request's time limit, else fails PROVIDER_RATE_LIMITED with `retryAfter`,
 *   unsent; an answer 429 with Retry-After starts one, for every replica;
 * - the rate limit, when one applies (rate-limit.ts; upstream-limits.ts says which): a turn in the fleet's
 *   one-second window, waited for up to CXGRAPH_UPSTREAM_RATE_LIMIT_WAIT_MS (within the time limit), else
 *   PROVIDER_RATE_LIMITED, unsent.
 *
 * Metrics (docs/operating.md, "Metrics"), labelled by provider only (an account's throttle counts under its
 * provider: one series per platform, however many accounts): `cxgraph_upstream_throttle_wait_seconds{provider,reason}`
 * how long requests waited before being sent, `cxgraph_upstream_throttle_waiting{provider}` requests waiting for a
 * turn now, `cxgraph_upstream_throttle_refused_total{provider,reason}` requests answered PROVIDER_RATE_LIMITED unsent,
 * and `cxgraph_upstream_cool_downs_total{provider,origin}` cool-downs started by a 429 here or announced by another
 * replica.
 */
import { noop, type IDefaultPolicyContext, type IPolicy } from 'cockatiel';
import type { ProviderName } from '../../domain/provider-name.js';
import { CxError } from '../../errors/errors.js';
import { CoolDowns, currentScope, type CoolDownScope } from './cool-down.js';
import { systemTimerClock, type TimerClock } from './limits-clock.js';
import type { RateLimit } from './rate-limit.js';
import { markNotSent, retryAfterSeconds, timeLeft, type AttemptAnswer } from './resilience.js';
import type { ThrottleMetrics } from '../../observability/metrics.js';

export type ThrottleReason = 'rate_limit' | 'cool_down';

/** One provider's throttle: a cockatiel policy. */
export class Throttle implements IPolicy {
  declare readonly _altReturn: never;
  readonly onSuccess = noop.onSuccess;
  readonly onFailure = noop.onFailure;

  constructor(
    readonly provider: ProviderName,
    readonly coolDowns: CoolDowns,
    /** Replaced when the limit changes (an account's `rateLimit` edited in the accounts file); undefined: no limit. */
    public rateLimit: RateLimit | undefined,
    /** Longest wait for a cool-down to end: CXGRAPH_RETRY_AFTER_CAP_SECONDS, within the time limit. */
    private readonly coolDownMaxWaitMs: number,
    private readonly metrics?: ThrottleMetrics,
    private readonly clock: TimerClock = systemTimerClock,
  ) {}

  /** Requests waiting for a turn in this process now (the `cxgraph_upstream_throttle_waiting` gauge). */
  get waiting(): number {
    return this.rateLimit?.waiting ?? 0;
  }

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
      const rateLimit = this.rateLimit;
      if (rateLimit) {
        try {
          await rateLimit.acquire(timeLeft());
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
