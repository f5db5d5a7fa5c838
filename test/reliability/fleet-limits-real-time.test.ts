/**
 * The fleet's rate limit in real seconds, on Redis's own clock: what production runs (fleet-limits.test.ts drives the
 * same window on a ManualClock, whose time the script is given instead). Two replicas (two createHttp on one real
 * Redis, as two processes would be) send real HTTP to the CallJourney simulator, counted at its own HTTP server: at
 * CALLJOURNEY:20, 40 requests at once go in two turns of the window, 1.25 s apart, never more than 20 (+1 for the
 * window's edge) in any second at the platform — a fixed window would let the second 20 through one second after
 * the first, 40 within it. Straight through the upstream client rather than GraphQL: the less CPU each request
 * costs, the less a loaded machine delays it between its turn and the platform.
 *
 * Real time (about 1.5 s): it runs in vitest's 'real-time' project, alone, where no neighbour's CPU bunches its requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttp, type Http } from '../../src/app/create-http.js';
import { createCallJourneySimulator, type CallJourneySimulator } from '../../src/simulators/index.js';
import { createStore } from '../../src/store/create-store.js';
import type { UpstreamRequest } from '../../src/upstream/upstream-client.js';
import { maxInWindow, recordArrivals, type Arrivals } from '../support/arrivals.js';
import { LogCapture } from '../support/log-capture.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';
import { waitFor } from './support.js';

const API = '/api/v1/search/conversationexists';

describe.skipIf(!HAS_REDIS)('CALLJOURNEY:20 across two replicas, in real time', () => {
  let sim: CallJourneySimulator;
  let arrivals: Arrivals;
  const logs = new LogCapture();
  const replicas: Http[] = [];

  const replica = (prefix: string): Http =>
    createHttp({
      resilience: {
        connectTimeoutMs: 2_000,
        maxConcurrentPerProvider: 32,
        maxQueuedPerProvider: 100,
        breakerFailures: 100,
        breakerWindowMs: 30_000,
        breakerCoolDownMs: 10_000,
        upstreamRateLimits: { CALLJOURNEY: 20 },
        fleet: { target: { url: REDIS_URL }, prefix },
      },
      // A request waits up to 5 s for its turn (CXGRAPH_UPSTREAM_RATE_LIMIT_WAIT_MS), within its time limit.
      limits: { upstreamTimeoutMs: 5_000, retryAfterCapSeconds: 5 },
      logger: logs.logger,
      store: createStore({ logger: logs.logger, encryptionKeys: [] }),
    });

  /** One unauthenticated search (the simulator answers 401: an answer, so a request that reached the platform). */
  const search = (h: Http) => {
    const req: UpstreamRequest = { method: 'POST', url: `${sim.server.url}${API}`, operation: 'search', json: [], auth: { none: true }, idempotent: true };
    return h
      .client('CALLJOURNEY')
      .send(req)
      .then(
        (r) => r.status,
        (e: { extensions?: Record<string, unknown> }) => e.extensions?.code,
      );
  };

  beforeAll(async () => {
    sim = createCallJourneySimulator();
    await sim.start();
    arrivals = recordArrivals(sim);
    const prefix = uniqueNamespace();
    replicas.push(replica(prefix), replica(prefix));
    // Counted in Redis once each replica's connection is up (before, each would count alone).
    await waitFor('both replicas to count in Redis', () => replicas.every((h) => h.limits.throttle('CALLJOURNEY').rateLimit?.source.scope === 'fleet'));
  });
  afterAll(async () => {
    await Promise.all(replicas.map((h) => h.close()));
    arrivals?.stop();
    await sim?.stop();
  });

  it('40 requests at once: every one sent once, in two turns of the window, never more than 20 (+1) in a second at the platform', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => search(replicas[i % 2]!)));
    expect(answers).toEqual(Array.from({ length: 40 }, () => 401));
    const at = arrivals.at(API).map((a) => a.at);
    expect(at).toHaveLength(40);
    if (process.env.DEBUG_ARRIVALS) console.log(`arrivals (ms after the first): ${at.map((t) => Math.round(t - at[0]!)).join(' ')}`);
    expect(maxInWindow(at)).toBeLessThanOrEqual(21);
  });
});
