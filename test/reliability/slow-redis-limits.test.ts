/**
 * Issue 17 item 5: a slow Redis must not collapse the fleet rate limit. A real delaying TCP proxy (150 ms each way)
 * in front of the real Redis; CALLJOURNEY:20 and 60 distinct recordings at once. Before: 32 answered in 20 s, 28
 * PROVIDER_RATE_LIMITED, the platform idle (one 300 ms round trip per turn). Now the replica notices the round trips
 * are over CXGRAPH_RATE_LIMIT_REDIS_MAX_RTT_MS and counts its share per process: every key answered at ≥ 80 % of
 * the budget, never above it, /readyz and one log line say so; with the delay gone it counts fleet-wide again.
 *
 * Real time where it is the point: the round trips through the proxy, and the burst's throughput. The heartbeats that
 * measure the round trips come every 500 ms of the limits' clock, a SkipClock: the test skips the wait for the next
 * one as soon as the last has answered. Runs in vitest's 'real-time' project (the burst measures real seconds).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallJourneySimulator, SAMPLE_RECORDINGS, type CallJourneySimulator } from '../../src/simulators/index.js';
import { HEARTBEAT_MS } from '../../src/upstream/limits/redis-latency.js';
import { maxInWindow, recordArrivals, type Arrivals } from '../support/arrivals.js';
import { startDelayProxy, type DelayProxy } from '../support/delay-proxy.js';
import { startServer, type TestServer } from '../support/harness.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';
import { SkipClock } from './skip-clock.js';

const ONE = `query ($key: RecordingKey!) { recording(key: $key) { filename exists } }`;
const known = SAMPLE_RECORDINGS[0]!;
const KEY = { company: known.company, organisation: known.organisation, folder: known.folder, filename: known.filename };
const API = '/api/v1/search/conversationexists';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Ready = { upstreamRateLimits?: { scope?: string; replicasSeen?: number; note?: string } };

describe.skipIf(!HAS_REDIS)('CALLJOURNEY:20 through a Redis 150 ms away', () => {
  let sim: CallJourneySimulator;
  let arrivals: Arrivals;
  let proxy: DelayProxy;
  let t: TestServer;
  const clock = new SkipClock();
  const ready = async () => (await (await fetch(`${t.url}/readyz`)).json()) as Ready;
  /** Heartbeats back to back (each as soon as the last answered) until the replica counts where `scope` says. */
  const countedBy = async (scope: 'process' | 'fleet') => {
    const latency = t.server.services.upstreamLimits.latency!;
    for (const end = Date.now() + 5_000; Date.now() < end; await sleep(5)) {
      if (latency.slow === (scope === 'process')) return true;
      // No request is on its way: the one timer is the next heartbeat's.
      if (clock.pending > 0) clock.skip(HEARTBEAT_MS);
    }
    return false;
  };

  beforeAll(async () => {
    sim = createCallJourneySimulator();
    await sim.start();
    arrivals = recordArrivals(sim);
    const redis = new URL(REDIS_URL);
    // Fast while cxgraph starts and takes its token; slow from the test on.
    proxy = await startDelayProxy({ host: redis.hostname, port: Number(redis.port || 6379) }, 0);
    t = await startServer(
      { ...sim.env(), REDIS_URL: proxy.url, CXGRAPH_REDIS_PREFIX: uniqueNamespace(), CXGRAPH_UPSTREAM_RATE_LIMITS: 'CALLJOURNEY:20' },
      { limitsClock: clock },
    );
    await t.gql(ONE, { key: KEY }); // the token first: a token request is a request to the provider too
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    arrivals?.stop();
    await sim?.stop();
  });

  it('counts per process at ≥ 80 % of the budget and never above it, says so once, and goes back to the fleet when Redis is fast again', async () => {
    proxy.delayMs = 150;
    expect(await countedBy('process'), 'noticed the slow Redis').toBe(true);
    expect((await ready()).upstreamRateLimits).toMatchObject({
      scope: 'process',
      replicasSeen: 1,
      note: expect.stringMatching(/CXGRAPH_RATE_LIMIT_REDIS_MAX_RTT_MS/),
    });
    arrivals.clear();

    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => t.gql(ONE, { key: { ...KEY, filename: `slow-redis-${i}.wav` } })));
    expect(answers.filter((r) => !r.data?.recording).map((r) => r.errors?.[0]?.message)).toEqual([]);
    const at = arrivals.at(API).map((c) => c.at);
    expect(at).toHaveLength(60);
    expect(maxInWindow(at), 'never above the budget').toBeLessThanOrEqual(21);
    // 60 at ≥ 16 per second: the last sent within 60/16 − 1 s of the first (the first window's 20 go at once).
    const spanS = (Math.max(...at) - Math.min(...at)) / 1000;
    expect(spanS, 'at least 80 % of the budget').toBeLessThanOrEqual(60 / 16 - 1);
    expect(t.logs.text.match(/over CXGRAPH_RATE_LIMIT_REDIS_MAX_RTT_MS/g)).toHaveLength(1);

    proxy.delayMs = 0;
    expect(await countedBy('fleet'), 'back to the fleet').toBe(true);
    expect((await ready()).upstreamRateLimits?.scope).toBe('fleet');
    expect(t.logs.text).toMatch(/back within CXGRAPH_RATE_LIMIT_REDIS_MAX_RTT_MS/);
  }, 30_000);
});
