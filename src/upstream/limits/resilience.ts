/**
 * One resilience policy per provider, built from cockatiel (https://github.com/connor4312/cockatiel, README in
 * node_modules/cockatiel): every request to a provider's platform — API calls and token requests alike — goes
 * through the same circuit breaker and the same bulkhead.
 *
 *   wrap(breaker, rateLimitWait, faultRetry, throttle, bulkhead, timeLimit)   requests that are safe to send again
 *   wrap(breaker, throttle, bulkhead, timeLimit)                               the others (Sangoma places phone calls)
 *
 * - The breaker is outermost, so it counts one outcome per request — after its retries — as the hand-written breaker
 *   did: CXGRAPH_BREAKER_FAILURES failed *requests*, not attempts, open it. It opens after N consecutive failures
 *   each within CXGRAPH_BREAKER_WINDOW_MS of the previous one (ConsecutiveInWindow below; cockatiel's
 *   ConsecutiveBreaker has no window), fails fast while open, and after CXGRAPH_BREAKER_COOLDOWN_MS lets one probe
 *   through. Only "the platform is unreachable or failing" is a failure (connection errors, timeouts, 500/502/503/504);
 *   a 4xx, a 429 or a refused credential proves the platform answers. https://martinfowler.com/bliki/CircuitBreaker.html
 * - While the probe is in flight, cockatiel would make the other callers wait for its verdict; they fail fast
 *   instead (checked before entering the breaker), as they do while it is open. A probe that our own bulkhead refuses
 *   never reached the platform: the next request is the probe (cockatiel has no "abandon": see coolDown below).
 * - rateLimitWait: a 429 whose Retry-After is within `retryAfterCapSeconds` is waited out once, on the limits' clock
 *   (retry-after-wait.ts); faultRetry: 5xx and connection errors are retried `maxRetries` times with jittered
 *   exponential backoff. Both only for idempotent requests; a 429 wait is not one of the fault retries (after it they
 *   start over).
 * - The throttle (throttle.ts: CXGRAPH_UPSTREAM_RATE_LIMITS and the shared 429 cool-down) is passed by every
 *   attempt before it takes a slot; what it refuses is PROVIDER_RATE_LIMITED, unsent, and never retried here.
 * - The bulkhead is inside the retries, so a slot is not held through a backoff or a Retry-After wait; the wait for
 *   a slot is bounded by the request time limit (cockatiel's queue has no time bound: BoundedBulkhead below).
 * - The time limit (cockatiel's TimeoutPolicy) covers one attempt, from sending to the end of the body (streamed
 *   downloads: to the headers). Its cost against the hand-kept timer it replaced is in bench/README.md.
 *
 * - The request's deadline (src/observability/deadline.ts, from the request context) bounds all of it: its signal is the
 *   policies' parent signal (no retry after it fires, the attempt in flight is aborted), a Retry-After or a slot is
 *   waited for only within the time left, and what fails once it has passed is PROVIDER_UNAVAILABLE `timedOut`. An
 *   attempt the deadline cut is a failure for the breaker like a time limit (a hung platform must open it); a request
 *   whose time is already up is refused unsent, uncounted.
 *
 * Refusals by the breaker or the bulkhead happen before anything is sent: they are PROVIDER_UNAVAILABLE CxErrors for
 * which wasNotSent() is true (Sangoma tells "no call placed" from "a call may have been placed" by it).
 */
import {
  BulkheadPolicy,
  CircuitState,
  DelegateBackoff,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  retry,
  timeout,
  TimeoutStrategy,
  wrap,
  type CircuitBreakerPolicy,
  type IBreaker,
  type ICancellationContext,
  type IDefaultPolicyContext,
  type IHalfOpenAfterBackoffContext,
  type IPolicy,
  type IRetryBackoffContext,
} from 'cockatiel';
import { CxError, isCxError } from '../../errors/errors.js';
import { markNotSent, wasNotSent } from '../../errors/not-sent.js';

export { markNotSent, wasNotSent };
import type { ProviderName } from '../../domain/provider-name.js';
import { currentDeadline } from '../../observability/request-context.js';
import { inScope, type CoolDownScope } from './cool-down.js';
import type { TimerClock } from './limits-clock.js';
import { RetryAfterWait } from './retry-after-wait.js';

export type CircuitStateName = 'closed' | 'open' | 'half-open';

export interface ResilienceOptions {
  /** Time limit of one attempt, ms; also the longest wait for a free slot (default 10 s). */
  timeoutMs?: number;
  /** Extra attempts for idempotent requests on 5xx / connection errors (default 2). */
  maxRetries?: number;
  /** Base of the exponential backoff between retries, ms (default 100). */
  backoffMs?: number;
  /** Longest Retry-After waited out once in-request before answering PROVIDER_RATE_LIMITED (default 5 s). */
  retryAfterCapSeconds?: number;
  /** Consecutive failed requests that open the circuit (default 5). */
  breakerFailures?: number;
  /** A failure further than this from the previous one starts a new count (default 30 s). */
  breakerWindowMs?: number;
  /** How long the circuit stays open before a probe is let through (default 10 s). */
  breakerCoolDownMs?: number;
  /** Requests in flight at most (default 32). */
  maxConcurrent?: number;
  /** Requests waiting for a slot at most; one more is refused (default 4096). */
  maxQueued?: number;
  /** 0..1 random source of the backoff jitter. */
  random?: () => number;
  /** Told of every change of the circuit, e.g. to set the `cxgraph_circuit_breaker_open` gauge and log. */
  onStateChange?: (state: CircuitStateName, provider: ProviderName) => void;
  /**
   * The fleet-wide rate limit and 429 cool-down of the provider (throttle.ts), passed by every attempt right before
   * the bulkhead: inside the retries, so each attempt takes its own turn; outside the slots, so a request waiting
   * for its turn holds none.
   */
  throttle?: IPolicy;
  /** The clock the Retry-After wait runs on: the limits' (limits-clock.ts; tests drive it), default the system's. */
  clock?: TimerClock;
}

/** What an attempt answers, as far as the policy looks at it. */
export interface AttemptAnswer {
  status: number;
  headers: Pick<Headers, 'get'>;
}

/** Handed to each attempt: the signal of its time limit, for fetch. */
export type AttemptContext = ICancellationContext;

/** Statuses that mean "the platform is failing": retried when safe, and failures for the breaker. */
export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([500, 502, 503, 504]);

/** PROVIDER_UNAVAILABLE raised by an attempt that was (or may have been) sent: a connection error or a timeout. */
function isOutage(e: unknown): boolean {
  return isCxError(e) && e.extensions.code === 'PROVIDER_UNAVAILABLE' && !wasNotSent(e);
}

function isOutageAnswer(r: unknown): boolean {
  return RETRYABLE_STATUS.has((r as AttemptAnswer).status);
}

/** What is left of the request's deadline, ms; unbounded outside a request (background work). */
export function timeLeft(): number {
  return currentDeadline()?.remainingMs() ?? Number.POSITIVE_INFINITY;
}

export function retryAfterSeconds(header: string | null): number | undefined {
  if (!header) return undefined;
  const n = Number(header);
  if (Number.isFinite(n) && n >= 0) return n;
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, Math.ceil((date - Date.now()) / 1000)) : undefined;
}

export class ResiliencePolicy {
  readonly breaker: CircuitBreakerPolicy;
  readonly bulkhead: BulkheadPolicy;
  private readonly idempotent: IPolicy;
  private readonly oneShot: IPolicy;
  private readonly threshold: number;
  private readonly coolDownMs: number;
  private openedAt = 0;
  /** Cool-down of the current opening: 0 after a probe that was refused unsent (the next request probes again). */
  private openFor = 0;

  constructor(
    readonly provider: ProviderName,
    opts: ResilienceOptions = {},
  ) {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const maxRetries = Math.max(0, opts.maxRetries ?? 2);
    const backoffMs = opts.backoffMs ?? 100;
    const cap = opts.retryAfterCapSeconds ?? 5;
    const random = opts.random ?? Math.random;
    this.threshold = Math.max(1, opts.breakerFailures ?? 5);
    this.coolDownMs = opts.breakerCoolDownMs ?? 10_000;

    // A probe refused by our own bulkhead never reached the platform: cockatiel has no "abandon", so it is taken
    // as a failed probe whose cool-down is 0 — the next request is the probe. Every other failure waits the cool-down.
    const coolDown = new DelegateBackoff<IHalfOpenAfterBackoffContext>((ctx) => ('error' in ctx.result && wasNotSent(ctx.result.error) ? 0 : this.coolDownMs));
    const windowed = new ConsecutiveInWindow(this.threshold, opts.breakerWindowMs ?? 30_000, () => this.breaker.state);
    this.breaker = circuitBreaker(
      handleWhen((e) => isOutage(e) || (wasNotSent(e) && this.breaker.state === CircuitState.HalfOpen)).orWhenResult(isOutageAnswer),
      { halfOpenAfter: coolDown, breaker: windowed },
    );
    this.breaker.onBreak((reason) => {
      this.openedAt = Date.now();
      this.openFor = 'error' in reason && wasNotSent(reason.error) ? 0 : this.coolDownMs;
    });
    // Told as the callers see it: after an unsent probe the circuit stays half-open, whatever cockatiel went through.
    let told: CircuitStateName = 'closed';
    this.breaker.onStateChange(() => {
      const now = this.state;
      if (now === told) return;
      told = now;
      opts.onStateChange?.(now, provider);
    });

    const waitable = (r: unknown): number | undefined => {
      const a = r as AttemptAnswer;
      if (a.status !== 429) return undefined;
      const wait = retryAfterSeconds(a.headers.get('retry-after'));
      // Waited out only within the request's time left: past it, the 429 is the answer (PROVIDER_RATE_LIMITED).
      return wait !== undefined && wait <= cap && wait * 1000 <= timeLeft() ? wait : undefined;
    };
    const rateLimitWait = new RetryAfterWait(waitable, opts.clock);
    // Full jitter around the exponential step: [0.5, 1.5) × backoffMs × 2^(n-1).
    const faultRetry = retry(handleWhen(isOutage).orWhenResult(isOutageAnswer), {
      maxAttempts: maxRetries,
      backoff: new DelegateBackoff<IRetryBackoffContext<unknown>>((ctx) => {
        const base = backoffMs * 2 ** (ctx.attempt - 1);
        return base / 2 + random() * base;
      }),
    });
    const capacity = Math.max(1, opts.maxConcurrent ?? 32);
    const queue = Math.max(0, opts.maxQueued ?? 4096);
    this.bulkhead = new BulkheadPolicy(capacity, queue);
    const slots = new BoundedBulkhead(this.bulkhead, capacity, queue, timeoutMs, provider);
    // Cooperative: the attempt hands the signal to fetch, which fails as "timed out" when it fires. Not aborted on
    // return, so a streamed body (UpstreamClient.stream) is timed only until its headers.
    const timeLimit = timeout(timeoutMs, { strategy: TimeoutStrategy.Cooperative, abortOnReturn: false });
    const throttle = opts.throttle ? [opts.throttle] : [];
    this.idempotent = wrap(this.breaker, rateLimitWait, faultRetry, ...throttle, slots, timeLimit);
    this.oneShot = wrap(this.breaker, ...throttle, slots, timeLimit);
  }

  /**
   * A policy that only keeps the time limit: no retries, no Retry-After wait, a breaker that never opens, the default
   * bulkhead. For a token manager used on its own (tools, tests); services use createHttp's policies.
   */
  static timeLimitOnly(provider: ProviderName, timeoutMs: number): ResiliencePolicy {
    return new ResiliencePolicy(provider, { timeoutMs, maxRetries: 0, retryAfterCapSeconds: -1, breakerFailures: Number.MAX_SAFE_INTEGER });
  }

  /** By the clock: cockatiel stays Open until a request arrives after the cool-down, which that request will probe. */
  get state(): CircuitStateName {
    const s = this.breaker.state;
    return s === CircuitState.Closed ? 'closed' : s === CircuitState.HalfOpen || Date.now() - this.openedAt >= this.openFor ? 'half-open' : 'open';
  }

  /**
   * Runs `attempt` under the policy: retried (when `idempotent`) and counted by the breaker; returns the last answer.
   * Throws what the attempt threw, or a not-sent PROVIDER_UNAVAILABLE when the breaker or the bulkhead refuses.
   */
  async execute<R extends AttemptAnswer>(
    idempotent: boolean,
    attempt: (ctx: AttemptContext) => Promise<R>,
    what = 'the request',
    scope?: CoolDownScope,
  ): Promise<R> {
    const deadline = currentDeadline();
    if (deadline?.expired) throw markNotSent(deadline.exceeded(this.provider, what));
    // One probe at a time; the others keep failing fast until it has told whether the platform is back.
    if (this.breaker.state === CircuitState.HalfOpen) throw this.openError(0);
    try {
      // The scope (host and account) is what a 429 cool-down holds back (throttle.ts reads it).
      return (await inScope(scope, () => (idempotent ? this.idempotent : this.oneShot).execute(attempt, deadline?.signal))) as R;
    } catch (e) {
      if (isBrokenCircuitError(e)) throw this.openError(this.openFor - (Date.now() - this.openedAt));
      // Cut by the deadline (an attempt aborted, a wait given up): said so, sent or not as the original was.
      if (deadline?.expired && (!isCxError(e) || e.extensions.code === 'PROVIDER_UNAVAILABLE')) {
        const cut = deadline.exceeded(this.provider, what);
        throw wasNotSent(e) ? markNotSent(cut) : cut;
      }
      throw e;
    }
  }

  private openError(remainingMs: number): CxError {
    const seconds = Math.max(1, Math.ceil(remainingMs / 1000));
    return markNotSent(
      new CxError(
        `${this.provider} is failing (${this.threshold} consecutive failures): cxgraph is not calling it for now (circuit breaker open); try again in ${seconds} s`,
        { code: 'PROVIDER_UNAVAILABLE', provider: this.provider, retryAfter: seconds, circuitOpen: true },
      ),
    );
  }
}

/**
 * Opens after `threshold` consecutive failures, each within `windowMs` of the previous one. An outcome of a request
 * admitted while the circuit was closed but settled after it opened is not counted again.
 */
class ConsecutiveInWindow implements IBreaker {
  private failures = 0;
  private lastFailureAt = 0;

  constructor(
    private readonly threshold: number,
    private readonly windowMs: number,
    private readonly current: () => CircuitState,
  ) {}

  get state(): unknown {
    return { failures: this.failures, lastFailureAt: this.lastFailureAt };
  }

  set state(s: unknown) {
    const v = s as { failures?: number; lastFailureAt?: number };
    this.failures = v.failures ?? 0;
    this.lastFailureAt = v.lastFailureAt ?? 0;
  }

  success(): void {
    this.failures = 0;
  }

  failure(state: CircuitState): boolean {
    if (state === CircuitState.HalfOpen) return true;
    if (this.current() !== CircuitState.Closed) return false;
    const now = Date.now();
    this.failures = now - this.lastFailureAt > this.windowMs ? 1 : this.failures + 1;
    this.lastFailureAt = now;
    if (this.failures < this.threshold) return false;
    this.failures = 0;
    return true;
  }
}

/**
 * cockatiel's bulkhead, with the wait for a slot bounded by `maxWaitMs` (cockatiel checks a queued call's signal only
 * when a slot frees up) and its refusals mapped to not-sent PROVIDER_UNAVAILABLE errors. A burst (a big `recordings`
 * batch, many clients at once) waits its turn instead of opening hundreds of sockets to one platform; beyond the
 * queue, or after waiting longer than a request may take, it is refused at once rather than piling up.
 */
class BoundedBulkhead implements IPolicy {
  declare readonly _altReturn: never;
  readonly onSuccess: BulkheadPolicy['onSuccess'];
  readonly onFailure: BulkheadPolicy['onFailure'];

  constructor(
    private readonly inner: BulkheadPolicy,
    private readonly capacity: number,
    private readonly queueCapacity: number,
    private readonly maxWaitMs: number,
    private readonly provider: ProviderName,
  ) {
    this.onSuccess = inner.onSuccess;
    this.onFailure = inner.onFailure;
  }

  execute<T>(fn: (ctx: IDefaultPolicyContext) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
    const b = this.inner;
    if (b.executionSlots > 0) return b.execute(fn, signal);
    if (b.queueSlots <= 0) {
      return Promise.reject(this.refused(`${this.provider} has ${this.capacity} requests in flight and ${this.queueCapacity} waiting: refusing more for now`));
    }
    // Queued: give up after maxWaitMs (or the request's time left) unless a slot came first. cockatiel drops the abandoned entry when it reaches
    // the head of the queue (its signal is aborted by then) without running it.
    const gaveUp = new AbortController();
    let started = false;
    const maxWaitMs = Math.min(this.maxWaitMs, timeLeft());
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (started) return;
        gaveUp.abort();
        reject(this.refused(`${this.provider} request waited ${maxWaitMs} ms for one of ${this.capacity} concurrent slots and was not sent`));
      }, maxWaitMs);
      b.execute((ctx) => {
        started = true;
        clearTimeout(timer);
        return fn(ctx);
      }, gaveUp.signal).then(resolve, (e: unknown) => {
        clearTimeout(timer);
        // Not started: either refused above already (our timer), or cancelled by cockatiel for the same reason.
        if (started || !gaveUp.signal.aborted) reject(e);
      });
    });
  }

  private refused(message: string): CxError {
    return markNotSent(new CxError(message, { code: 'PROVIDER_UNAVAILABLE', provider: this.provider, retryAfter: 1, overloaded: true }));
  }
}
