/** A TimerClock (src/upstream/limits/limits-clock.ts) that moves only when told: advance(ms) fires the timers due, in order. */
import type { TimerClock } from '../../src/upstream/limits/limits-clock.js';

interface Timer {
  at: number;
  fn: () => void;
  seq: number;
}

/** Lets promise callbacks and I/O queued so far run (a real Redis reply included, when it is quick). */
export const flush = () => new Promise<void>((r) => setImmediate(r));

export class ManualClock implements TimerClock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): () => void {
    const timer = { at: this.t + Math.max(0, ms), fn, seq: this.seq++ };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  /** Moves the clock `ms` forward, firing each timer due at its own time, with promise callbacks run in between. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await flush();
    for (;;) {
      const next = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.at);
      next.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }

  /** Timers waiting. */
  get pending(): number {
    return this.timers.length;
  }
}
