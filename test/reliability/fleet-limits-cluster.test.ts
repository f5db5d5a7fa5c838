/**
 * The fleet-wide limits over a private three-node Redis Cluster (REDIS_CLUSTER_NODES): rate-limiter-flexible's
 * window script and the cool-down key go to the node of their slot, the announcement reaches every node's
 * subscribers, and APQ documents live there too. Two replicas in this process, counted at the simulator, on one
 * ManualClock (the limits' clock, which the window script is given): the windows pass without waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallJourneySimulator, SAMPLE_RECORDINGS, type CallJourneySimulator } from '../../src/simulators/index.js';
import { maxInWindow } from '../support/arrivals.js';
import { startServer, type TestServer } from '../support/harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { uniqueNamespace } from '../support/redis.js';
import { countedByTheFleet, recordClockArrivals, runClock, turnsBeingTaken, waitingTurns, type ClockArrivals } from './clock-arrivals.js';
import { HAS_REDIS_SERVER, startPrivateCluster, waitFor, type PrivateCluster } from './support.js';

const ONE = `query ($key: RecordingKey!) { recording(key: $key) { filename exists } }`;
const known = SAMPLE_RECORDINGS[0]!;
const KEY = { company: known.company, organisation: known.organisation, folder: known.folder, filename: known.filename };
const API = '/api/v1/search/conversationexists';

describe.skipIf(!HAS_REDIS_SERVER)('fleet-wide limits on a Redis Cluster', () => {
  let cluster: PrivateCluster;
  let sim: CallJourneySimulator;
  let arrivals: ClockArrivals;
  let a: TestServer;
  let b: TestServer;
  const clock = new ManualClock();

  beforeAll(async () => {
    cluster = await startPrivateCluster();
    sim = createCallJourneySimulator();
    await sim.start();
    arrivals = recordClockArrivals(sim, clock);
    const env = {
      ...sim.env(),
      REDIS_CLUSTER_NODES: cluster.urls.join(','),
      CXGRAPH_REDIS_PREFIX: uniqueNamespace(),
      CXGRAPH_UPSTREAM_RATE_LIMITS: 'CALLJOURNEY:5',
    };
    [a, b] = [await startServer(env, { limitsClock: clock }), await startServer(env, { limitsClock: clock })];
    await Promise.all([a, b].map((t) => t.gql(ONE, { key: KEY })));
    await waitFor('both replicas to count in the cluster', () => countedByTheFleet(a, 'CALLJOURNEY') && countedByTheFleet(b, 'CALLJOURNEY'));
  }, 60_000);

  it('starts on a healthy cluster without saying Redis does not answer (no command before the slots are known)', () => {
    for (const t of [a, b]) expect(t.logs.text).not.toContain('Redis does not answer');
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    arrivals?.stop();
    await sim?.stop();
    await cluster?.stop();
  });

  it('CALLJOURNEY:5 holds across both replicas, and /readyz says it is counted by the fleet', async () => {
    await clock.advance(1300); // the tokens' turns leave the window
    arrivals.clear();
    let answered = 0;
    const all = Promise.all(
      Array.from({ length: 16 }, (_, i) => (i % 2 ? b : a).gql(ONE, { key: { ...KEY, filename: `cluster-${i}.wav` } }).finally(() => answered++)),
    );
    // Each step once every query is answered or waits for a turn (none on its way, no turn being asked for).
    const taking = [a, b].map((t) => turnsBeingTaken(t, 'CALLJOURNEY'));
    await runClock(clock, {
      stepMs: 50,
      maxMs: 10_000,
      quiet: async () =>
        arrivals.inFlight() === 0 &&
        taking.every((n) => n() === 0) &&
        16 - answered === (await waitingTurns(a, 'CALLJOURNEY')) + (await waitingTurns(b, 'CALLJOURNEY')),
      done: () => answered === 16,
    });
    const answers = await all;
    expect(answers.every((r) => r.data?.recording || r.errors?.[0]?.extensions?.code === 'PROVIDER_RATE_LIMITED')).toBe(true);
    const calls = arrivals.at(API);
    expect(calls.length).toBe(answers.filter((r) => r.data?.recording).length);
    expect(maxInWindow(calls.map((c) => c.at))).toBeLessThanOrEqual(5);
    const ready = (await (await fetch(`${a.url}/readyz`)).json()) as { upstreamRateLimits?: { scope?: string } };
    expect(ready.upstreamRateLimits?.scope).toBe('fleet');
  });

  it("a 429 answered to one replica holds the other back, through the cluster's pub/sub", async () => {
    await clock.advance(1300); // the last test's turns leave the window
    arrivals.clear();
    sim.server.inject({ kind: 'status', status: 429, retryAfterSec: 30, route: 'conversationexists', times: 1 });
    expect((await a.gql(ONE, { key: KEY })).errors?.[0]?.extensions?.code).toBe('PROVIDER_RATE_LIMITED');
    await waitFor('the announcement to reach the other replica', () => b.server.services.upstreamLimits.coolDowns('CALLJOURNEY').length === 1);
    const other = await b.gql(ONE, { key: KEY });
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: 'PROVIDER_RATE_LIMITED' });
    expect(arrivals.at(API)).toHaveLength(1);
  });
});
