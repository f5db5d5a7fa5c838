/**
 * The clock of the upstream limits (cool-downs, rate-limit waits, the Redis round-trip monitor): the time now and
 * timers, injected so tests drive a cool-down of a minute or a one-second window without waiting for it
 * (test/support/manual-clock.ts). Production uses the system clock.
 */
import type { Clock } from '../../domain/clock.js';

/** The domain's Clock with timers. */
export interface TimerClock extends Clock {
  /** Calls `fn` once `ms` have passed on this clock; returns a function that cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const systemTimerClock: TimerClock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

/** Resolves after `ms` on `clock`. */
export function sleepOn(clock: TimerClock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(resolve, ms));
}
