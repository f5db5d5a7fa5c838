/**
 * CXGRAPH_CORS_ORIGINS over real HTTP, without a browser: a listed origin's preflight is answered (methods, the
 * headers a GraphQL client sends, Max-Age, Vary: Origin) before caller authentication; its requests carry
 * Access-Control-Allow-Origin; any other origin's preflight gets what it got before (no CORS header, so its browser
 * refuses), and Apollo's CSRF prevention still refuses a simple (unpreflighted) request from anyone. The operational
 * routes never answer another origin. Start-up refuses anything but exact origins, naming the variable.
 */
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { startServer, type TestServer } from '../support/harness.js';

const APP = 'http://127.0.0.1:5173';
const OTHER = 'http://localhost:5173';
const SECRET = 'router-secret-4mQv8sZp1xLw7Tn2';
const base = { CXGRAPH_SIMULATORS: 'off', CXGRAPH_AUTH: 'router-secret', CXGRAPH_ROUTER_SECRET: SECRET };

async function preflight(url: string, origin: string, headers = 'content-type,apollo-require-preflight,authorization,x-apollo-operation-name') {
  const res = await request(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers },
  });
  await res.body.dump();
  return { status: res.statusCode, headers: res.headers };
}

async function post(url: string, origin: string, headers: Record<string, string>, body = JSON.stringify({ query: '{ __typename }' })) {
  const res = await request(url, { method: 'POST', headers: { origin, ...headers }, body });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

const list = (v: unknown) =>
  String(v ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

describe('CORS for the origins of CXGRAPH_CORS_ORIGINS', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('unset (the default): a preflight from any origin gets no CORS header, exactly as before', async () => {
    t = await startServer(base);
    const p = await preflight(`${t.url}/`, APP);
    expect(p.headers['access-control-allow-origin']).toBeUndefined();
    expect(p.status).not.toBe(204);
  });

  it('a listed origin: the preflight is answered before caller auth, with methods, headers, Max-Age and Vary', async () => {
    t = await startServer({ ...base, CXGRAPH_CORS_ORIGINS: `${APP}, https://app.example.com` });
    for (const path of ['/', '/graphql']) {
      const p = await preflight(`${t.url}${path}`, APP);
      expect(p.status).toBe(204);
      expect(p.headers['access-control-allow-origin']).toBe(APP);
      expect(list(p.headers['access-control-allow-methods'])).toEqual(expect.arrayContaining(['get', 'post']));
      expect(list(p.headers['access-control-allow-headers'])).toEqual(
        expect.arrayContaining(['content-type', 'apollo-require-preflight', 'authorization', 'x-apollo-operation-name', 'apollographql-client-name']),
      );
      expect(p.headers['access-control-max-age']).toBe('600');
      expect(list(p.headers.vary)).toContain('origin');
      // Credentials only where configured.
      expect(p.headers['access-control-allow-credentials']).toBeUndefined();
    }
  });

  it('its requests carry Access-Control-Allow-Origin (a refusal too, so the page can read it), and Vary keeps Origin', async () => {
    t = await startServer({ ...base, CXGRAPH_CORS_ORIGINS: APP });
    const ok = await post(`${t.url}/`, APP, { 'content-type': 'application/json', 'x-router-secret': SECRET });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ data: { __typename: 'Query' } });
    expect(ok.headers['access-control-allow-origin']).toBe(APP);
    expect(list(ok.headers['access-control-expose-headers'])).toContain('x-request-id');
    expect(list(ok.headers.vary)).toContain('origin');
    const refused = await post(`${t.url}/`, APP, { 'content-type': 'application/json' });
    expect(refused.status).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe(APP);
  });

  it('an origin not listed (another host name or port of the same machine): no CORS header on preflight or request', async () => {
    t = await startServer({ ...base, CXGRAPH_CORS_ORIGINS: APP });
    for (const origin of [OTHER, 'http://127.0.0.1:5174', 'https://127.0.0.1:5173', 'null']) {
      const p = await preflight(`${t.url}/`, origin);
      expect(p.headers['access-control-allow-origin']).toBeUndefined();
      expect(p.status).not.toBe(204);
      const r = await post(`${t.url}/`, origin, { 'content-type': 'application/json', 'x-router-secret': SECRET });
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it("Apollo's CSRF prevention still refuses a simple request, even from a listed origin", async () => {
    t = await startServer({ ...base, CXGRAPH_CORS_ORIGINS: APP });
    const r = await post(`${t.url}/`, APP, { 'content-type': 'text/plain', 'x-router-secret': SECRET });
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/CSRF/);
  });

  it('the media links answer listed origins (preflight and a refused link alike); the operational routes never do', async () => {
    t = await startServer({ ...base, CXGRAPH_CORS_ORIGINS: APP });
    const media = `${t.url}/media/nvm/recording/abc?exp=1&sig=x`;
    const p = await preflight(media, APP, 'range');
    expect(p.status).toBe(204);
    expect(p.headers['access-control-allow-origin']).toBe(APP);
    expect(list(p.headers['access-control-allow-headers'])).toContain('range');
    const res = await request(media, { headers: { origin: APP } });
    await res.body.dump();
    expect(res.statusCode).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    for (const path of ['/healthz', '/readyz', '/metrics', '/oauth/pbx/callback']) {
      const h = await preflight(`${t.url}${path}`, APP);
      expect(h.headers['access-control-allow-origin'], path).toBeUndefined();
      const g = await request(`${t.url}${path}`, { headers: { origin: APP } });
      await g.body.dump();
      expect(g.headers['access-control-allow-origin'], path).toBeUndefined();
    }
  });

  it('CXGRAPH_CORS_CREDENTIALS=true: Access-Control-Allow-Credentials with the exact origin, never *', async () => {
    t = await startServer({ ...base, CXGRAPH_CORS_ORIGINS: APP, CXGRAPH_CORS_CREDENTIALS: 'true' });
    const p = await preflight(`${t.url}/`, APP);
    expect(p.headers['access-control-allow-credentials']).toBe('true');
    expect(p.headers['access-control-allow-origin']).toBe(APP);
    const r = await post(`${t.url}/`, APP, { 'content-type': 'application/json', 'x-router-secret': SECRET });
    expect(r.headers['access-control-allow-credentials']).toBe('true');
    expect(r.headers['access-control-allow-origin']).toBe(APP);
  });
});

describe('CXGRAPH_CORS_ORIGINS and CXGRAPH_CORS_CREDENTIALS at start-up', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
      return [];
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).problems;
    }
  };

  it('none by default; exact origins kept as a browser writes them', () => {
    expect(loadConfig(base).cors).toEqual({ origins: [], credentials: false });
    expect(loadConfig({ ...base, CXGRAPH_CORS_ORIGINS: 'HTTPS://App.Example.com:443, http://127.0.0.1:8080,http://[::1]:3000' }).cors.origins).toEqual([
      'https://app.example.com',
      'http://127.0.0.1:8080',
      'http://[::1]:3000',
    ]);
  });

  it.each([
    ['*', 'a wildcard'],
    ['https://*.example.com', 'a wildcard host'],
    ['https://app.example.com/', 'a trailing slash'],
    ['https://app.example.com/app', 'a path'],
    ['https://app.example.com?x=1', 'a query'],
    ['app.example.com', 'no scheme'],
    ['ftp://app.example.com', 'another scheme'],
    ['https://user:pw@app.example.com', 'credentials'],
    ['https://a.example.com,,https://b.example.com', 'an empty entry'],
  ])('refuses %s (%s), naming the variable', (value) => {
    const found = problems({ CXGRAPH_CORS_ORIGINS: value });
    expect(found.map((p) => p.variable)).toEqual(['CXGRAPH_CORS_ORIGINS']);
    expect(found[0]!.problem).toMatch(/scheme:\/\/host\[:port\]|empty/);
    expect(found[0]!.problem).not.toContain('pw@');
  });

  it('credentials need listed origins, and take only true or false', () => {
    expect(problems({ CXGRAPH_CORS_CREDENTIALS: 'true' }).map((p) => p.variable)).toEqual(['CXGRAPH_CORS_CREDENTIALS']);
    expect(problems({ CXGRAPH_CORS_ORIGINS: APP, CXGRAPH_CORS_CREDENTIALS: 'yes' })[0]).toMatchObject({ variable: 'CXGRAPH_CORS_CREDENTIALS' });
  });
});
