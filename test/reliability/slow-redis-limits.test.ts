/**
 * Issue 17 item 5: a slow Redis must not collapse the fleet rate limit. A real delaying TCP proxy (150 ms each way)
 * in front of the real Redis; CALLJOURNEY:20 and 60 distinct recordings at once. Before: 32 answered in 20 s, 28
 * PROVIDER_RATE_LIMITED, the platform idle (one 300 ms round trip per turn). Now the replica notices the round trips
 * are over CXGRAPH_RATE_LIMIT_REDIS_MAX_RTT_MS and counts its share per process: every key answered at ≥ 80 % of
 * the budget, never above it, /readyz and one log line say so; with the delay gone it counts fleet-wide again.
 * Real time (a few seconds): the point is the real round trips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallJourneySimulator, SAMPLE_RECORDINGS, type CallJourneySimulator } from '../../src/simulators/index.js';
import { maxInWindow, recordArrivals, type Arrivals } from '../support/arrivals.js';
import { startDelayProxy, type DelayProxy } from '../support/delay-proxy.js';
import { startServer, type TestServer } from '../support/harness.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';

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
  const ready = async () => (await (await fetch(`${t.url}/readyz`)).json()) as Ready;
  const until = async (ok: (r: Ready) => boolean, ms: number) => {
    for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (ok(await ready())) return true;
    return false;
  };

  beforeAll(async () => {
    sim = createCallJourneySimulator();
    await sim.start();
    arrivals = recordArrivals(sim);
    const redis = new URL(REDIS_URL);
    proxy = await startDelayProxy({ host: redis.hostname, port: Number(redis.port || 6379) }, 150);
    t = await startServer({ ...sim.env(), REDIS_URL: proxy.url, CXGRAPH_REDIS_PREFIX: uniqueNamespace(), CXGRAPH_UPSTREAM_RATE_LIMITS: 'CALLJOURNEY:20' });
    await t.gql(ONE, { key: KEY }); // the token first: a token request is a request to the provider too
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    arrivals?.stop();
    await sim?.stop();
  });

  it('counts per process at ≥ 80 % of the budget and never above it, says so once, and goes back to the fleet when Redis is fast again', async () => {
    expect(await until((r) => r.upstreamRateLimits?.scope === 'process', 5_000), 'noticed the slow Redis').toBe(true);
    expect((await ready()).upstreamRateLimits).toMatchObject({ replicasSeen: 1, note: expect.stringMatching(/CXGRAPH_RATE_LIMIT_REDIS_MAX_RTT_MS/) });
    await sleep(1200);
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
    expect(await until((r) => r.upstreamRateLimits?.scope === 'fleet', 5_000), 'back to the fleet').toBe(true);
    expect(t.logs.text).toMatch(/back within CXGRAPH_RATE_LIMIT_REDIS_MAX_RTT_MS/);
  }, 30_000);
});
