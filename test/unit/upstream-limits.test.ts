/**
 * The pieces of the fleet-wide limits that need no Redis: CXGRAPH_UPSTREAM_RATE_LIMITS as configuration, the
 * per-process sliding window, a provider's queue of waiting requests (turns in order, refusals unsent with
 * retryAfter, told early when a turn cannot come in time), the cool-down (never shortened, capped), and the throttle
 * policy (a 429 with Retry-After starts a cool-down; requests then wait it out or are refused unsent).
 */
import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig } from '../../src/app/config.js';
import { CxError } from '../../src/errors/errors.js';
import { CoolDown, MAX_COOL_DOWN_SECONDS } from '../../src/upstream/limits/cool-down.js';
import { LocalWindow, RateLimit, type Turn, type TurnSource } from '../../src/upstream/limits/rate-limit.js';
import { wasNotSent } from '../../src/upstream/limits/resilience.js';
import { Throttle } from '../../src/upstream/limits/throttle.js';

const refusal = (retryAfter: number) => new CxError('no turn', { code: 'PROVIDER_RATE_LIMITED', provider: 'CALLJOURNEY', retryAfter });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('CXGRAPH_UPSTREAM_RATE_LIMITS', () => {
  const load = (v: string, extra: Record<string, string> = {}) => loadConfig({ NODE_ENV: 'test', CXGRAPH_UPSTREAM_RATE_LIMITS: v, ...extra });

  it('reads PROVIDER:N pairs, and the start-up summary says where they are counted', () => {
    const c = load('CALLJOURNEY:20, newvoicemedia:10');
    expect(c.resilience.upstreamRateLimits).toEqual({ CALLJOURNEY: 20, NEWVOICEMEDIA: 10 });
    expect(c.resilience.rateLimitWaitMs).toBe(5000);
    expect(describeConfig(c).upstreamRateLimits).toMatchObject({ counted: expect.stringMatching(/per process/) });
    const shared = load('PBX:5', { REDIS_URL: 'redis://127.0.0.1:6379', CXGRAPH_REDIS_PREFIX: 'x' });
    expect(shared.resilience.fleet).toEqual({ target: { url: 'redis://127.0.0.1:6379' }, prefix: 'x' });
    expect(describeConfig(shared).upstreamRateLimits).toMatchObject({ counted: 'across every replica on the Redis' });
    expect(load('').resilience.upstreamRateLimits).toEqual({});
  });

  it('names every bad entry at once', () => {
    expect(() => load('CALLJOURNEY=20,ACME:3,PBX:0,PBX:2,PBX:3')).toThrow(
      /CXGRAPH_UPSTREAM_RATE_LIMITS[\s\S]*PROVIDER:requests-per-second[\s\S]*ACME is not a provider[\s\S]*PBX: expected 1 to 100000[\s\S]*PBX is given twice/,
    );
  });
});

describe('the sliding window of one process', () => {
  it('admits N in any window and says how long until the oldest leaves it', () => {
    let now = 0;
    const w = new LocalWindow(3, 1000, () => now);
    expect([w.takeNow(), w.takeNow(), w.takeNow()].every((t) => t.admitted)).toBe(true);
    now = 400;
    expect(w.takeNow()).toEqual({ admitted: false, waitMs: 600 });
    now = 999;
    expect(w.takeNow()).toEqual({ admitted: false, waitMs: 1 });
    now = 1000; // the three of t=0 leave the window together
    expect([w.takeNow(), w.takeNow(), w.takeNow()].every((t) => t.admitted)).toBe(true);
    expect(w.takeNow()).toEqual({ admitted: false, waitMs: 1000 });
  });
});

describe("a provider's waiting requests", () => {
  it('get their turns in order, and are refused unsent with retryAfter once the wait is over', async () => {
    const limit = new RateLimit(2, new LocalWindow(2, 300), 450, (s) => refusal(s));
    const order: number[] = [];
    const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map((i) => limit.acquire().then((ms) => (order.push(i), ms))));
    // Two at once, two after the window (~300 ms); the last two cannot have a turn within 450 ms.
    expect(order).toEqual([0, 1, 2, 3]);
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as CxError);
    expect(refused).toHaveLength(2);
    for (const e of refused) expect(e.extensions).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', retryAfter: 1 });
    const waited = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value);
    expect(waited[2]).toBeGreaterThanOrEqual(250);
  });

  it('are told at once when no turn can come within the wait, instead of waiting it out', async () => {
    const slow: TurnSource = { scope: 'fleet', take: async (): Promise<Turn> => ({ admitted: false, waitMs: 10_000 }) };
    const started = performance.now();
    await expect(new RateLimit(1, slow, 2_000, (s) => refusal(s)).acquire()).rejects.toMatchObject({ extensions: { retryAfter: 10 } });
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('the cool-down', () => {
  it('is started by a 429, announced once, never shortened, and capped', () => {
    const announced: number[] = [];
    const c = new CoolDown('CALLJOURNEY', (ms) => announced.push(ms));
    c.started(3);
    expect(c.remainingMs()).toBeGreaterThan(2900);
    c.learnt(1000); // another replica's shorter one does not shorten it
    expect(c.remainingMs()).toBeGreaterThan(2900);
    c.started(2);
    expect(announced).toEqual([3000]);
    c.started(10 * MAX_COOL_DOWN_SECONDS);
    expect(c.remainingMs()).toBeLessThanOrEqual(MAX_COOL_DOWN_SECONDS * 1000);
  });
});

describe('the throttle policy', () => {
  const answer = (status: number, retryAfter?: string) => ({ status, headers: new Headers(retryAfter ? { 'retry-after': retryAfter } : {}) });

  it('a 429 with Retry-After starts the cool-down; later requests wait it out within the cap, else fail unsent', async () => {
    const coolDown = new CoolDown('CALLJOURNEY');
    const sent: number[] = [];
    const t = new Throttle('CALLJOURNEY', coolDown, undefined, 1_000);
    expect((await t.execute(() => answer(429, '1'))).status).toBe(429);
    const started = performance.now();
    await t.execute(async () => (sent.push(performance.now() - started), answer(200)));
    expect(sent[0]).toBeGreaterThanOrEqual(900);

    await t.execute(() => answer(429, '30'));
    const refused = await t.execute(() => answer(200)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CxError);
    expect((refused as CxError).extensions).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', retryAfter: 30 });
    expect(wasNotSent(refused)).toBe(true);
    expect(sent).toHaveLength(1);
  });

  it('costs nothing but the check when there is neither a limit nor a cool-down, and ignores a 429 without Retry-After', async () => {
    const coolDown = new CoolDown('PBX');
    const t = new Throttle('PBX', coolDown, undefined, 1_000);
    await t.execute(() => answer(429));
    expect(coolDown.remainingMs()).toBeLessThanOrEqual(0);
    await sleep(1);
    expect((await t.execute(() => answer(200))).status).toBe(200);
  });
});
