/**
 * Issue 11 item 6: redirects never carry a secret anywhere. Token requests never follow one — a 307 (which would
 * re-post the form) to a loopback "steal" server gets nothing, for every body-authenticated grant (Azure AD,
 * NewVoiceMedia, CloudCX password, PBX trusted app and authorization code) and for Sangoma's Basic one. API and media
 * requests follow a redirect only to the same origin; and the https rule (https, or http on loopback only) holds for
 * every URL actually fetched: a configured one, a PBX `record_url`, and where a redirect leads.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Grant } from '../../src/auth/grant.js';
import { AzureClientCredentialsGrant } from '../../src/auth/grants/azure-client-credentials.js';
import { BasicClientCredentialsGrant } from '../../src/auth/grants/basic-client-credentials.js';
import { PasswordGrant } from '../../src/auth/grants/password-grant.js';
import { PbxAuthorizationCodeGrant } from '../../src/auth/grants/pbx-authorization-code.js';
import { PbxTrustedAppGrant } from '../../src/auth/grants/pbx-trusted-app.js';
import { ScopedClientCredentialsGrant } from '../../src/auth/grants/scoped-client-credentials.js';
import { isCxError } from '../../src/errors/errors.js';
import { createHttp, type Http } from '../../src/app/create-http.js';
import type { FetchLike } from '../../src/upstream/upstream-fetch.js';
import { PbxClient } from '../../src/providers/pbx/client.js';
import { MemoryKvStore } from '../../src/store/memory-store.js';
import { LogCapture } from '../support/log-capture.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A loopback server with its own origin; records every request it gets. */
class Host {
  readonly handlers = new Map<string, Handler>();
  readonly seen: { path: string; method?: string; authorization?: string; body: string }[] = [];
  private server!: Server;
  url = '';
  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const path = new URL(req.url!, 'http://x').pathname;
        this.seen.push({ path, method: req.method, authorization: req.headers.authorization, body });
        const h = this.handlers.get(path);
        if (h) h(req, res, body);
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"stolen-token","expires_in":3600,"record_url":"x"}');
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

const platform = new Host();
const steal = new Host(); // another port: another origin
beforeAll(async () => {
  await platform.start();
  await steal.start();
});
afterAll(async () => {
  await platform.stop();
  await steal.stop();
});
afterEach(() => {
  platform.handlers.clear();
  platform.seen.length = 0;
  steal.seen.length = 0;
});

const redirect =
  (status: number, to: () => string): Handler =>
  (_req, res) =>
    void res.writeHead(status, { location: to() }).end();
const SECRET = 'redirect-test-client-secret';

async function failure(p: Promise<unknown>) {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isCxError(e)) throw new Error(`expected a CxError, got ${String(e)}`);
  return e;
}

describe.each(['production', 'global'] as const)('redirects over the %s fetch', (kind) => {
  let http: Http;
  const start = (fetch?: FetchLike) => {
    http = createHttp({
      resilience: {
        connectTimeoutMs: 1_000,
        maxConcurrentPerProvider: 4,
        maxQueuedPerProvider: 16,
        breakerFailures: 50,
        breakerWindowMs: 30_000,
        breakerCoolDownMs: 300,
      },
      limits: { upstreamTimeoutMs: 2_000, retryAfterCapSeconds: 1 },
      logger: new LogCapture().logger,
      store: new MemoryKvStore(),
      fetch: fetch ?? (kind === 'global' ? (url, init) => globalThis.fetch(url, init) : undefined),
    });
    return http;
  };
  afterEach(() => http?.close());

  const tokenUrl = () => `${platform.url}/token`;
  const grants: [string, () => Grant][] = [
    [
      'Azure AD (CallJourney)',
      () =>
        new AzureClientCredentialsGrant({ provider: 'CALLJOURNEY', tokenUrl: tokenUrl(), clientId: 'app', clientSecret: SECRET, scope: 'api://app/.default' }),
    ],
    [
      'NewVoiceMedia',
      () => new ScopedClientCredentialsGrant({ provider: 'NEWVOICEMEDIA', tokenUrl: tokenUrl(), clientId: 'app', clientSecret: SECRET, scope: 'users:read' }),
    ],
    [
      'CloudCX password',
      () => new PasswordGrant({ provider: 'CLOUDCX', tokenUrl: tokenUrl(), clientId: 'app', clientSecret: SECRET, username: 'agent', password: SECRET }),
    ],
    ['PBX trusted app', () => new PbxTrustedAppGrant({ tokenUrl: tokenUrl(), accountId: '20', clientId: 'app', clientSecret: SECRET })],
    [
      'PBX authorization code',
      () =>
        new PbxAuthorizationCodeGrant({
          tokenUrl: tokenUrl(),
          clientId: 'app',
          clientSecret: SECRET,
          redirectUri: 'https://cx.example/cb',
          code: 'single-use-code',
          attempt: 'a1',
        }),
    ],
    [
      'Sangoma (Basic)',
      () => new BasicClientCredentialsGrant({ provider: 'SANGOMA', tokenUrl: tokenUrl(), clientId: 'app', clientSecret: SECRET, scopes: ['cx.agent-calls'] }),
    ],
  ];

  it.each(grants)('%s: a token endpoint answering 307 to a loopback steal server is not followed', async (_name, make) => {
    start();
    for (const status of [307, 308, 302]) {
      platform.handlers.set(
        '/token',
        redirect(status, () => `${steal.url}/steal`),
      );
      const e = await failure(http.tokens.getToken(make()));
      expect(e.extensions).toMatchObject({ code: 'PROVIDER_ERROR', upstreamStatus: status });
      expect(e.message).toContain('redirect');
      await http.tokens.forget(make()); // past the grant's backoff
    }
    expect(platform.seen.filter((s) => s.path === '/token')).toHaveLength(3);
    expect(steal.seen).toEqual([]);
  });

  it('an API request follows a redirect to the same origin, Authorization kept, and not one to another origin', async () => {
    start();
    const client = http.client('CALLJOURNEY');
    platform.handlers.set(
      '/api/old',
      redirect(302, () => '/api/new'),
    );
    platform.handlers.set('/api/new', (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    expect(
      await client.json({ method: 'GET', url: `${platform.url}/api/old`, operation: 'GET /api/old', auth: { bearer: 'api-token' }, idempotent: true }),
    ).toEqual({ ok: true });
    expect(platform.seen.map((s) => [s.path, s.authorization])).toEqual([
      ['/api/old', 'Bearer api-token'],
      ['/api/new', 'Bearer api-token'],
    ]);

    for (const status of [301, 302, 303, 307, 308]) {
      platform.handlers.set(
        '/api/away',
        redirect(status, () => `${steal.url}/collect?from=${status}`),
      );
      const e = await failure(
        client.json({
          method: 'POST',
          url: `${platform.url}/api/away`,
          operation: 'POST /api/away',
          json: { secret: SECRET },
          auth: { bearer: 'api-token' },
          idempotent: true,
        }),
      );
      expect(e.extensions).toMatchObject({ code: 'PROVIDER_ERROR', upstreamStatus: status });
      expect(e.message).toMatch(/redirect.*another origin/);
    }
    expect(steal.seen).toEqual([]);
  });

  it('a redirect loop on the same origin ends after a few hops', async () => {
    start();
    platform.handlers.set(
      '/loop',
      redirect(302, () => '/loop'),
    );
    const e = await failure(
      http.client('CALLJOURNEY').json({ method: 'GET', url: `${platform.url}/loop`, operation: 'GET /loop', auth: { none: true }, idempotent: true }),
    );
    expect(e.extensions.code).toBe('PROVIDER_ERROR');
    expect(platform.seen.length).toBeLessThanOrEqual(6);
  });

  it('the https rule applies to every URL fetched: a plain-http URL off loopback is never requested', async () => {
    const asked: string[] = [];
    start((url, init) => {
      asked.push(url);
      return globalThis.fetch(url, init);
    });
    const e = await failure(
      http
        .client('PBX')
        .stream({ method: 'GET', url: 'http://storage.example.com/rec.mp3?sig=abc', operation: 'GET record storage', auth: { none: true }, idempotent: true }),
    );
    expect(e.extensions.code).toBe('PROVIDER_ERROR');
    expect(e.message).toContain('https');
    expect(e.message).not.toContain('storage.example.com');
    expect(asked).toEqual([]);
  });

  it("a PBX record_url's storage host may not redirect the download to another origin", async () => {
    start();
    const pbx = new PbxClient({ baseUrl: platform.url, clientId: 'app', clientSecret: SECRET, redirectUri: 'https://cx.example/cb' }, http.client('PBX'));
    platform.handlers.set(
      '/api/ver1.0/client/%40me/record/r1/storage_url/',
      (_req, res) =>
        void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ record_url: `${platform.url}/storage/r1.mp3?X-Amz-Signature=s` })),
    );
    platform.handlers.set(
      '/storage/r1.mp3',
      redirect(307, () => `${steal.url}/r1.mp3`),
    );
    const grant = pbx.trustedGrant({ id: '20', trustedApp: { clientId: 'app', clientSecret: SECRET } });
    platform.handlers.set(
      '/oauth/token',
      (_req, res) =>
        void res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"pbx-token","token_type":"Bearer","expires_in":3600}'),
    );
    const recordUrl = await pbx.storageUrl(grant, '@me', 'r1');
    const e = await failure(pbx.openRecord(recordUrl));
    expect(e.extensions).toMatchObject({ code: 'PROVIDER_ERROR', upstreamStatus: 307 });
    expect(e.message).not.toContain('127.0.0.1'); // the storage host is not named to the media route's caller
    expect(steal.seen).toEqual([]);

    // A record_url that is plain http off loopback is refused before anything is fetched.
    platform.handlers.set(
      '/api/ver1.0/client/%40me/record/r2/storage_url/',
      (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"record_url":"http://storage.example.com/r2.mp3"}'),
    );
    expect((await failure(pbx.storageUrl(grant, '@me', 'r2'))).extensions.code).toBe('PROVIDER_ERROR');
  });
});
