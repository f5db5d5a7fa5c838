/**
 * Issue 11 item 5: upstream text reaches callers only capped and scrubbed. An API 400 that echoes an opaque bearer
 * token, a token endpoint whose `error_description` echoes the request (client_secret=…), a refused refresh token
 * echoed back, a Basic client secret, an endless message: none of it may reach the GraphQL error, `providers
 * { lastError }` (the connection status) or a log line — at any log level (trace shows them all).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionStatus } from '../../src/observability/connection-status.js';
import { basicAuthorization, formRequest, type Grant } from '../../src/auth/grant.js';
import { errorFromResponse, errorFromTokenResponse, isCxError } from '../../src/errors/errors.js';
import { createHttp, type Http } from '../../src/app/create-http.js';
import { scrubString } from '../../src/security/redact.js';
import { scrubUpstreamText } from '../../src/security/upstream-text.js';
import { MemoryKvStore } from '../../src/store/memory-store.js';
import { LogCapture } from '../support/log-capture.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
const handlers = new Map<string, Handler>();
let base = '';
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => handlers.get(new URL(req.url!, 'http://x').pathname)!(req, res, body));
});
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const json = (res: ServerResponse, status: number, body: unknown) =>
  void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

/** Secrets of the kind a platform knows: none of them looks like a JWT or sits after "Bearer". */
const SECRET = 'Qx7!pp/s3cr3t+value=';
const PASSWORD = 'hunter2-correct-horse';
const OPAQUE = 'opq_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const REFRESH = '3f1c2a4e-7b9d-4e0f-8a6b-1c2d3e4f5a6b';

function setup() {
  const logs = new LogCapture('trace');
  const status = new ConnectionStatus(['CLOUDCX', 'SANGOMA']);
  const http: Http = createHttp({
    resilience: {
      connectTimeoutMs: 1_000,
      maxConcurrentPerProvider: 4,
      maxQueuedPerProvider: 16,
      breakerFailures: 50,
      breakerWindowMs: 30_000,
      breakerCoolDownMs: 300,
    },
    limits: { upstreamTimeoutMs: 1_000, retryAfterCapSeconds: 1 },
    logger: logs.logger,
    status,
    store: new MemoryKvStore(),
  });
  return { logs, status, http };
}

const passwordGrant = (): Grant => ({
  identity: { provider: 'CLOUDCX', tokenUrl: `${base}/token`, clientId: 'app', scope: '', subject: 'agent' },
  renewBeforeExpiry: true,
  buildRequest: () => formRequest(`${base}/token`, { grant_type: 'password', client_id: 'app', client_secret: SECRET, username: 'agent', password: PASSWORD }),
  buildRefreshRequest: (rt) => formRequest(`${base}/token`, { grant_type: 'refresh_token', refresh_token: rt, client_id: 'app', client_secret: SECRET }),
});

async function failure(p: Promise<unknown>) {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isCxError(e)) throw new Error(`expected a CxError, got ${String(e)}`);
  return e;
}

describe('upstream text in messages, lastError and logs', () => {
  it('an API 400 echoing the opaque bearer token: not in the message, lastError or any log line', async () => {
    const { logs, status, http } = setup();
    handlers.set('/token', (_q, res) => json(res, 200, { access_token: OPAQUE, token_type: 'Bearer', expires_in: 3600, refresh_token: REFRESH }));
    handlers.set('/api', (req, res) =>
      json(res, 400, { message: `Malformed request: header was ${req.headers.authorization}, token ${OPAQUE} unknown (refresh ${REFRESH})` }),
    );
    const e = await failure(
      http.client('CLOUDCX').json({ method: 'GET', url: `${base}/api`, operation: 'GET /api', auth: { grant: passwordGrant() }, idempotent: true }),
    );
    expect(e.extensions).toMatchObject({ code: 'PROVIDER_ERROR', upstreamStatus: 400 });
    expect(e.message).toContain('Malformed request');
    for (const text of [e.message, JSON.stringify(e), status.get('CLOUDCX').lastError ?? '', logs.text]) {
      for (const s of [OPAQUE, REFRESH]) expect(text).not.toContain(s);
    }
    await http.close();
  });

  it("a token endpoint's error_description echoing the request: no client_secret, password or refresh token anywhere", async () => {
    const { logs, status, http } = setup();
    handlers.set('/token', (_q, res, body) =>
      json(res, 400, {
        error: 'invalid_request',
        error_description: `Could not parse ${body}; client_secret: ${SECRET} ; "password":"${PASSWORD}" secret ${SECRET} (raw)`,
      }),
    );
    const e = await failure(http.tokens.getToken(passwordGrant()));
    expect(e.extensions).toMatchObject({ code: 'PROVIDER_AUTH_FAILED', oauthError: 'invalid_request' });
    expect(e.message).toContain('Could not parse');
    const encoded = new URLSearchParams({ s: SECRET }).toString().slice(2);
    for (const text of [e.message, JSON.stringify(e), status.get('CLOUDCX').lastError ?? '', logs.text]) {
      for (const s of [SECRET, encoded, PASSWORD, 'hunter2']) expect(text).not.toContain(s);
    }
    await http.close();
  });

  it('a refused refresh token echoed back, and a Basic client secret echoed decoded, are scrubbed too', async () => {
    const { logs, status, http } = setup();
    let n = 0;
    handlers.set('/token', (req, res, body) => {
      const form = new URLSearchParams(body);
      if (form.get('grant_type') === 'password') return json(res, 200, { access_token: `tok-${++n}`, expires_in: 1, refresh_token: REFRESH });
      if (form.get('grant_type') === 'refresh_token')
        return json(res, 401, { error: 'invalid_token', error_description: `Invalid refresh token: ${form.get('refresh_token')}` });
      const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      json(res, 401, { error: 'invalid_client', error_description: `Bad client credentials ${basic}` });
    });
    const g = passwordGrant();
    await http.tokens.getToken(g);
    await new Promise((r) => setTimeout(r, 1_100)); // expired: renewed with the refresh token, which is refused
    const refused = await failure(http.tokens.getToken(g));
    expect(refused.message).toContain('Invalid refresh token');
    const sangoma: Grant = {
      identity: { provider: 'SANGOMA', tokenUrl: `${base}/token`, clientId: 'app', scope: 's' },
      renewBeforeExpiry: false,
      buildRequest: () => formRequest(`${base}/token`, { grant_type: 'client_credentials', scope: 's' }, { authorization: basicAuthorization('app', SECRET) }),
    };
    const basic = await failure(http.tokens.getToken(sangoma));
    expect(basic.message).toContain('Bad client credentials');
    for (const text of [refused.message, basic.message, status.get('CLOUDCX').lastError ?? '', status.get('SANGOMA').lastError ?? '', logs.text]) {
      for (const s of [REFRESH, SECRET, encodeURIComponent(SECRET)]) expect(text).not.toContain(s);
    }
    await http.close();
  });

  it('upstream text is capped in length, and an OAuth error code that is not one is not shown', async () => {
    const long = errorFromResponse({ provider: 'CLOUDCX', operation: 'GET /x', status: 400, body: { message: 'x'.repeat(100_000) } });
    expect(long.message.length).toBeLessThan(300);
    const odd = errorFromTokenResponse({
      provider: 'CLOUDCX',
      operation: 'the token request',
      status: 400,
      body: { error: `client_secret=${SECRET}`, error_codes: [`7000215 ${SECRET}`] },
    });
    expect(JSON.stringify(odd)).not.toContain(SECRET);
    expect(odd.extensions.oauthError).toBeUndefined();
  });

  it('credential-looking key=value pairs are scrubbed from any string, known secrets wherever they appear', () => {
    for (const s of [
      `client_secret=${SECRET}`,
      `password: ${PASSWORD}`,
      `"api_key":"${PASSWORD}"`,
      `refresh_token=${REFRESH} next`,
      `x-api-key=${PASSWORD}`,
      `apikey:${PASSWORD}`,
    ]) {
      const out = scrubString(`upstream said ${s}`);
      expect(out, s).not.toContain(PASSWORD);
      expect(out, s).not.toContain(REFRESH);
      expect(out, s).not.toContain('s3cr3t');
    }
    expect(scrubUpstreamText(`the value ${SECRET} and ${encodeURIComponent(SECRET)}`, [SECRET])).not.toMatch(/s3cr3t/);
    // Words that merely look alike stay: error codes, prose.
    expect(scrubString('error code=42 state=ok, token expired')).toBe('error code=42 state=ok, token expired');
  });
});
