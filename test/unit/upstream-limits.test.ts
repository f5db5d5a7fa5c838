/**
 * The pieces of the fleet-wide limits that need no Redis: CXGRAPH_UPSTREAM_RATE_LIMITS as configuration, the
 * per-process sliding window, a provider's queue of waiting requests (turns in order, refusals unsent with
 * retryAfter, told early when a turn cannot come in time), the cool-down of one host and account (never shortened,
 * capped, lifted by one probe), the throttle policy (a 429 with Retry-After starts a cool-down; requests then wait it
 * out or are refused unsent), and the Redis round-trip decision — all on a ManualClock: no real waits.
 */
import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig } from '../../src/app/config.js';
import { CxError } from '../../src/errors/errors.js';
import { CoolDowns, inScope, scopeKey, type CoolDownScope } from '../../src/upstream/limits/cool-down.js';
import { LocalWindow, RateLimit, type Turn, type TurnSource } from '../../src/upstream/limits/rate-limit.js';
import { wasNotSent } from '../../src/upstream/limits/resilience.js';
import { RedisLatency } from '../../src/upstream/limits/redis-latency.js';
import { Throttle } from '../../src/upstream/limits/throttle.js';
import { ManualClock } from '../support/manual-clock.js';

const refusal = (retryAfter: number) => new CxError('no turn', { code: 'PROVIDER_RATE_LIMITED', provider: 'CALLJOURNEY', retryAfter });

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
    const clock = new ManualClock();
    const limit = new RateLimit(2, new LocalWindow(2, 300, () => clock.now()), 450, (s) => refusal(s), {}, clock);
    const order: number[] = [];
    const waited: number[] = [];
    const results = Promise.allSettled([0, 1, 2, 3, 4, 5].map((i) => limit.acquire().then((ms) => (order.push(i), waited.push(ms), ms))));
    await clock.advance(1000);
    // Two at once, two after the window (300 ms); the last two cannot have a turn within 450 ms.
    expect(order).toEqual([0, 1, 2, 3]);
    const refused = (await results).filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as CxError);
    expect(refused).toHaveLength(2);
    for (const e of refused) expect(e.extensions).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', retryAfter: 1 });
    expect(waited).toEqual([0, 0, 300, 300]);
  });

  it('are told at once when no turn can come within the wait, instead of waiting it out', async () => {
    const slow: TurnSource = { scope: 'fleet', take: async (): Promise<Turn> => ({ admitted: false, waitMs: 10_000 }) };
    const clock = new ManualClock();
    const refused = new RateLimit(1, slow, 2_000, (s) => refusal(s), {}, clock).acquire().catch((e: unknown) => e);
    await clock.advance(0);
    expect(await refused).toMatchObject({ extensions: { retryAfter: 10 } });
  });
});

const scope = (host = 'storage.pbx.example', account = 'acct-1'): CoolDownScope => ({ provider: 'PBX', host, account });

describe('the cool-down of one host and account', () => {
  it('is started by a 429, announced once, never shortened, and capped at CXGRAPH_COOL_DOWN_MAX_SECONDS', () => {
    const clock = new ManualClock();
    const announced: number[] = [];
    const share = { announce: (_p: string, _k: string, ms: number) => void announced.push(ms), lift() {}, claimProbe: async () => true, releaseProbe() {} };
    const c = new CoolDowns('PBX', { maxMs: 60_000, clock, share });
    c.started(scope(), 3);
    expect(c.remainingMs(scope())).toBe(3000);
    c.learnt(scopeKey(scope()), 1000); // another replica's shorter one does not shorten it
    expect(c.remainingMs(scope())).toBe(3000);
    c.started(scope(), 2);
    expect(announced).toEqual([3000]);
    c.started(scope(), 999_999);
    expect(c.remainingMs(scope())).toBe(60_000);
    // Other hosts and other accounts of the same provider are not held back.
    expect(c.phase(scope('api.pbx.example'))).toEqual({ kind: 'clear' });
    expect(c.phase(scope(undefined, 'acct-2'))).toEqual({ kind: 'clear' });
    expect(c.list()).toEqual([{ host: 'storage.pbx.example', account: 'acct-1', until: clock.now() + 60_000, remainingMs: 60_000, probing: false }]);
  });

  it('its key is a list of named parts, so more can join it', () => {
    expect(scopeKey({ host: 'h:8443', account: 'a b&c' })).toBe('h=h%3A8443&a=a+b%26c');
  });
});

describe('the throttle policy', () => {
  const answer = (status: number, retryAfter?: string) => ({ status, headers: new Headers(retryAfter ? { 'retry-after': retryAfter } : {}) });
  const make = (maxWaitMs: number, maxMs = 60_000) => {
    const clock = new ManualClock();
    const coolDowns = new CoolDowns('PBX', { maxMs, clock });
    return { clock, coolDowns, t: new Throttle('PBX', coolDowns, undefined, maxWaitMs, undefined, clock) };
  };
  const run = <T>(t: Throttle, s: CoolDownScope, fn: () => T) => inScope(s, () => t.execute(fn));

  it('a 429 with Retry-After starts the cool-down; later requests wait it out within the cap, else fail unsent', async () => {
    const { clock, t } = make(1_000);
    const sent: number[] = [];
    expect((await run(t, scope(), () => answer(429, '1'))).status).toBe(429);
    const started = clock.now();
    const waiting = run(t, scope(), async () => (sent.push(clock.now() - started), answer(200)));
    await clock.advance(1000);
    await waiting;
    expect(sent).toEqual([1000]);

    await run(t, scope(), () => answer(429, '30'));
    const refused = await run(t, scope(), () => answer(200)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CxError);
    expect((refused as CxError).extensions).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', retryAfter: 30 });
    expect(wasNotSent(refused)).toBe(true);
    expect(sent).toHaveLength(1);
  });

  it('Retry-After: 999999 holds back that host and account for CXGRAPH_COOL_DOWN_MAX_SECONDS only; then one probe lifts it for everyone', async () => {
    const { clock, coolDowns, t } = make(120_000, 60_000);
    await run(t, scope(), () => answer(429, '999999'));
    // Other accounts and hosts go on at once.
    expect((await run(t, scope(undefined, 'acct-2'), () => answer(200))).status).toBe(200);
    expect((await run(t, scope('api.pbx.example'), () => answer(200))).status).toBe(200);

    let sent = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const probe = async () => {
      sent++;
      await gate;
      return answer(200);
    };
    const waiters = Array.from({ length: 5 }, () => run(t, scope(), probe));
    await clock.advance(59_999);
    expect(sent).toBe(0);
    await clock.advance(1);
    // The cap has passed: exactly one request goes, as the probe; the others wait for its answer.
    expect(sent).toBe(1);
    expect(coolDowns.list()[0]).toMatchObject({ probing: true, remainingMs: 0 });
    await clock.advance(1000);
    expect(sent).toBe(1);
    release();
    await clock.advance(0);
    await Promise.all(waiters);
    expect(sent).toBe(5);
    expect(coolDowns.idle).toBe(true);
  });

  it('a probe answered 429 starts the cool-down again, capped; a probe without an answer lets the next request probe', async () => {
    const { clock, coolDowns, t } = make(120_000, 60_000);
    await run(t, scope(), () => answer(429, '999999'));
    await clock.advance(60_000);
    await run(t, scope(), () => answer(429, '999999'));
    expect(coolDowns.remainingMs(scope())).toBe(60_000);
    await clock.advance(60_000);
    const lost = run(t, scope(), () => Promise.reject(new Error('connection reset')));
    await expect(lost).rejects.toThrow('connection reset');
    expect(coolDowns.phase(scope())).toEqual({ kind: 'probe' });
    expect((await run(t, scope(), () => answer(200))).status).toBe(200);
    expect(coolDowns.idle).toBe(true);
  });

  it('costs nothing but the check when there is neither a limit nor a cool-down, and ignores a 429 without Retry-After', async () => {
    const { coolDowns, t } = make(1_000);
    await run(t, scope(), () => answer(429));
    expect(coolDowns.idle).toBe(true);
    expect((await run(t, scope(), () => answer(200))).status).toBe(200);
  });
});

describe('Redis round trips and where rate limits are counted', () => {
  it('per process after 3 heartbeats in a row over the budget, fleet-wide again after 3 within it; one slow one or a stale run changes nothing', () => {
    const clock = new ManualClock();
    const told: [boolean, number][] = [];
    const l = new RedisLatency({ maxRttMs: 200, clock, onChange: (slow, ms) => told.push([slow, ms]) });
    for (const ms of [3, 450, 2, 260, 270]) {
      l.record(ms);
      void clock.advance(500);
    }
    expect(l.slow).toBe(false); // a busy moment is not a slow Redis
    l.record(300);
    expect(l.slow).toBe(true);
    expect(l.since).toBe(clock.now());
    for (const ms of [300, 300, 5, 300, 5, 5]) l.record(ms);
    expect(l.slow).toBe(true);
    l.record(5);
    expect(l.slow).toBe(false);
    expect(told).toEqual([
      [true, 300],
      [false, 5],
    ]);
  });

  it('samples older than the window do not count', async () => {
    const clock = new ManualClock();
    const l = new RedisLatency({ maxRttMs: 200, clock });
    l.record(300);
    l.record(300);
    await clock.advance(6_000);
    l.record(300);
    expect(l.slow).toBe(false);
    l.record(300);
    l.record(300);
    expect(l.slow).toBe(true);
  });
});
