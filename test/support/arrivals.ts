/**
 * When requests reach a simulator: its own HTTP server's `request` event (before any body is read or latency
 * applied), per path, with the status it answered. What "the platform saw" means for rate limits and cool-downs.
 */
import type { Server } from 'node:http';
import type { Simulator } from '../../src/simulators/index.js';

export interface Arrival {
  /** When the request arrived: performance.now() of this process, or the clock recordArrivals was given. */
  at: number;
  path: string;
  /** Filled in when the answer is sent. */
  status?: number;
}

export interface Arrivals {
  readonly list: Arrival[];
  /** Arrivals at paths ending in `suffix`. */
  at(suffix: string): Arrival[];
  clear(): void;
  stop(): void;
}

/**
 * Starts recording the arrivals at `sim` (a simulator started in this process), each stamped `now()` (default
 * performance.now(); test/reliability/clock-arrivals.ts gives the limits' ManualClock).
 */
export function recordArrivals(sim: Simulator, now: () => number = () => performance.now()): Arrivals & { inFlight(): number } {
  // The simulator keeps its node:http server private; a test may look at it.
  const server = (sim.server as unknown as { server: Server | null }).server;
  if (!server) throw new Error('the simulator is not started');
  const list: Arrival[] = [];
  const listener = (req: { url?: string }, res: { statusCode: number; once(e: 'finish', l: () => void): void }) => {
    const a: Arrival = { at: now(), path: new URL(req.url ?? '/', 'http://x').pathname };
    list.push(a);
    res.once('finish', () => (a.status = res.statusCode));
  };
  server.prependListener('request', listener);
  return {
    list,
    at: (suffix) => list.filter((a) => a.path.endsWith(suffix)),
    inFlight: () => list.filter((a) => a.status === undefined).length,
    clear: () => void list.splice(0),
    stop: () => void server.off('request', listener),
  };
}

/** The most arrivals in any closed window of `windowMs` (a window starting at each arrival). */
export function maxInWindow(times: readonly number[], windowMs = 1000): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (j < t.length && t[j]! - t[i]! <= windowMs) j++;
    best = Math.max(best, j - i);
  }
  return best;
}
