/**
 * Arrivals at a simulator stamped with the limits' clock (a ManualClock), and a way to run that clock while servers
 * serve: what the platform saw, in the time the rate limits and cool-downs count. test/support/arrivals.ts stamps
 * real time instead, for the tests that run in it.
 */
import type { ProviderName } from '../../src/domain/provider-name.js';
import type { Simulator } from '../../src/simulators/index.js';
import type { TurnSource } from '../../src/upstream/limits/rate-limit.js';
import type { TestServer } from '../support/harness.js';
import type { ManualClock } from '../support/manual-clock.js';
import { recordArrivals, type Arrivals } from '../support/arrivals.js';
import { waitFor } from './support.js';

export interface ClockArrivals extends Arrivals {
  /** Requests that reached the simulator and are not answered yet. */
  inFlight(): number;
}

/** Starts recording the arrivals at `sim` (started in this process), each stamped `clock.now()`. */
export function recordClockArrivals(sim: Simulator, clock: ManualClock): ClockArrivals {
  return recordArrivals(sim, () => clock.now());
}

/** Requests of `t` waiting for a turn of `provider`'s rate limit now (the gauge cxgraph_upstream_throttle_waiting). */
export async function waitingTurns(t: TestServer, provider: ProviderName): Promise<number> {
  const g = await t.server.services.metrics.throttle.waiting.get();
  return g.values.find((v) => v.labels.provider === provider)?.value ?? 0;
}

/**
 * True when `provider`'s rate limit on `t` is counted in Redis, for the fleet. Not yet while the replica's Redis
 * connection comes up, nor for a second after a command failed (a cluster's first, sent before its slots are known):
 * turns meanwhile are this process's own.
 */
export function countedByTheFleet(t: TestServer, provider: ProviderName): boolean {
  return t.server.services.upstreamLimits.throttle(provider).rateLimit?.source.scope === 'fleet';
}

/**
 * Counts the turns of `provider`'s rate limit on `t` being taken now (each a round trip to Redis, in real time), by
 * wrapping its window (observed only: every call goes through unchanged). While one is, the clock must stand still:
 * the turn is counted at the time it was asked for.
 */
export function turnsBeingTaken(t: TestServer, provider: ProviderName): () => number {
  const source: { take: TurnSource['take'] } | undefined = t.server.services.upstreamLimits.throttle(provider).rateLimit?.source;
  if (!source) throw new Error(`${provider} has no rate limit on this server`);
  const take = source.take.bind(source);
  let n = 0;
  source.take = async () => {
    n++;
    try {
      return await take();
    } finally {
      n--;
    }
  };
  return () => n;
}

/**
 * Moves `clock` forward `stepMs` at a time until `done()`, at most `maxMs`; before each step, waits (in real time)
 * until `quiet()`: whatever the last step set off (a turn, a request on its way, an answer) has run its course, so
 * what happens is stamped with the time it happened at, not a later one.
 */
export async function runClock(clock: ManualClock, o: { stepMs: number; maxMs: number; quiet: () => Promise<boolean> | boolean; done: () => boolean }) {
  for (let ran = 0; !o.done(); ran += o.stepMs) {
    if (ran > o.maxMs) throw new Error(`still not done after ${o.maxMs} ms of the clock`);
    await waitFor('the servers to be quiet', o.quiet, 10_000, 2);
    await clock.advance(o.stepMs);
  }
}
