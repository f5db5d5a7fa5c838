/**
 * Issue 11 item 3: token renewal against a failing identity provider. With a 40 s token and a token endpoint that
 * answers 503, light load used to start a new renewal on every request once the previous one had failed (307 token
 * requests and 400 warnings in 4.5 s on one replica). Now failed token requests back off per grant (exponential,
 * jittered, capped), callers keep the still-valid token meanwhile, a caller without one is refused at once, and the
 * log says it once per change of state.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createHttp } from '../../src/app/create-http.js';
import { formRequest, type Grant } from '../../src/auth/grant.js';
import { tokenManagerOver, type FetchLike } from '../support/token-manager.js';
import { TOKEN_BACKOFF_CAP_MS } from '../../src/auth/token-backoff.js';
import { isCxError } from '../../src/errors/errors.js';
import { MemoryKvStore } from '../../src/store/memory-store.js';
import { LogCapture } from '../support/log-capture.js';
import { flush } from '../support/manual-clock.js';

class FakeClock {
  constructor(public t = 1_700_000_000_000) {}
  now = () => this.t;
  advance(ms: number) {
    this.t += ms;
  }
}

/** A token endpoint that answers `failing ? 503 : a 40 s token`, counting requests. */
function identityProvider() {
  let n = 0;
  const idp = {
    failing: false,
    requests: 0,
    fetch: (async () => {
      idp.requests++;
      await flush(); // answers in a later turn of the event loop, as over a network
      if (idp.failing) return new Response('{"error":"temporarily_unavailable"}', { status: 503, headers: { 'content-type': 'application/json' } });
      n++;
      return new Response(JSON.stringify({ access_token: `tok-${n}`, token_type: 'Bearer', expires_in: 40 }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    }) as FetchLike,
  };
  return idp;
}

const grant = (scope = 'api://app/.default'): Grant => ({
  identity: { provider: 'CALLJOURNEY', tokenUrl: 'https://login.example/token', clientId: 'app', scope },
  renewBeforeExpiry: true,
  buildRequest: () => formRequest('https://login.example/token', { grant_type: 'client_credentials', client_secret: 's3cret' }),
});

/** Lets what a call started in the background (a renewal: token request, answer, store) run to its end. */
const settle = async () => {
  for (let i = 0; i < 3; i++) await flush();
};
const warnings = (logs: LogCapture) => logs.json().filter((l) => l.level === 40);

describe('token renewal against a failing identity provider', () => {
  it('backs off per grant: 4.5 s of light load with a 503 token endpoint costs a handful of requests, callers keep the valid token', async () => {
    const idp = identityProvider();
    const clock = new FakeClock();
    const logs = new LogCapture();
    const tm = tokenManagerOver({ store: new MemoryKvStore(), logger: logs.logger, fetch: idp.fetch, clock, random: () => 0 });
    const g = grant();
    expect((await tm.getToken(g)).accessToken).toBe('tok-1');
    idp.failing = true;
    clock.advance(36_500); // inside the renewal margin (4–6 s before expiry for 40 s)

    // 450 requests over 4.5 s: the token is still valid for the first 3 s (minus a 0.5 s guard), then it is not.
    const outcomes: string[] = [];
    for (let i = 0; i < 450; i++) {
      const r = await tm.getToken(g).then(
        (t) => t.accessToken,
        (e: unknown) => (isCxError(e) ? e.extensions.code : String(e)),
      );
      outcomes.push(r);
      clock.advance(10);
      await settle();
    }
    // Attempts at 36.5, ≥ 37.0, ≥ 38.0 and ≥ 40.0 s (delays 0.5–1 s, 1–2 s, 2–4 s): never one per request.
    expect(idp.requests).toBeLessThanOrEqual(5);
    expect(idp.requests).toBeGreaterThanOrEqual(2);
    // While tok-1 was valid every caller had it; afterwards callers are refused at once, without a request each.
    expect(outcomes.slice(0, 250).every((o) => o === 'tok-1')).toBe(true);
    expect(outcomes.slice(320).every((o) => o === 'PROVIDER_UNAVAILABLE')).toBe(true);
    // One warning for the change of state, whatever the number of failures.
    expect(warnings(logs).map((l) => l.msg)).toEqual([expect.stringMatching(/CALLJOURNEY token requests fail: backing off/)]);

    // A refused caller is told how long to wait.
    const refused = await tm.getToken(g).catch((e: unknown) => e);
    expect(isCxError(refused) && refused.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', upstreamStatus: 503 });
    expect(isCxError(refused) && refused.extensions.retryAfter).toBeGreaterThanOrEqual(1);

    // The provider answers again: the next attempt after the wait gets a token, said once at info level.
    idp.failing = false;
    clock.advance(TOKEN_BACKOFF_CAP_MS);
    expect((await tm.getToken(g)).accessToken).toBe('tok-2');
    expect(logs.json().filter((l) => /token requests succeed again/.test(String(l.msg)))).toHaveLength(1);
    expect(warnings(logs)).toHaveLength(1);
  });

  it('the delay doubles per consecutive failure, with jitter, up to the cap; grants back off independently', async () => {
    const idp = identityProvider();
    const clock = new FakeClock();
    const tm = tokenManagerOver({ store: new MemoryKvStore(), logger: new LogCapture().logger, fetch: idp.fetch, clock, random: () => 0.999 });
    const g = grant();
    idp.failing = true;
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      await tm.getToken(g).catch(() => undefined);
      const before = idp.requests;
      // Find how long until the next request is allowed (1 ms steps would be slow: 50 ms resolution).
      let waited = 0;
      while (idp.requests === before) {
        clock.advance(50);
        waited += 50;
        await tm.getToken(g).catch(() => undefined);
      }
      waits.push(waited);
    }
    // ~1, 2, 4, 8, 16, 32 s, then the 60 s cap (random 0.999: the top of each jitter range).
    expect(waits.slice(0, 7)).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000]);
    expect(Math.max(...waits)).toBeLessThanOrEqual(TOKEN_BACKOFF_CAP_MS);

    // Another grant of the same provider is not held back by this one's failures.
    idp.failing = false;
    expect((await tm.getToken(grant('other'))).accessToken).toMatch(/^tok-/);
  });
});

describe("background renewals and the provider's breaker", () => {
  it('a renewal in the background goes through the same breaker: while it is open the token endpoint is not asked, and callers keep the valid token', async () => {
    const hits = { token: 0, api: 0 };
    let n = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url === '/token') {
          hits.token++;
          return void res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ access_token: `tok-${++n}`, token_type: 'Bearer', expires_in: 40 }));
        }
        hits.api++;
        res.writeHead(502, { 'content-type': 'application/json' }).end('{"message":"bad gateway"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    let now = 1_700_000_000_000;
    const http = createHttp({
      resilience: {
        connectTimeoutMs: 1_000,
        maxConcurrentPerProvider: 4,
        maxQueuedPerProvider: 16,
        breakerFailures: 2,
        breakerWindowMs: 30_000,
        breakerCoolDownMs: 30_000,
      },
      limits: { upstreamTimeoutMs: 1_000, retryAfterCapSeconds: 1 },
      logger: new LogCapture().logger,
      store: new MemoryKvStore(),
      clock: { now: () => now },
      random: () => 0,
    });
    try {
      const g: Grant = {
        ...grant(),
        identity: { ...grant().identity, tokenUrl: `${base}/token` },
        buildRequest: () => formRequest(`${base}/token`, { grant_type: 'client_credentials' }),
      };
      expect((await http.tokens.getToken(g)).accessToken).toBe('tok-1');
      const client = http.client('CALLJOURNEY');
      // The API fails: two failed requests open the provider's breaker (not idempotent, so sent once each, without
      // the real-time waits between retries).
      for (let i = 0; i < 2; i++)
        await client.json({ method: 'POST', url: `${base}/api`, operation: 'POST /api', auth: { grant: g }, idempotent: false }).catch(() => undefined);
      expect(client.policy.state).toBe('open');
      expect(hits).toEqual({ token: 1, api: 2 });

      now += 37_000; // inside tok-1's renewal margin
      for (let i = 0; i < 20; i++) {
        expect((await http.tokens.getToken(g)).accessToken).toBe('tok-1');
        await settle();
      }
      // Every background renewal was refused by the open breaker, unsent.
      expect(hits.token).toBe(1);
    } finally {
      await http.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
