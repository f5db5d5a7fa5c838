/**
 * Time, as a port: everything that reads the time or waits takes a Clock, so tests drive time instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch, as Date.now(). */
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };
