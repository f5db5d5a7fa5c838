/**
 * The time a request has (CXGRAPH_REQUEST_DEADLINE_MS, or less when the router forwards less: docs/reliability.md).
 * Carried by the request context (request-context.ts), so every wait on the way to a platform — retries, a turn
 * within the rate limit, a 429 cool-down, a slot of the bulkhead, another replica's token fetch — is bounded by what
 * is left of it, and a platform that has not answered by then fails its own fields as PROVIDER_UNAVAILABLE with
 * `timedOut: true` while the rest of the operation answers on time. Background work (a token renewal) has none.
 */
import { CxError } from '../errors/errors.js';
import type { ProviderName } from '../domain/provider-name.js';

/** Where the deadline came from: cxgraph's own setting, or a shorter one the caller (the router) forwarded. */
export type DeadlineSource = 'configured' | 'forwarded';

export class Deadline {
  /** Fires when the time is up: handed to the policies and to fetch, which stop waiting and sending. */
  readonly signal: AbortSignal;
  private readonly at: number;

  constructor(
    readonly budgetMs: number,
    readonly source: DeadlineSource = 'configured',
    private readonly clock: { now(): number } = Date,
  ) {
    this.at = clock.now() + budgetMs;
    this.signal = AbortSignal.timeout(Math.max(0, budgetMs));
  }

  /** Milliseconds left (0 once expired). */
  remainingMs(): number {
    return this.signal.aborted ? 0 : Math.max(0, this.at - this.clock.now());
  }

  get expired(): boolean {
    return this.remainingMs() <= 0;
  }

  /** The error of a field whose platform had not answered `what` when the time was up. */
  exceeded(provider: ProviderName, what: string): CxError {
    const why = this.source === 'forwarded' ? 'as forwarded by the caller' : 'CXGRAPH_REQUEST_DEADLINE_MS';
    return new CxError(`${provider} had not answered ${what} when the request's deadline of ${this.budgetMs} ms (${why}) was reached`, {
      code: 'PROVIDER_UNAVAILABLE',
      provider,
      timedOut: true,
    });
  }

  /** `p`, or `onExpired()` rejected as soon as the time is up, whichever comes first. `p` itself goes on. */
  race<T>(p: Promise<T>, onExpired: () => Error): Promise<T> {
    if (this.expired) {
      p.catch(() => undefined);
      return Promise.reject(onExpired());
    }
    return new Promise<T>((resolve, reject) => {
      const expire = () => reject(onExpired());
      this.signal.addEventListener('abort', expire, { once: true });
      p.then(resolve, reject).finally(() => this.signal.removeEventListener('abort', expire));
    });
  }
}

/** Parses a forwarded deadline header: a whole number of milliseconds, 1 to 3,600,000; else what was wrong with it. */
export function forwardedDeadlineMs(header: string, value: string | string[] | undefined): { ms?: number; problem?: string } {
  if (value === undefined) return {};
  const text = Array.isArray(value) ? value.join(',') : value;
  if (!/^\d{1,7}$/.test(text.trim()) || Number(text) < 1 || Number(text) > 3_600_000) {
    return {
      problem: `${header}: expected a whole number of milliseconds from 1 to 3600000 (the time the caller still waits for this answer), got ${JSON.stringify(text.slice(0, 40))}`,
    };
  }
  return { ms: Number(text) };
}

/** The header a router sets to forward the time it still waits (router.yaml); Apollo Router sends none by itself. */
export const DEADLINE_HEADER = 'x-cxgraph-deadline-ms';

/** The request's deadline: the configured one, or the forwarded one when that is shorter (never longer). */
export function requestDeadline(configuredMs: number, forwardedMs: number | undefined, clock?: { now(): number }): Deadline {
  return forwardedMs !== undefined && forwardedMs < configuredMs
    ? new Deadline(forwardedMs, 'forwarded', clock)
    : new Deadline(configuredMs, 'configured', clock);
}
