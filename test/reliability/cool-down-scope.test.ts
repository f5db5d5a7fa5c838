/**
 * Issue 17 item 4: one 429 must not wedge a provider for an hour, for every account, on every replica.
 *
 * Two replicas (two createHttp on one real Redis, as two processes would be) send real HTTP to the CallJourney
 * simulator, which answers one request `429 Retry-After: 999999`. The scope of a cool-down is provider + host +
 * account: the same simulator is reached as two hosts (127.0.0.1 and localhost) and the requests name two accounts.
 * Time is a ManualClock: the 60 s cap passes without waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { createHttp, type Http } from '../../src/app/create-http.js';
import { createStore } from '../../src/store/create-store.js';
import type { UpstreamRequest } from '../../src/upstream/upstream-client.js';
import { createCallJourneySimulator } from '../../src/simulators/index.js';
import { LogCapture } from '../support/log-capture.js';
import { ManualClock } from '../support/manual-clock.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';

const API = '/api/v1/search/conversationexists';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!HAS_REDIS)('a 429 with Retry-After: 999999 from one host for one account', () => {
  const sim = useSimulator(createCallJourneySimulator());
  const clock = new ManualClock();
  const replicas: Http[] = [];
  const logs = new LogCapture();
  let prefix: string;

  const replica = (): Http => {
    const h = createHttp({
      resilience: {
        connectTimeoutMs: 2_000,
        maxConcurrentPerProvider: 8,
        maxQueuedPerProvider: 100,
        breakerFailures: 100,
        breakerWindowMs: 30_000,
        breakerCoolDownMs: 10_000,
        fleet: { target: { url: REDIS_URL }, prefix },
      },
      // Requests wait up to 5 s for a cool-down to end (CXGRAPH_RETRY_AFTER_CAP_SECONDS), else are refused unsent.
      limits: { upstreamTimeoutMs: 5_000, retryAfterCapSeconds: 5 },
      logger: logs.logger,
      store: createStore({ logger: logs.logger, encryptionKeys: [] }),
      limitsClock: clock,
    });
    replicas.push(h);
    return h;
  };

  /** One unauthenticated search (the simulator answers 401 — an answer, not a 429) as `account` to `host`. */
  const ask = (h: Http, host: string, account: string) => {
    const req: UpstreamRequest = {
      method: 'POST',
      url: `${sim.server.url.replace('127.0.0.1', host)}${API}`,
      operation: 'search',
      json: [],
      auth: { none: true },
      account,
      idempotent: true,
    };
    return h
      .client('CALLJOURNEY')
      .send(req)
      .then(
        (r) => r.status,
        (e: { extensions?: Record<string, unknown> }) => e.extensions,
      );
  };
  const arrivals = () => sim.server.counts().conversationexists ?? 0;

  beforeAll(() => {
    prefix = uniqueNamespace();
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
  });

  it('holds back only that host and account, on every replica, for CXGRAPH_COOL_DOWN_MAX_SECONDS (60 s) at most; then one probe lifts it for everyone', async () => {
    const [a, b] = [replica(), replica()];
    // Each provider's client is made at start-up in a server (services.ts); so here.
    for (const r of [a, b]) r.client('CALLJOURNEY');
    // Both replicas listen (their subscriptions are up) before the 429.
    await sleep(300);
    sim.server.inject({ kind: 'status', status: 429, retryAfterSec: 999_999, route: 'conversationexists', times: 1 });
    expect(await ask(a, '127.0.0.1', 'acct-1')).toBe(429);
    await sleep(100); // the announcement travels through Redis

    // The same host and account, on the other replica: refused unsent, for at most 60 s (not 3600).
    const sent = arrivals();
    const held = await ask(b, '127.0.0.1', 'acct-1');
    expect(held).toMatchObject({ code: 'PROVIDER_RATE_LIMITED' });
    expect((held as { retryAfter: number }).retryAfter).toBeLessThanOrEqual(60);
    expect(arrivals()).toBe(sent);

    // Another account on that host, and the same account on another host, are sent at once, on both replicas.
    expect(await ask(b, '127.0.0.1', 'acct-2')).toBe(401);
    expect(await ask(a, 'localhost', 'acct-1')).toBe(401);
    expect(arrivals()).toBe(sent + 2);

    // What `providers { coolDowns }` shows, on the replica that was only told.
    expect(b.limits.coolDowns('CALLJOURNEY')).toEqual([
      expect.objectContaining({ host: expect.stringMatching(/^127\.0\.0\.1:\d+$/), account: 'acct-1', remainingMs: expect.any(Number), probing: false }),
    ]);
    expect(b.limits.coolDowns('CALLJOURNEY')[0]!.remainingMs).toBeLessThanOrEqual(60_000);

    // The host has recovered. After the cap, exactly one request goes as the probe; its answer lifts it everywhere.
    await clock.advance(60_000);
    const results = await Promise.all([ask(a, '127.0.0.1', 'acct-1'), ask(b, '127.0.0.1', 'acct-1'), ask(b, '127.0.0.1', 'acct-1')]);
    expect(results).toEqual([401, 401, 401]);
    await sleep(100);
    expect(a.limits.coolDowns('CALLJOURNEY')).toEqual([]);
    expect(b.limits.coolDowns('CALLJOURNEY')).toEqual([]);
    expect(logs.text).toMatch(/cool-down lifted for every replica/);
  }, 20_000);
});
