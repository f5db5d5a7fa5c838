/**
 * A TimerClock (src/upstream/limits/limits-clock.ts) on the system's time that a test can move ahead: skip(ms) jumps
 * forward, and the timers that fall due fire at once. For tests where some time must pass for real (round trips to a
 * slow Redis, a burst's real throughput) and the rest is only waiting (the next heartbeat in 500 ms). Where no time
 * needs to be real, test/support/manual-clock.ts.
 */
import type { TimerClock } from '../../src/upstream/limits/limits-clock.js';

interface Timer {
  at: number;
  fn: () => void;
  handle?: NodeJS.Timeout;
}

export class SkipClock implements TimerClock {
  private skipped = 0;
  private readonly timers = new Set<Timer>();

  now(): number {
    return Date.now() + this.skipped;
  }

  setTimer(fn: () => void, ms: number): () => void {
    const timer: Timer = { at: this.now() + Math.max(0, ms), fn };
    this.timers.add(timer);
    this.arm(timer);
    return () => {
      clearTimeout(timer.handle);
      this.timers.delete(timer);
    };
  }

  /** Jumps `ms` ahead: timers due by then fire now (in order), the others that much sooner. */
  skip(ms: number): void {
    this.skipped += ms;
    for (const t of [...this.timers].sort((a, b) => a.at - b.at)) {
      clearTimeout(t.handle);
      this.arm(t);
    }
  }

  /** Timers waiting. */
  get pending(): number {
    return this.timers.size;
  }

  private arm(t: Timer): void {
    t.handle = setTimeout(
      () => {
        this.timers.delete(t);
        t.fn();
      },
      Math.max(0, t.at - this.now()),
    );
  }
}
