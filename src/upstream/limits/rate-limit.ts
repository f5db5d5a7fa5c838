/**
 * CXGRAPH_UPSTREAM_RATE_LIMITS: at most N requests to a provider in any one-second window, across every replica.
 *
 * The window is counted by rate-limiter-flexible's RateLimiterRedis (https://github.com/animir/node-rate-limiter-flexible)
 * in the shared Redis, with a sliding-window script (its `customIncrTtlLuaScript` option) instead of its default fixed
 * window: a fixed window starting at its first request lets N through at the end of one window and N more at the start
 * of the next, up to 2N within one second as the platform counts. The script keeps the admission times of the last
 * second in a sorted set: a request is admitted while fewer than N were admitted within the window, else it learns
 * how long until the oldest leaves it. The window is one second plus WINDOW_GUARD_MS, for the time between being
 * admitted and reaching the platform: any second at the platform then holds N at most. That time is mostly how long
 * Redis's answer waited for a busy event loop, so an admission whose round trip took longer than the guard is taken
 * as stale and a fresh turn is taken instead (once; the stale one only makes the window fuller, never emptier).
 * Without Redis, or while it does not answer, the same window is kept in this process (per replica, then).
 *
 * Each process queues its waiting requests (FIFO) and asks for one turn at a time, so a crowd of waiters costs
 * Redis one request per turn, not one per waiter per poll. A request waits at most `maxWaitMs` (within the request's
 * time limit); one that cannot get a turn by then fails PROVIDER_RATE_LIMITED with `retryAfter`, unsent.
 */
import { RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import type { FleetRedis } from './fleet-redis.js';
import { sleepOn, systemTimerClock, type TimerClock } from './limits-clock.js';

/**
 * The window: one second as the platform counts, plus the longest expected gap between admission and arrival. 250 ms,
 * not less: on a loaded 2-core machine (three test workers, two replicas and the platform sharing it) requests
 * admitted a second apart reached the platform bunched closer than 50 ms allowed for, 27 in one second at
 * CALLJOURNEY:20. The price is throughput: N per 1.25 s, 80 % of the budget, never more than it.
 */
export const WINDOW_MS = 1000;
export const WINDOW_GUARD_MS = 250;

/** The answer of a turn: admitted, or how long until the window has room. */
export type Turn = { admitted: true } | { admitted: false; waitMs: number };

/** Where turns come from: the fleet's window in Redis, or this process's own. */
export interface TurnSource {
  take(): Promise<Turn>;
  /** 'fleet' while the window is Redis's, 'process' while it is this process's own. */
  readonly scope: 'fleet' | 'process';
}

/** The sliding window in this process: admission times of the last window, oldest first. */
export class LocalWindow implements TurnSource {
  readonly scope = 'process' as const;
  private readonly times: number[] = [];
  private head = 0;

  constructor(
    /** Turns per window; a function when it changes (a fleet's budget divided by the replicas seen). */
    private readonly limit: number | (() => number),
    private readonly windowMs = WINDOW_MS + WINDOW_GUARD_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async take(): Promise<Turn> {
    return this.takeNow();
  }

  takeNow(): Turn {
    const now = this.now();
    while (this.head < this.times.length && this.times[this.head]! <= now - this.windowMs) this.head++;
    if (this.head > 1024) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
    const limit = typeof this.limit === 'number' ? this.limit : this.limit();
    if (this.times.length - this.head < limit) {
      this.times.push(now);
      return { admitted: true };
    }
    // The oldest that must leave for a turn to free up (more than one when the limit just shrank).
    const oldest = this.times[Math.min(this.times.length - 1, this.times.length - limit)] ?? this.times[this.head]!;
    return { admitted: false, waitMs: Math.max(1, Math.ceil(oldest + this.windowMs - now)) };
  }
}

/** How long the window's key outlives its last admission in Redis when an injected clock counts the window. */
const INJECTED_CLOCK_TTL_MS = 60_000;

/**
 * The sliding window in Redis, in the reply format RateLimiterRedis reads ({consumed, ms}): consumed > points means
 * refused, and ms is then the wait until the oldest admission leaves the window. Admission times are Redis's own
 * clock (TIME), in microseconds, so replicas' clocks do not matter.
 *
 * An injected clock (tests: every replica on one ManualClock) gives its time instead, in ms, through the one value
 * rate-limiter-flexible passes on per call: ARGV[2], the consume's duration in seconds, which the window does not
 * use otherwise (the limiter's own duration, 1, means Redis's clock). Redis expires keys on its own clock, which that
 * clock does not drive: the key is then kept a minute, its admissions still dropped by the window's time.
 */
export function slidingWindowScript(windowMs: number): string {
  return `local now
local ttl = ${windowMs}
if ARGV[2] == '1' then
  local t = redis.call('time')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[2]) * 1000
  ttl = ${INJECTED_CLOCK_TTL_MS}
end
local window = ${windowMs * 1000}
local limit = tonumber(ARGV[3])
local want = tonumber(ARGV[1])
redis.call('zremrangebyscore', KEYS[1], '-inf', now - window)
local n = redis.call('zcard', KEYS[1])
if n + want > limit then
  local oldest = redis.call('zrange', KEYS[1], 0, 0, 'WITHSCORES')
  local wait = window
  if oldest[2] then wait = tonumber(oldest[2]) + window - now end
  return {limit + want, math.max(1, math.ceil(wait / 1000))}
end
-- Named with every digit of the time: Lua's own number-to-text keeps 14, and two admissions in one 100 µs could
-- then share a name (one counted) when an older one left the window between them.
local at = string.format('%.0f', now)
for i = 1, want do redis.call('zadd', KEYS[1], now, at .. '-' .. (n + i)) end
redis.call('pexpire', KEYS[1], ttl)
return {n + want, ${windowMs}}`;
}

/**
 * The window a process keeps while the fleet's cannot be used (Redis too slow or not answering): its share of the
 * budget, counted over one second plus this guard (admission and sending are in the same process: no round trip
 * between them). N per 1.1 s: 91 % of the budget, never more than it while the replica count is right.
 */
export const PROCESS_WINDOW_GUARD_MS = 100;

/**
 * The fleet's window, through rate-limiter-flexible. This process's own share (`local`: the budget divided by the
 * replicas seen) while Redis does not answer, or while its round trips are over budget (`slow()`, redis-latency.ts).
 */
export class FleetWindow implements TurnSource {
  private readonly limiter: RateLimiterRedis;

  constructor(
    private readonly redis: FleetRedis,
    private readonly key: string,
    limit: number,
    private readonly local: LocalWindow,
    private readonly slow: () => boolean = () => false,
    /** An injected clock's time (ms since the epoch): admissions are counted on it, not on Redis's clock. */
    private readonly clockNow?: () => number,
    windowMs = WINDOW_MS + WINDOW_GUARD_MS,
    private readonly guardMs = WINDOW_GUARD_MS,
  ) {
    this.limiter = new RateLimiterRedis({
      storeClient: redis.client,
      useRedisPackage: true,
      rejectIfRedisNotReady: true,
      keyPrefix: redis.rateLimitPrefix(),
      points: limit,
      // Only for the script's reply: the window itself is the script's (a duration of 0 would bypass the script).
      duration: 1,
      customIncrTtlLuaScript: slidingWindowScript(windowMs),
    });
  }

  get scope(): 'fleet' | 'process' {
    return this.redis.usable && !this.slow() ? 'fleet' : 'process';
  }

  async take(): Promise<Turn> {
    const now = this.clockNow ?? (() => performance.now());
    const sent = now();
    const turn = await this.takeOnce();
    // Admitted at Redis, but the answer waited here longer than the guard allows: the request would reach the
    // platform that much later than its admission says. Take a fresh turn (whatever it answers, it is the last).
    if (turn.admitted && now() - sent > this.guardMs) return this.takeOnce();
    return turn;
  }

  private async takeOnce(): Promise<Turn> {
    if (!this.redis.usable || this.slow()) return this.local.takeNow();
    let refused: RateLimiterRes | undefined;
    const admitted = await this.redis.run(() =>
      this.limiter.consume(this.key, 1, this.clockNow && { customDuration: Math.floor(this.clockNow()) }).then(
        () => true,
        (r: unknown) => {
          if (r instanceof Error) throw r;
          refused = r as RateLimiterRes;
          return false;
        },
      ),
    );
    if (admitted === true) return { admitted: true };
    if (refused) return { admitted: false, waitMs: Math.max(1, refused.msBeforeNext) };
    // Redis did not answer (FleetRedis.run said so): this process counts alone until it does.
    return this.local.takeNow();
  }
}

/** Told what a request waited for its turn, or that it was refused. */
export interface RateLimitEvents {
  waited?(ms: number): void;
  refused?(): void;
  /** Requests waiting in this process now. */
  queued?(n: number): void;
}

interface Waiter {
  resolve(waitedMs: number): void;
  reject(e: unknown): void;
  started: number;
  deadline: number;
  cancel: () => void;
  settled: boolean;
}

/** One provider's turns in this process: a FIFO of waiting requests in front of its TurnSource. */
export class RateLimit {
  private readonly queue: Waiter[] = [];
  private pumping = false;
  private lastWaitMs = 1000;

  constructor(
    readonly limit: number,
    readonly source: TurnSource,
    private readonly maxWaitMs: number,
    private readonly refusal: (retryAfterSeconds: number, waitedMs: number) => Error,
    private readonly events: RateLimitEvents = {},
    private readonly clock: TimerClock = systemTimerClock,
  ) {}

  /** Requests waiting for a turn now. */
  get waiting(): number {
    let n = 0;
    for (const w of this.queue) if (!w.settled) n++;
    return n;
  }

  /** Resolves with the ms waited once this request may be sent; rejects with the refusal past `maxWaitMs` or `boundMs` (the request's time left). */
  acquire(boundMs = Number.POSITIVE_INFINITY): Promise<number> {
    const maxWaitMs = Math.min(this.maxWaitMs, boundMs);
    return new Promise<number>((resolve, reject) => {
      const started = this.clock.now();
      const w: Waiter = { resolve, reject, started, deadline: started + maxWaitMs, settled: false, cancel: () => {} };
      w.cancel = this.clock.setTimer(() => this.refuse(w), maxWaitMs);
      this.queue.push(w);
      this.events.queued?.(this.queue.length);
      void this.pump();
    });
  }

  private refuse(w: Waiter): void {
    if (w.settled) return;
    w.settled = true;
    w.cancel();
    this.events.refused?.();
    w.reject(this.refusal(Math.max(1, Math.ceil(this.lastWaitMs / 1000)), this.clock.now() - w.started));
  }

  private admit(w: Waiter): void {
    w.settled = true;
    w.cancel();
    const waited = this.clock.now() - w.started;
    if (waited > 0) this.events.waited?.(waited);
    w.resolve(waited);
  }

  /** Drops settled (refused) waiters from the head. */
  private next(): Waiter | undefined {
    while (this.queue.length && this.queue[0]!.settled) this.queue.shift();
    this.events.queued?.(this.queue.length);
    return this.queue[0];
  }

  /** One turn at a time for the head of the queue, until nobody waits. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.next()) {
        let turn: Turn;
        try {
          turn = await this.source.take();
        } catch {
          turn = { admitted: true }; // a source that throws must not stall every request: let it through
        }
        if (turn.admitted) {
          // The head may have been refused while its turn was being taken: the turn goes to the next in line.
          const w = this.next();
          if (w) {
            this.queue.shift();
            this.admit(w);
          }
          continue;
        }
        this.lastWaitMs = turn.waitMs;
        // Whoever cannot have a turn before their time is up is told so now rather than when it is up.
        const readyAt = this.clock.now() + turn.waitMs;
        for (let w = this.next(); w && w.deadline < readyAt; w = this.next()) this.refuse(w);
        if (!this.next()) break;
        await sleepOn(this.clock, turn.waitMs);
      }
    } finally {
      this.pumping = false;
    }
  }
}
