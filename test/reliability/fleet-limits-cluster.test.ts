/**
 * The fleet-wide limits over a private three-node Redis Cluster (REDIS_CLUSTER_NODES): rate-limiter-flexible's
 * window script and the cool-down key go to the node of their slot, the announcement reaches every node's
 * subscribers, and APQ documents live there too. Two replicas in this process, counted at the simulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallJourneySimulator, SAMPLE_RECORDINGS, type CallJourneySimulator } from '../../src/simulators/index.js';
import { maxInWindow, recordArrivals, type Arrivals } from '../support/arrivals.js';
import { startServer, type TestServer } from '../support/harness.js';
import { uniqueNamespace } from '../support/redis.js';
import { HAS_REDIS_SERVER, startPrivateCluster, type PrivateCluster } from './support.js';

const ONE = `query ($key: RecordingKey!) { recording(key: $key) { filename exists } }`;
const known = SAMPLE_RECORDINGS[0]!;
const KEY = { company: known.company, organisation: known.organisation, folder: known.folder, filename: known.filename };
const API = '/api/v1/search/conversationexists';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!HAS_REDIS_SERVER)('fleet-wide limits on a Redis Cluster', () => {
  let cluster: PrivateCluster;
  let sim: CallJourneySimulator;
  let arrivals: Arrivals;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    cluster = await startPrivateCluster();
    sim = createCallJourneySimulator();
    await sim.start();
    arrivals = recordArrivals(sim);
    const env = {
      ...sim.env(),
      REDIS_CLUSTER_NODES: cluster.urls.join(','),
      CXGRAPH_REDIS_PREFIX: uniqueNamespace(),
      CXGRAPH_UPSTREAM_RATE_LIMITS: 'CALLJOURNEY:5',
    };
    [a, b] = [await startServer(env), await startServer(env)];
    await Promise.all([a, b].map((t) => t.gql(ONE, { key: KEY })));
    await sleep(1100);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    arrivals?.stop();
    await sim?.stop();
    await cluster?.stop();
  });

  it('CALLJOURNEY:5 holds across both replicas, and /readyz says it is counted by the fleet', async () => {
    arrivals.clear();
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 ? b : a).gql(ONE, { key: { ...KEY, filename: `cluster-${i}.wav` } })));
    expect(answers.every((r) => r.data?.recording || r.errors?.[0]?.extensions?.code === 'PROVIDER_RATE_LIMITED')).toBe(true);
    const calls = arrivals.at(API);
    expect(calls.length).toBe(answers.filter((r) => r.data?.recording).length);
    expect(maxInWindow(calls.map((c) => c.at))).toBeLessThanOrEqual(6);
    const ready = (await (await fetch(`${a.url}/readyz`)).json()) as { upstreamRateLimits?: { scope?: string } };
    expect(ready.upstreamRateLimits?.scope).toBe('fleet');
  }, 30_000);

  it("a 429 answered to one replica holds the other back, through the cluster's pub/sub", async () => {
    await sleep(1100);
    arrivals.clear();
    sim.server.inject({ kind: 'status', status: 429, retryAfterSec: 30, route: 'conversationexists', times: 1 });
    expect((await a.gql(ONE, { key: KEY })).errors?.[0]?.extensions?.code).toBe('PROVIDER_RATE_LIMITED');
    await sleep(100);
    const other = await b.gql(ONE, { key: KEY });
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: 'PROVIDER_RATE_LIMITED' });
    expect(arrivals.at(API)).toHaveLength(1);
  }, 30_000);
});
