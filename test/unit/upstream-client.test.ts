/**
 * The one HTTP path (src/app/create-http.ts: token manager + one UpstreamClient and resilience policy per provider)
 * over real HTTP against a local node:http server, with the production fetch and with the global fetch: token
 * requests share the provider's breaker; token requests are form POSTs that never follow a redirect and are retried
 * only when repeating them cannot cost the grant; JSON and token bodies have a size cap, media streams do not; a body
 * that stalls after the headers is a timeout; the connection status is recorded by the path, 404-as-answer included.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionStatus } from '../../src/observability/connection-status.js';
import { formRequest, type Grant } from '../../src/auth/grant.js';
import { isCxError } from '../../src/errors/errors.js';
import { createHttp, type Http } from '../../src/app/create-http.js';
import { wasNotSent, type UpstreamRequest } from '../../src/upstream/upstream-client.js';
import { MemoryKvStore } from '../../src/store/memory-store.js';
import { LogCapture } from '../support/log-capture.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A platform whose routes each test sets; counts requests per path and notes the answers the client cut short. */
class Platform {
  readonly handlers = new Map<string, Handler>();
  readonly hits = new Map<string, number>();
  readonly bodies: { path: string; contentType?: string; body: string; method?: string }[] = [];
  readonly cut: string[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = new URL(req.url!, 'http://x').pathname;
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
        this.bodies.push({ path, contentType: req.headers['content-type'], body, method: req.method });
        res.on('close', () => {
          if (!res.writableFinished) this.cut.push(path);
        });
        const h = this.handlers.get(path);
        if (h) h(req, res, body);
        else res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"no such route"}');
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.handlers.clear();
    this.hits.clear();
    this.bodies.length = 0;
    this.cut.length = 0;
  }

  count(path: string): number {
    return this.hits.get(path) ?? 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) =>
    void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
let issued = 0;
const tokenOk = (extra: Record<string, unknown> = {}): Handler =>
  json(200, { access_token: `tok-${++issued}`, token_type: 'Bearer', expires_in: 3600, ...extra });
/** Writes `chunk` every `everyMs` until the client goes away (no content-length: chunked). */
const endless =
  (chunk: string, everyMs = 2): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"items":["');
    const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(chunk)), everyMs);
    res.on('close', () => clearInterval(t));
  };
/** Headers and the start of a body, then nothing. */
const stalls: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"access_token":"tok-');
};

const platform = new Platform();
beforeAll(() => platform.start());
afterAll(() => platform.stop());

const TIMEOUT_MS = 300;
const CAP = 64 * 1024;

function grant(extra: Partial<Grant> = {}, grantType = 'client_credentials'): Grant {
  return {
    identity: { provider: 'CALLJOURNEY', tokenUrl: `${platform.url}/token`, clientId: 'app', scope: grantType },
    renewBeforeExpiry: true,
    buildRequest: () => formRequest(`${platform.url}/token`, { grant_type: grantType, client_id: 'app', client_secret: 's3cret' }),
    ...extra,
  };
}

const api = (g: Grant, extra: Partial<UpstreamRequest> = {}): UpstreamRequest => ({
  method: 'GET',
  url: `${platform.url}/api`,
  operation: 'GET /api',
  auth: { grant: g },
  idempotent: true,
  ...extra,
});

async function failure(p: Promise<unknown>): Promise<{ code?: string; message: string; extensions: Record<string, unknown>; notSent: boolean }> {
  const e = await p.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err,
  );
  if (!isCxError(e)) throw e;
  return { code: e.extensions.code, message: e.message, extensions: e.extensions, notSent: wasNotSent(e) };
}

const until = async (cond: () => boolean, ms = 2_000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return cond();
};

describe.each(['production', 'global'] as const)('the upstream path over the %s fetch', (kind) => {
  let http: Http;
  let status: ConnectionStatus;
  let logs: LogCapture;
  let now = 1_700_000_000_000;

  function start(breakerFailures = 2): Http {
    logs = new LogCapture();
    status = new ConnectionStatus(['CALLJOURNEY']);
    http = createHttp({
      resilience: {
        connectTimeoutMs: 1_000,
        maxConcurrentPerProvider: 4,
        maxQueuedPerProvider: 16,
        breakerFailures,
        breakerWindowMs: 30_000,
        breakerCoolDownMs: 300,
      },
      limits: { upstreamTimeoutMs: TIMEOUT_MS, retryAfterCapSeconds: 1, maxResponseBytes: CAP },
      logger: logs.logger,
      status,
      store: new MemoryKvStore(),
      fetch: kind === 'global' ? (url, init) => fetch(url, init) : undefined,
      clock: { now: () => now },
      random: () => 0,
    });
    return http;
  }

  afterEach(async () => {
    await http?.close();
    platform.reset();
  });

  it('token requests go through the provider breaker: failing ones open it for API calls too, and the probe closes it', async () => {
    start();
    const client = http.client('CALLJOURNEY');
    platform.handlers.set('/token', json(503, { error: 'temporarily_unavailable' }));
    platform.handlers.set('/api', json(200, { ok: true }));
    const g = grant();
    // client_credentials may be repeated: each failed lookup is the token request and its two retries. (The grant's
    // own backoff, token-backoff.test.ts, is waited out between the two.)
    for (let i = 0; i < 2; i++) {
      expect(await failure(client.json(api(g)))).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', notSent: false, extensions: { upstreamStatus: 503 } });
      now += 60_000;
    }
    expect(platform.count('/token')).toBe(6);
    const fast = await failure(client.json(api(g)));
    expect(fast).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', notSent: true, extensions: { circuitOpen: true } });
    expect(platform.count('/token')).toBe(6);
    expect(platform.count('/api')).toBe(0);
    expect(status.get('CALLJOURNEY').status).toBe('UNAVAILABLE');

    platform.handlers.set('/token', tokenOk());
    await new Promise((r) => setTimeout(r, 350));
    expect(await client.json(api(g))).toEqual({ ok: true });
    expect(client.policy.state).toBe('closed');
    expect(status.get('CALLJOURNEY')).toMatchObject({ status: 'CONNECTED', tokenExpiresAt: now + 3600_000 });

    // The other way round: API failures open the same breaker, and a token request is then refused unsent.
    platform.handlers.set('/api', json(502, { message: 'bad gateway' }));
    for (let i = 0; i < 2; i++) expect(await failure(client.json(api(g)))).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', extensions: { upstreamStatus: 502 } });
    const tokens = platform.count('/token');
    expect(await failure(http.tokens.getToken(grant({}, 'password')))).toMatchObject({ notSent: true, extensions: { circuitOpen: true } });
    expect(platform.count('/token')).toBe(tokens);
  });

  it('token requests are form POSTs that never follow a redirect; only client credentials and password are retried', async () => {
    start();
    platform.handlers.set('/token', (_req, res) => void res.writeHead(302, { location: `${platform.url}/elsewhere` }).end());
    platform.handlers.set('/elsewhere', tokenOk());
    const redirected = await failure(http.tokens.getToken(grant()));
    expect(redirected).toMatchObject({ code: 'PROVIDER_ERROR', extensions: { upstreamStatus: 302 } });
    expect(redirected.message).toContain('redirect');
    expect(platform.count('/elsewhere')).toBe(0);
    expect(platform.bodies[0]).toMatchObject({ path: '/token', method: 'POST', contentType: 'application/x-www-form-urlencoded' });
    expect(new URLSearchParams(platform.bodies[0]!.body).get('grant_type')).toBe('client_credentials');

    // One 503, then tokens: a client-credentials request is sent again; a refresh request is not.
    let first = true;
    const onceDown: Handler = (req, res, body) =>
      first ? ((first = false), json(503, {})(req, res, body)) : tokenOk({ refresh_token: 'rt-1', expires_in: 60 })(req, res, body);
    platform.handlers.set('/token', onceDown);
    platform.hits.clear();
    const refreshing = grant(
      { buildRefreshRequest: (rt) => formRequest(`${platform.url}/token`, { grant_type: 'refresh_token', refresh_token: rt }) },
      'password',
    );
    expect((await http.tokens.getToken(refreshing)).accessToken).toMatch(/^tok-/);
    expect(platform.count('/token')).toBe(2);
    now += 120_000; // expired: renewed with the refresh token
    first = true;
    expect(await failure(http.tokens.getToken(refreshing))).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', extensions: { upstreamStatus: 503 } });
    expect(platform.count('/token')).toBe(3);
    expect(new URLSearchParams(platform.bodies.at(-1)!.body).get('grant_type')).toBe('refresh_token');
  });

  it('a JSON answer longer than the cap fails with PROVIDER_ERROR, unretried, and the connection is dropped', async () => {
    start();
    const client = http.client('CALLJOURNEY');
    platform.handlers.set('/token', tokenOk());
    platform.handlers.set('/api', endless('x'.repeat(4096)));
    const tooLong = await failure(client.json(api(grant())));
    expect(tooLong).toMatchObject({ code: 'PROVIDER_ERROR', extensions: { upstreamStatus: 200 } });
    expect(tooLong.message).toContain(`longer than ${CAP} bytes`);
    expect(platform.count('/api')).toBe(1);
    expect(await until(() => platform.cut.includes('/api'))).toBe(true);

    // A declared length over the cap is refused before reading.
    platform.handlers.set('/big', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(10 * CAP) });
      res.write('{"a":"');
    });
    expect(await failure(client.json(api(grant(), { url: `${platform.url}/big`, operation: 'GET /big' })))).toMatchObject({ code: 'PROVIDER_ERROR' });
    expect(await until(() => platform.cut.includes('/big'))).toBe(true);
    expect(status.get('CALLJOURNEY').status).toBe('CONNECTED'); // the platform answered; the status keeps the message
    expect(status.get('CALLJOURNEY').lastError).toContain('longer than');
  });

  it('a token answer longer than the cap fails with PROVIDER_ERROR', async () => {
    start();
    platform.handlers.set('/token', endless('y'.repeat(4096)));
    expect(await failure(http.tokens.getToken(grant()))).toMatchObject({ code: 'PROVIDER_ERROR' });
    expect(platform.count('/token')).toBe(1);
    expect(await until(() => platform.cut.includes('/token'))).toBe(true);
  });

  it('a media stream is never capped or buffered, and is timed only until its headers', async () => {
    start();
    const client = http.client('CALLJOURNEY');
    const chunk = 'z'.repeat(16 * 1024);
    platform.handlers.set('/media', (_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      let n = 0;
      const t = setInterval(() => {
        res.write(chunk);
        if (++n === 16) {
          clearInterval(t);
          res.end();
        }
      }, 40); // 256 KiB over ~640 ms: four times the cap, twice the time limit
    });
    const res = await client.stream({ method: 'GET', url: `${platform.url}/media`, operation: 'GET /media', auth: { none: true }, idempotent: true });
    expect(res.status).toBe(200);
    let size = 0;
    for await (const c of res.stream as unknown as AsyncIterable<Uint8Array>) size += c.byteLength;
    expect(size).toBe(16 * chunk.length);
  });

  it('a body that stalls after the headers is a timeout (PROVIDER_UNAVAILABLE), for API and token answers alike', async () => {
    start();
    const client = http.client('CALLJOURNEY');
    platform.handlers.set('/api', stalls);
    const apiStall = await failure(
      client.json({ method: 'POST', url: `${platform.url}/api`, operation: 'POST /api', json: { a: 1 }, auth: { none: true }, idempotent: false }),
    );
    expect(apiStall).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', notSent: false });
    expect(apiStall.message).toContain('timed out');
    platform.handlers.set('/token', stalls);
    const tokenStall = await failure(http.tokens.getToken(grant({}, 'refresh_token')));
    expect(tokenStall.code).toBe('PROVIDER_UNAVAILABLE');
    expect(tokenStall.message).toContain('timed out');
    expect(tokenStall.message).not.toContain('not JSON');
  });

  it('records the connection status on the path: a 404 a lookup reads as "no such thing" is an answer, and recovers UNAVAILABLE', async () => {
    start(10);
    const client = http.client('CALLJOURNEY');
    const lookup: UpstreamRequest = { method: 'GET', url: `${platform.url}/api`, operation: 'GET /api/{id}', auth: { bearer: 'k' }, idempotent: false };
    platform.handlers.set('/api', json(503, { message: 'down' }));
    await failure(client.json(lookup));
    expect(status.get('CALLJOURNEY').status).toBe('UNAVAILABLE');
    // A failure answer returned by send() is not taken for a success.
    expect((await client.send(lookup)).status).toBe(503);
    expect(status.get('CALLJOURNEY').status).toBe('UNAVAILABLE');

    platform.handlers.set('/api', json(404, { message: 'no such thing' }));
    expect((await client.send(lookup)).status).toBe(404);
    expect(status.get('CALLJOURNEY')).toMatchObject({ status: 'CONNECTED', lastError: undefined });

    // stream() too: a 2xx is recorded when its headers arrive.
    // (No Retry-After: with one, every request to the provider would wait out the shared cool-down.)
    platform.handlers.set('/api', json(429, { message: 'slow down' }));
    await failure(client.json(lookup));
    expect(status.get('CALLJOURNEY').status).toBe('UNAVAILABLE');
    platform.handlers.set('/api', (_req, res) => void res.writeHead(200, { 'content-type': 'audio/wav' }).end('RIFF'));
    const s = await client.stream(lookup);
    await s.stream!.cancel();
    expect(status.get('CALLJOURNEY').status).toBe('CONNECTED');
    // Nothing was recorded by hand: every change above came from the client.
    expect(logs.text).not.toContain('s3cret');
  });
});
