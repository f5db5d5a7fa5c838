/**
 * A cap on the requests one provider has in flight from this replica, with a bounded FIFO queue behind it:
 * a burst (a big `recordings` batch, many clients at once) waits its turn instead of opening hundreds of
 * sockets to one platform, and beyond the queue — or after waiting longer than a request may take — it is
 * refused at once with PROVIDER_UNAVAILABLE rather than piling up memory and latency.
 */
import { CxError } from '../errors.js';
import type { ProviderName } from '../domain/provider-name.js';

export interface ConcurrencyLimitOptions {
  /** Requests in flight at most (default 32). */
  maxConcurrent?: number;
  /** Requests waiting at most; one more is refused (default 4096). */
  maxQueued?: number;
}

interface Waiter {
  grant: (release: () => void) => void;
  timer: NodeJS.Timeout;
}

export class ConcurrencyLimit {
  readonly maxConcurrent: number;
  readonly maxQueued: number;
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    readonly provider: ProviderName,
    opts: ConcurrencyLimitOptions = {},
  ) {
    this.maxConcurrent = Math.max(1, opts.maxConcurrent ?? 32);
    this.maxQueued = Math.max(0, opts.maxQueued ?? 4096);
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.queue.length;
  }

  /**
   * Resolves with a release function once a slot is free. Rejects with PROVIDER_UNAVAILABLE when the queue is
   * full, or when no slot freed within `maxWaitMs`. The request was not sent in either case.
   */
  acquire(maxWaitMs: number): Promise<() => void> {
    if (this.active < this.maxConcurrent) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.maxQueued) {
      return Promise.reject(
        new CxError(`${this.provider} has ${this.active} requests in flight and ${this.queue.length} waiting: refusing more for now`, {
          code: 'PROVIDER_UNAVAILABLE',
          provider: this.provider,
          retryAfter: 1,
          overloaded: true,
        }),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: resolve,
        timer: setTimeout(() => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          reject(
            new CxError(`${this.provider} request waited ${maxWaitMs} ms for one of ${this.maxConcurrent} concurrent slots and was not sent`, {
              code: 'PROVIDER_UNAVAILABLE',
              provider: this.provider,
              retryAfter: 1,
              overloaded: true,
            }),
          );
        }, maxWaitMs),
      };
      this.queue.push(waiter);
    });
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.queue.shift();
      if (next) {
        // The slot passes straight to the next waiter: `active` stays the same.
        clearTimeout(next.timer);
        next.grant(this.releaser());
      } else {
        this.active--;
      }
    };
  }
}
