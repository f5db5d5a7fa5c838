/**
 * A circuit breaker per provider: after `failureThreshold` consecutive failures (each within `windowMs` of the
 * previous one) it opens, and requests fail fast with PROVIDER_UNAVAILABLE and a `retryAfter` instead of
 * waiting on timeouts of a platform that is down. After `coolDownMs` one request goes through as a probe
 * (half-open): its success closes the circuit, its failure opens it for another cool-down.
 *
 * Only "the platform is unreachable or failing" counts as a failure (connection errors, timeouts, 5xx —
 * PROVIDER_UNAVAILABLE); a 4xx, a 429 or a refused credential proves the platform answers and counts as a success.
 * See https://martinfowler.com/bliki/CircuitBreaker.html.
 */
import { CxError } from '../errors.js';
import type { ProviderName } from '../domain/provider-name.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit (default 5). */
  failureThreshold?: number;
  /** A failure further than this from the previous one starts a new count (default 30 s). */
  windowMs?: number;
  /** How long the circuit stays open before a probe is let through (default 10 s). */
  coolDownMs?: number;
  now?: () => number;
  /** Told of every change, e.g. to set the `cxgraph_circuit_breaker_open` gauge and log. */
  onStateChange?: (state: CircuitState, provider: ProviderName) => void;
}

/** What a caller holds between admission and its outcome. */
export interface CircuitPermit {
  success(): void;
  failure(): void;
  /** The request never left this process (e.g. no free slot): no outcome to count. */
  abandon(): void;
}

export class CircuitBreaker {
  private _state: CircuitState = 'closed';
  private failures = 0;
  private lastFailureAt = 0;
  private openedAt = 0;
  private probeInFlight = false;
  private readonly threshold: number;
  private readonly windowMs: number;
  private readonly coolDownMs: number;
  private readonly now: () => number;

  constructor(
    readonly provider: ProviderName,
    private readonly opts: CircuitBreakerOptions = {},
  ) {
    this.threshold = Math.max(1, opts.failureThreshold ?? 5);
    this.windowMs = opts.windowMs ?? 30_000;
    this.coolDownMs = opts.coolDownMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  get state(): CircuitState {
    return this._state;
  }

  /**
   * Admits a request, or throws PROVIDER_UNAVAILABLE at once while the circuit is open (and while the one
   * half-open probe is in flight). The caller reports the outcome on the permit exactly once.
   */
  admit(): CircuitPermit {
    if (this._state === 'open') {
      const waited = this.now() - this.openedAt;
      if (waited < this.coolDownMs) throw this.openError(this.coolDownMs - waited);
      this.transition('half-open');
    }
    let probe = false;
    if (this._state === 'half-open') {
      // One probe at a time; the others keep failing fast until it has told us whether the platform is back.
      if (this.probeInFlight) throw this.openError(0);
      this.probeInFlight = true;
      probe = true;
    }
    let settled = false;
    return {
      success: () => {
        if (settled) return;
        settled = true;
        if (probe) this.probeInFlight = false;
        this.onSuccess();
      },
      failure: () => {
        if (settled) return;
        settled = true;
        if (probe) this.probeInFlight = false;
        this.onFailure(probe);
      },
      abandon: () => {
        if (settled) return;
        settled = true;
        if (probe) this.probeInFlight = false;
      },
    };
  }

  private onSuccess(): void {
    this.failures = 0;
    if (this._state !== 'closed') this.transition('closed');
  }

  private onFailure(probe: boolean): void {
    const now = this.now();
    if (probe || this._state === 'half-open') {
      this.open(now);
      return;
    }
    if (this._state === 'open') return;
    this.failures = now - this.lastFailureAt > this.windowMs ? 1 : this.failures + 1;
    this.lastFailureAt = now;
    if (this.failures >= this.threshold) this.open(now);
  }

  private open(now: number): void {
    this.openedAt = now;
    this.failures = 0;
    this.transition('open');
  }

  private transition(state: CircuitState): void {
    if (state === this._state) return;
    this._state = state;
    this.opts.onStateChange?.(state, this.provider);
  }

  private openError(remainingMs: number): CxError {
    const seconds = Math.max(1, Math.ceil(remainingMs / 1000));
    return new CxError(
      `${this.provider} is failing (${this.threshold} consecutive failures): cxgraph is not calling it for now (circuit breaker open); try again in ${seconds} s`,
      { code: 'PROVIDER_UNAVAILABLE', provider: this.provider, retryAfter: seconds, circuitOpen: true },
    );
  }
}
