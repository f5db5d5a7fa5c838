/**
 * The clock of the upstream limits (cool-downs, rate-limit waits, the Redis round-trip monitor): the time now and
 * timers, injected so tests drive a cool-down of a minute or a one-second window without waiting for it
 * (test/support/manual-clock.ts). Production uses the system clock.
 */
/** The token manager's Clock (src/auth/token-manager.ts) with timers; declared here so http/ does not import auth/. */
export interface TimerClock {
  /** Milliseconds, as Date.now(). */
  now(): number;
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
