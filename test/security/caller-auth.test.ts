/**
 * Caller authentication over real HTTP against the embedded simulators: the router shared secret and bearer
 * JWTs verified against a JWKS served by a tiny HTTP server of the test. A refused request is 401
 * UNAUTHENTICATED with a challenge, reaches no provider, and leaves no credential in the logs. Media routes are
 * reached through signed links instead (test/security/media-links.test.ts); scopes in test/security/scopes.test.ts.
 */
import type { webcrypto } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useEmbeddedSimulators } from '../support/simulators.js';
import { SAMPLE_RECORDINGS } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';

const ONE = `query ($key: RecordingKey!) { recording(key: $key) { filename exists } }`;
const known = SAMPLE_RECORDINGS[0]!;
// jose 6 works with WebCrypto keys; @types/node 20 has no global CryptoKey type.
type CryptoKey = webcrypto.CryptoKey;
const KEY = { company: known.company, organisation: known.organisation, folder: known.folder, filename: known.filename };

const sims = useEmbeddedSimulators();

/** A raw POST, so tests see status, headers and body as a router would. */
async function post(t: TestServer, headers: Record<string, string> = {}, query = ONE, variables: Record<string, unknown> = { key: KEY }) {
  const res = await fetch(`${t.url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    body: JSON.parse(text) as { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] },
  };
}

function expectUnauthenticated(r: Awaited<ReturnType<typeof post>>, status = 401) {
  expect(r.status).toBe(status);
  expect(r.body.data).toBeUndefined();
  expect(r.body.errors).toHaveLength(1);
  expect(r.body.errors![0]!.extensions).toEqual({ code: 'UNAUTHENTICATED' });
}

const upstreamCalls = () => sims.calljourney.server.count('token') + sims.calljourney.server.count('conversationexists');

describe('router shared secret', () => {
  const SECRET = 'router-secret-Zq7w1v9KpL3mN8xR';
  const NEXT = 'next-router-secret-Hb2c6DfJ0sT4yU';
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ ...sims.env, CXGRAPH_AUTH: 'router-secret', CXGRAPH_ROUTER_SECRET: `${SECRET},${NEXT}` });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a missing, empty, wrong, truncated or extended secret with 401 before any upstream call', async () => {
    sims.calljourney.server.resetCounts();
    const attempts: Record<string, string>[] = [
      {},
      { 'x-router-secret': '' },
      { 'x-router-secret': 'router-secret-Zq7w1v9KpL3mN8xX' },
      { 'x-router-secret': SECRET.slice(0, -1) },
      { 'x-router-secret': `${SECRET}x` },
      { 'x-router-secret': `${SECRET},${NEXT}` },
      { authorization: `Bearer ${SECRET}` },
    ];
    for (const headers of attempts) {
      const r = await post(t, headers);
      expectUnauthenticated(r);
      expect(r.headers.get('www-authenticate')).toBe('RouterSecret realm="cxgraph", header="x-router-secret"');
      expect(r.body.errors![0]!.message).toContain('x-router-secret');
      expect(r.text).not.toContain(SECRET);
    }
    expect(upstreamCalls()).toBe(0);
    const refusals = t.logs.json().filter((l) => l.msg === 'caller refused');
    expect(refusals.length).toBeGreaterThanOrEqual(attempts.length);
    expect(refusals[0]).toMatchObject({ reason: 'missing router secret', status: 401 });
    expect(t.logs.text).not.toContain('Zq7w1v9KpL3mN8x');
  });

  it('answers with either configured secret (rotation)', async () => {
    for (const secret of [SECRET, NEXT]) {
      const r = await post(t, { 'x-router-secret': secret });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ data: { recording: { filename: known.filename, exists: true } } });
    }
  });

  it('media routes take a signed link instead of credentials; probes, metrics, the PBX callback and the Sandbox page take neither', async () => {
    const guid = sims.nvm.interactions[0]!.guid;
    const key = sims.nvm.interactions[0]!.content[0]!.contentKey;
    const unknown = await fetch(`${t.url}/no-such-route`);
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as { errors: { extensions: unknown }[] }).errors[0]!.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    // Unsigned media is refused with or without the secret (test/security/media-links.test.ts has the details)…
    for (const path of [`/media/nvm/${guid}/${key}`, '/media/pbx/20/00000000-0000-4000-8000-000000000000']) {
      for (const headers of [{}, { 'x-router-secret': SECRET }]) {
        const res = await fetch(`${t.url}${path}`, { headers });
        expect(res.status, path).toBe(403);
        expect(((await res.json()) as { errors: { extensions: unknown }[] }).errors[0]!.extensions).toEqual({ code: 'FORBIDDEN' });
      }
    }
    // …and a signed link plays with no header at all, as <audio src> sends it.
    const media = await fetch(t.server.mediaLinks.url(`/media/nvm/${guid}/${key}`));
    expect(media.status).toBe(200);
    expect(new Uint8Array(await media.arrayBuffer())).toEqual(new Uint8Array(sims.nvm.contentBytes(guid, key)!));

    for (const path of ['/healthz', '/readyz', '/metrics']) expect((await fetch(`${t.url}${path}`)).status, path).toBe(200);
    // The browser arrives here from the PBX with no credentials: its single-use state protects it.
    const callback = await fetch(`${t.url}/oauth/pbx/callback?code=x&state=y`);
    expect(callback.status).toBe(400);
    expect(await callback.text()).toContain('unknown, has expired');
    const sandbox = await fetch(`${t.url}/`, { headers: { accept: 'text/html' } });
    expect(sandbox.status).toBe(200);
    expect(sandbox.headers.get('content-type')).toContain('text/html');
    // ...but a GET that carries an operation is a request like any other.
    const get = await fetch(`${t.url}/?query=${encodeURIComponent('{ providers { provider } }')}`, {
      headers: { accept: 'text/html', 'apollo-require-preflight': '1' },
    });
    expect(get.status).toBe(401);
  });
});

describe('bearer JWT', () => {
  const ISSUER = 'https://idp.example.com/';
  const AUDIENCE = 'cxgraph-api';
  let jwks: Server;
  let jwksUrl: string;
  let jwksRequests = 0;
  let signingKey: CryptoKey;
  let otherKey: CryptoKey;
  let t: TestServer;
  const KID = 'test-key-1';

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    signingKey = pair.privateKey as CryptoKey;
    otherKey = (await generateKeyPair('RS256')).privateKey as CryptoKey;
    const ecPair = await generateKeyPair('ES256');
    const publicJwks: { keys: JWK[] } = {
      keys: [
        { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(ecPair.publicKey)), kid: 'ec-key', alg: 'ES256', use: 'sig' },
      ],
    };
    jwks = createHttpServer((req, res) => {
      jwksRequests += 1;
      if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(publicJwks));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    t = await startServer({
      ...sims.env,
      CXGRAPH_AUTH: 'jwt',
      CXGRAPH_JWT_JWKS_URL: jwksUrl,
      CXGRAPH_JWT_ISSUER: ISSUER,
      CXGRAPH_JWT_AUDIENCE: `other-api, ${AUDIENCE}`,
    });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((r) => jwks.close(r));
  });

  /** A token of the configured issuer and audience, valid 5 minutes; `claims` override any of that. */
  const sign = (claims: Record<string, unknown> = {}, opts: { key?: CryptoKey; kid?: string } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sub: 'app-42', iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 300, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? KID })
      .sign(opts.key ?? signingKey);
  };
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

  it('answers a valid token, fetching the key set once', async () => {
    const token = await sign();
    for (let i = 0; i < 3; i++) {
      const r = await post(t, { authorization: `Bearer ${token}` });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ data: { recording: { filename: known.filename, exists: true } } });
    }
    expect(jwksRequests).toBe(1);
    // The scheme is case-insensitive (RFC 7235).
    expect((await post(t, { authorization: `bearer ${token}` })).status).toBe(200);
  });

  it('refuses wrong issuer, wrong audience, expired, missing exp, bad signature, alg none, HS256 and garbage with 401', async () => {
    sims.calljourney.server.resetCounts();
    const now = Math.floor(Date.now() / 1000);
    const payload = { sub: 'app-42', iss: ISSUER, aud: AUDIENCE, exp: now + 300 };
    const cases: [string, string, string][] = [
      ['wrong issuer', await sign({ iss: 'https://evil.example.com/' }), 'claim check failed'],
      ['wrong audience', await sign({ aud: 'someone-else' }), 'claim check failed'],
      ['expired', await sign({ exp: now - 120 }), 'it has expired'],
      ['no exp', await sign({ exp: undefined }), 'claim check failed'],
      ['not yet valid', await sign({ nbf: now + 600 }), 'claim check failed'],
      ['signed by another key', await sign({}, { key: otherKey }), 'its signature does not verify'],
      ['unknown kid', await sign({}, { key: otherKey, kid: 'nope' }), 'no key of the configured key set matches it'],
      ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`, 'its algorithm is not accepted'],
      [
        'HS256',
        await new SignJWT({ sub: 'x' })
          .setProtectedHeader({ alg: 'HS256', kid: KID })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime(now + 300)
          .sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long')),
        'its algorithm is not accepted',
      ],
      ['tampered payload', (await sign()).replace(/\.[^.]+\./, `.${b64({ ...payload, sub: 'admin' })}.`), 'its signature does not verify'],
      ['garbage', 'not.a.jwt', 'not a well-formed signed JWT'],
    ];
    for (const [name, token, why] of cases) {
      const r = await post(t, { authorization: `Bearer ${token}` });
      expect(r.status, name).toBe(401);
      expectUnauthenticated(r);
      expect(r.body.errors![0]!.message, name).toContain(why);
      const challenge = r.headers.get('www-authenticate')!;
      expect(challenge, name).toMatch(/^Bearer realm="cxgraph", error="invalid_token", error_description="[^"]+"$/);
      expect(r.text).not.toContain(token.split('.')[2] || token);
    }
    expect(upstreamCalls()).toBe(0);
    // Tokens never reach the logs, whole or in part.
    for (const [name, token] of cases) if (name !== 'garbage') expect(t.logs.text).not.toContain(token.split('.')[1]!);
    expect(t.logs.text).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });

  it('refuses a token older than CXGRAPH_JWT_MAX_AGE_SECONDS (1 day by default) or issued in the future, whatever its exp', async () => {
    sims.calljourney.server.resetCounts();
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string, string][] = [
      ['issued two days ago, valid for years', await sign({ iat: now - 2 * 86_400, exp: now + 5 * 365 * 86_400 }), 'too far in the past'],
      ['issued an hour ahead', await sign({ iat: now + 3600 }), 'it should be in the past'],
      ['no iat', await sign({ iat: undefined }), 'claim check failed'],
    ];
    for (const [name, token, why] of cases) {
      const r = await post(t, { authorization: `Bearer ${token}` });
      expect(r.status, name).toBe(401);
      expect(r.body.errors![0]!.message, name).toContain(why);
    }
    // Within the clock tolerance (30 s) a token issued a moment ahead is accepted; so is one issued 23 hours ago.
    expect((await post(t, { authorization: `Bearer ${await sign({ iat: now + 20 })}` })).status).toBe(200);
    expect((await post(t, { authorization: `Bearer ${await sign({ iat: now - 23 * 3600 })}` })).status).toBe(200);
    expect(sims.calljourney.server.count('conversationexists')).toBe(2);
  });

  it('CXGRAPH_JWT_MAX_AGE_SECONDS sets the age; 0 turns it off, but an iat in the future is still refused', async () => {
    const base = { ...sims.env, CXGRAPH_AUTH: 'jwt', CXGRAPH_JWT_JWKS_URL: jwksUrl, CXGRAPH_JWT_ISSUER: ISSUER, CXGRAPH_JWT_AUDIENCE: AUDIENCE };
    const now = Math.floor(Date.now() / 1000);
    const short = await startServer({ ...base, CXGRAPH_JWT_MAX_AGE_SECONDS: '600' });
    const off = await startServer({ ...base, CXGRAPH_JWT_MAX_AGE_SECONDS: '0' });
    try {
      expect((await post(short, { authorization: `Bearer ${await sign({ iat: now - 900 })}` })).status).toBe(401);
      expect((await post(short, { authorization: `Bearer ${await sign({ iat: now - 300 })}` })).status).toBe(200);
      expect((await post(off, { authorization: `Bearer ${await sign({ iat: now - 30 * 86_400 })}` })).status).toBe(200);
      expect((await post(off, { authorization: `Bearer ${await sign({ iat: undefined })}` })).status).toBe(200);
      const future = await post(off, { authorization: `Bearer ${await sign({ iat: now + 3600 })}` });
      expect(future.status).toBe(401);
      expect(future.body.errors![0]!.message).toContain('it should be in the past');
    } finally {
      await short.close();
      await off.close();
    }
  });

  it('a request without a bearer token gets the plain challenge; the media routes need a signed link, not a token', async () => {
    const none = await post(t);
    expectUnauthenticated(none);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="cxgraph"');
    const basic = await post(t, { authorization: 'Basic dXNlcjpwYXNz' });
    expectUnauthenticated(basic);
    expect(basic.body.errors![0]!.message).toContain('not a bearer token');
    const guid = sims.nvm.interactions[0]!.guid;
    const key = sims.nvm.interactions[0]!.content[0]!.contentKey;
    expect((await fetch(`${t.url}/media/nvm/${guid}/${key}`)).status).toBe(403);
    expect((await fetch(`${t.url}/media/nvm/${guid}/${key}`, { headers: { authorization: `Bearer ${await sign()}` } })).status).toBe(403);
    expect((await fetch(t.server.mediaLinks.url(`/media/nvm/${guid}/${key}`))).status).toBe(200);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it('an unreachable key set is 503 (our fault, retry later), logged for the operator without the token', async () => {
    const closed = createHttpServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const down = await startServer({
      ...sims.env,
      CXGRAPH_AUTH: 'jwt',
      CXGRAPH_JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks`,
      CXGRAPH_JWT_ISSUER: ISSUER,
      CXGRAPH_JWT_AUDIENCE: AUDIENCE,
    });
    try {
      const token = await sign();
      const r = await post(down, { authorization: `Bearer ${token}` });
      expectUnauthenticated(r, 503);
      expect(r.headers.get('retry-after')).toBe('5');
      expect(down.logs.json().some((l) => l.level === 50 && String(l.msg).includes('JWKS could not be fetched'))).toBe(true);
      expect(down.logs.text).not.toContain(token.split('.')[1]!);
    } finally {
      await down.close();
    }
  });
});
