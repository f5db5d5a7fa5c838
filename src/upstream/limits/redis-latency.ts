/**
 * Whether the fleet's Redis is fast enough to count upstream rate limits in (CXGRAPH_RATE_LIMIT_REDIS_MAX_RTT_MS).
 *
 * Each process takes one turn at a time from the fleet's window (rate-limit.ts), so a turn costs one Redis round
 * trip: at 300 ms a round trip, a provider allowed 20 requests per second gets about 3, and the platform idles while
 * requests fail PROVIDER_RATE_LIMITED. Past the budget each process counts its own share instead (the budget divided
 * by the replicas seen in Redis), which keeps the fleet under the budget at nearly its full throughput.
 *
 * The decision is made on the heartbeats (a tiny script every HEARTBEAT_MS), not on the turns, and on round trips
 * with this process's own event-loop delay taken out: a fast Redis measured from a busy process (a CPU-bound burst of
 * queries) looks slow only because its answers wait to be read, and must not switch the fleet to per-process
 * counting. It takes `samples` heartbeats in a row over the budget to degrade, and as many within it to recover,
 * each within `windowMs` of now.
 */
import type { TimerClock } from './limits-clock.js';

/** The default of CXGRAPH_RATE_LIMIT_REDIS_MAX_RTT_MS. */
export const DEFAULT_REDIS_MAX_RTT_MS = 200;
/** How often a replica says it is alive (and measures the round trip). */
export const HEARTBEAT_MS = 500;
/** A replica not heard of for this long no longer counts. */
export const REPLICA_TTL_MS = 5_000;

export interface RedisLatencyOptions {
  maxRttMs: number;
  clock: Pick<TimerClock, 'now'>;
  /** Round trips in a row that decide (default 3). */
  samples?: number;
  /** Older samples do not count (default 5 s). */
  windowMs?: number;
  /** Told once per transition, with the round trip that decided it. */
  onChange?(slow: boolean, rttMs: number): void;
}

export class RedisLatency {
  private readonly recent: { at: number; ms: number }[] = [];
  private slowNow = false;
  private sinceAt: number | undefined;
  private readonly n: number;
  private readonly windowMs: number;

  constructor(private readonly opts: RedisLatencyOptions) {
    this.n = Math.max(1, opts.samples ?? 3);
    this.windowMs = opts.windowMs ?? 5_000;
  }

  /** True while round trips are over budget: rate limits are counted per process. */
  get slow(): boolean {
    return this.slowNow;
  }

  /** When the current slow spell began (clock ms), or undefined. */
  get since(): number | undefined {
    return this.sinceAt;
  }

  /** The last round trip recorded, ms. */
  get lastRttMs(): number | undefined {
    return this.recent.at(-1)?.ms;
  }

  /** One round trip, ms (this process's own delay taken out). */
  record(ms: number): void {
    const now = this.opts.clock.now();
    this.recent.push({ at: now, ms });
    while (this.recent.length > this.n || (this.recent.length && this.recent[0]!.at < now - this.windowMs)) this.recent.shift();
    if (this.recent.length < this.n) return;
    const over = this.recent.every((s) => s.ms > this.opts.maxRttMs);
    const within = this.recent.every((s) => s.ms <= this.opts.maxRttMs);
    if (!this.slowNow && over) {
      this.slowNow = true;
      this.sinceAt = now;
      this.opts.onChange?.(true, ms);
    } else if (this.slowNow && within) {
      this.slowNow = false;
      this.sinceAt = undefined;
      this.opts.onChange?.(false, ms);
    }
  }
}
