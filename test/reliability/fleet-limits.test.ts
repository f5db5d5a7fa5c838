/**
 * Fleet-wide upstream limits (issue 12, items 2 and 3) over real HTTP and real Redis: two replicas (two servers in
 * this process, on one store) counted where the platform counts, arrivals at the simulator's own HTTP server. Time is
 * one ManualClock for both replicas (the limits' clock; the Redis window counts on it too): the one-second windows
 * and the Retry-After pass without waiting, and each arrival is stamped with the time the limits count in.
 * fleet-limits-real-time.test.ts runs the window on Redis's own clock, in real seconds.
 *
 * - CXGRAPH_UPSTREAM_RATE_LIMITS=CALLJOURNEY:20: 120 distinct recordings at once through two replicas; no one-second
 *   window at the simulator holds more than 20 calls, every key is answered or PROVIDER_RATE_LIMITED with
 *   retryAfter, and nothing is sent twice (arrivals = answers).
 * - A 429 with Retry-After: 3 answered to one replica: no replica sends to CallJourney for the next 3 s, and the
 *   queries that waited are answered afterwards.
 * - A Retry-After longer than CXGRAPH_RETRY_AFTER_CAP_SECONDS: the other replica fails fast, unsent.
 * - Without Redis the limit holds per process, and /readyz and the start-up log say so.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCallJourneySimulator, SAMPLE_RECORDINGS, type CallJourneySimulator } from '../../src/simulators/index.js';
import { maxInWindow } from '../support/arrivals.js';
import { startServer, type GraphQLResult, type TestServer } from '../support/harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';
import { countedByTheFleet, recordClockArrivals, runClock, turnsBeingTaken, waitingTurns, type ClockArrivals } from './clock-arrivals.js';
import { waitFor } from './support.js';

const ONE = `query ($key: RecordingKey!) { recording(key: $key) { filename exists } }`;
const known = SAMPLE_RECORDINGS[0]!;
const KEY = { company: known.company, organisation: known.organisation, folder: known.folder, filename: known.filename };
const API = '/api/v1/search/conversationexists';

type Answer = Pick<GraphQLResult<{ recording: { filename: string; exists: boolean } | null }>, 'data' | 'errors'>;

async function metric(t: { url: string }, series: string): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(series));
  return line ? Number(line.split(' ').pop()) : 0;
}

const coolDownsOf = (t: TestServer) => t.server.services.upstreamLimits.coolDowns('CALLJOURNEY');

describe('fleet-wide upstream limits', () => {
  let sim: CallJourneySimulator;
  let clock: ManualClock;
  let arrivals: ClockArrivals;
  const servers: TestServer[] = [];

  /**
   * `n` replicas on one clock. Tokens first (a token request is a request to the provider too), then the window
   * they took part of runs out (counted in Redis by then, with Redis), and a clean slate at the simulator.
   */
  async function replicas(n: number, env: Record<string, string>): Promise<TestServer[]> {
    const started = await Promise.all(Array.from({ length: n }, () => startServer({ ...sim.env(), ...env }, { limitsClock: clock })));
    servers.push(...started);
    await Promise.all(started.map((s) => s.gql(ONE, { key: KEY })));
    if (env.CXGRAPH_UPSTREAM_RATE_LIMITS && env.REDIS_URL)
      await waitFor('the replicas to count in Redis', () => started.every((s) => countedByTheFleet(s, 'CALLJOURNEY')));
    await clock.advance(1300);
    arrivals.clear();
    return started;
  }

  /**
   * Sends every query at once and runs the clock in 50 ms steps until all are answered; a step waits until each
   * query is answered or waits for a turn (none on its way, no turn being asked for), so every turn is counted and
   * every arrival stamped at the time the turn was asked for.
   */
  async function burst(on: TestServer[], queries: ((t: TestServer) => Promise<Answer>)[]): Promise<Answer[]> {
    const answers: Answer[] = [];
    const all = Promise.all(queries.map((q, i) => q(on[i % on.length]!).then((r) => (answers.push(r), r))));
    const waiting = async () => (await Promise.all(on.map((t) => waitingTurns(t, 'CALLJOURNEY')))).reduce((a, b) => a + b, 0);
    const taking = on.map((t) => turnsBeingTaken(t, 'CALLJOURNEY'));
    await runClock(clock, {
      stepMs: 50,
      maxMs: 10_000,
      quiet: async () => arrivals.inFlight() === 0 && taking.every((n) => n() === 0) && queries.length - answers.length === (await waiting()),
      done: () => answers.length === queries.length,
    });
    return all;
  }

  beforeAll(async () => {
    sim = createCallJourneySimulator();
    await sim.start();
  });
  afterAll(async () => {
    await sim.stop();
  });
  beforeEach(() => {
    clock = new ManualClock();
    arrivals = recordClockArrivals(sim, clock);
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    sim.server.clearFaults();
    arrivals.stop();
  });

  describe.skipIf(!HAS_REDIS)('two replicas on one Redis', () => {
    it('CALLJOURNEY:20 and 120 distinct recordings at once: ≤ 20 in any second at the simulator, each key answered or PROVIDER_RATE_LIMITED, none sent twice', async () => {
      const [a, b] = await replicas(2, { REDIS_URL, CXGRAPH_REDIS_PREFIX: uniqueNamespace(), CXGRAPH_UPSTREAM_RATE_LIMITS: 'CALLJOURNEY:20' });
      const answers = await burst(
        [a!, b!],
        Array.from({ length: 120 }, (_, i) => (t: TestServer) => t.gql(ONE, { key: { ...KEY, filename: `rate-limited-${i}.wav` } })),
      );

      const answered = answers.filter((r) => r.data?.recording);
      const refused = answers.filter((r) => r.errors?.[0]?.extensions?.code === 'PROVIDER_RATE_LIMITED');
      expect(answered.length + refused.length).toBe(120);
      for (const r of refused) {
        expect(r.data).toEqual({ recording: null });
        expect(r.errors![0]!.extensions!.retryAfter).toBeGreaterThanOrEqual(1);
        expect(r.errors![0]!.message).toMatch(/CXGRAPH_UPSTREAM_RATE_LIMITS: 20 requests per second across every replica/);
      }
      // The default wait (5 s) holds about five windows' worth; the rest is refused, unsent.
      expect(answered.length).toBeGreaterThanOrEqual(60);
      expect(refused.length).toBeGreaterThan(0);

      const calls = arrivals.at(API);
      expect(calls.length, 'one call per answered key: nothing sent twice, nothing refused was sent').toBe(answered.length);
      if (process.env.DEBUG_ARRIVALS) console.log(`arrivals (ms after the first): ${calls.map((c) => c.at - calls[0]!.at).join(' ')}`);
      expect(maxInWindow(calls.map((c) => c.at))).toBeLessThanOrEqual(20);
      // Across the fleet: which replica's requests waited or were refused depends on whose turn came first.
      const fleet = async (name: string) => (await metric(a!, name)) + (await metric(b!, name));
      expect(await fleet('cxgraph_upstream_throttle_refused_total{provider="CALLJOURNEY",reason="rate_limit"}')).toBeGreaterThan(0);
      expect(await fleet('cxgraph_upstream_throttle_wait_seconds_count{provider="CALLJOURNEY",reason="rate_limit"}')).toBeGreaterThan(0);
    });

    it('a 429 with Retry-After: 3 answered to one replica: no replica sends to CallJourney for the next 3 s, then they all go on', async () => {
      const [a, b] = await replicas(2, { REDIS_URL, CXGRAPH_REDIS_PREFIX: uniqueNamespace() });
      let running = true;
      const answers: Answer[] = [];
      // Three queries at a time on each replica, one after another, all along.
      const loops = [a!, a!, a!, b!, b!, b!].map(async (t) => {
        while (running) answers.push((await t.gql(ONE, { key: KEY })) as Answer);
      });
      await waitFor('queries to flow', () => arrivals.at(API).length >= 12);
      sim.server.inject({ kind: 'status', status: 429, retryAfterSec: 3, route: 'conversationexists', times: 1 });
      // Requests already on their way when the 429 was answered, or sent by the other replica before the news reached
      // it through Redis, arrive at the 429's time: the clock stands still until all six queries wait (a timer each).
      const waitingOutCoolDown = () => clock.pending === 6 && arrivals.inFlight() === 0;
      await waitFor('all six queries to wait out the cool-down', waitingOutCoolDown);
      const limited = arrivals.at(API).find((c) => c.status === 429);
      expect(limited, 'the injected 429 was answered').toBeDefined();
      expect(coolDownsOf(a!)).toHaveLength(1);
      expect(coolDownsOf(b!)).toHaveLength(1);

      // The 3 s in steps, each once the six wait again: a request sent meanwhile would be stamped within them.
      await runClock(clock, { stepMs: 100, maxMs: 3000, quiet: waitingOutCoolDown, done: () => clock.now() >= limited!.at + 3000 });
      await waitFor('queries to flow again', () => arrivals.at(API).some((c) => c.at >= limited!.at + 3000));
      running = false;
      await Promise.all(loops);

      const calls = arrivals.at(API);
      const during = calls.filter((c) => c.at > limited!.at && c.at < limited!.at + 3000);
      expect(during.map((c) => c.at - limited!.at)).toEqual([]);
      // Every query was answered: those that arrived meanwhile waited (3 s is within CXGRAPH_RETRY_AFTER_CAP_SECONDS).
      expect(answers.filter((r) => !r.data?.recording)).toEqual([]);
      // One replica was told by the platform, the other by Redis.
      const [la, lb] = [
        await metric(a!, 'cxgraph_upstream_cool_downs_total{provider="CALLJOURNEY",origin="local"}'),
        await metric(b!, 'cxgraph_upstream_cool_downs_total{provider="CALLJOURNEY",origin="local"}'),
      ];
      const [sa, sb] = [
        await metric(a!, 'cxgraph_upstream_cool_downs_total{provider="CALLJOURNEY",origin="shared"}'),
        await metric(b!, 'cxgraph_upstream_cool_downs_total{provider="CALLJOURNEY",origin="shared"}'),
      ];
      expect(la + lb).toBe(1);
      expect(la ? sb : sa).toBe(1);
    });

    it('a Retry-After beyond CXGRAPH_RETRY_AFTER_CAP_SECONDS: the replica told fails with retryAfter, the other fails fast without sending', async () => {
      const ns = uniqueNamespace();
      const env = { REDIS_URL, CXGRAPH_REDIS_PREFIX: ns, CXGRAPH_RETRY_AFTER_CAP_SECONDS: '2' };
      const [a, b] = await replicas(2, env);
      sim.server.inject({ kind: 'status', status: 429, retryAfterSec: 30, route: 'conversationexists', times: 1 });
      const first = (await a!.gql(ONE, { key: KEY })) as Answer;
      expect(first.errors?.[0]?.extensions).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', retryAfter: 30 });
      await waitFor('the announcement to travel through Redis', () => coolDownsOf(b!).length === 1);
      // Waiting would wait on the clock, which stands still: only an answer without waiting comes back in time.
      const started = performance.now();
      const other = (await b!.gql(ONE, { key: KEY })) as Answer;
      expect(performance.now() - started).toBeLessThan(1000);
      expect(other.errors?.[0]?.extensions?.code).toBe('PROVIDER_RATE_LIMITED');
      expect(other.errors![0]!.extensions!.retryAfter).toBeGreaterThanOrEqual(29);
      expect(other.errors![0]!.message).toMatch(/holds back/);
      expect(arrivals.at(API)).toHaveLength(1);
      // A replica started later reads the cool-down back from Redis.
      const c = await startServer({ ...sim.env(), ...env }, { limitsClock: clock });
      servers.push(c);
      await waitFor('the late replica to read the cool-down back', () => coolDownsOf(c).length === 1);
      expect(((await c.gql(ONE, { key: KEY })) as Answer).errors?.[0]?.extensions?.code).toBe('PROVIDER_RATE_LIMITED');
      expect(arrivals.at(API)).toHaveLength(1);
    });
  });

  describe('without Redis', () => {
    it('the limit holds per process, and /readyz and the start-up log say so', async () => {
      const [a] = await replicas(1, { CXGRAPH_UPSTREAM_RATE_LIMITS: 'CALLJOURNEY:5' });
      const ready = (await (await fetch(`${a!.url}/readyz`)).json()) as { upstreamRateLimits?: Record<string, unknown> };
      expect(ready.upstreamRateLimits).toMatchObject({ perSecond: { CALLJOURNEY: 5 }, scope: 'process' });
      expect(a!.logs.text).toMatch(/upstream rate limits apply per process/);
      const answers = await burst(
        [a!],
        Array.from({ length: 12 }, (_, i) => (t: TestServer) => t.gql(ONE, { key: { ...KEY, filename: `local-${i}.wav` } })),
      );
      expect(answers.every((r) => r.data?.recording || r.errors?.[0]?.extensions?.code === 'PROVIDER_RATE_LIMITED')).toBe(true);
      expect(maxInWindow(arrivals.at(API).map((c) => c.at))).toBeLessThanOrEqual(5);
    });
  });
});
