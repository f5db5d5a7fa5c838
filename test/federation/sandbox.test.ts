/**
 * Exploring cxgraph in Apollo Sandbox: in development `GET /` in a browser is the Sandbox landing page and
 * introspection answers; in production both are off unless CXGRAPH_LANDING_PAGE / CXGRAPH_INTROSPECTION turn
 * them on. The router's `_service { sdl }` answers whatever they say.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { startServer, type TestServer } from '../support/harness.js';

const INTROSPECTION = '{ __schema { queryType { name } } }';
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

/** What every environment here shares: no provider (nothing upstream is needed) and no simulators. */
const base = { CXGRAPH_SIMULATORS: 'off', CXGRAPH_AUTH: 'none' };

describe('Sandbox landing page and introspection', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const openInBrowser = async (server: TestServer) => {
    const res = await fetch(`${server.url}/`, { headers: BROWSER });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
  };

  it('development: GET / in a browser is the Sandbox and introspection answers', async () => {
    t = await startServer({ ...base, NODE_ENV: 'development' });
    const page = await openInBrowser(t);
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.body).toContain('embeddable-sandbox.cdn.apollographql.com');
    expect(page.body).toContain('new window.EmbeddedSandbox(');
    // Cookies stay out of Sandbox requests: it explores the schema, it does not act as the browser's user.
    expect(page.body).toMatch(/includeCookies["']?:\s*false/);
    const r = await t.gql(INTROSPECTION);
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('production: no landing page, introspection refused, `_service { sdl }` still answers for the router', async () => {
    t = await startServer({ ...base, NODE_ENV: 'production' });
    const page = await openInBrowser(t);
    expect(page.body).not.toContain('EmbeddedSandbox');
    expect(page.type).not.toMatch(/^text\/html/);
    const r = await t.gql(INTROSPECTION);
    expect(r.data ?? null).toBeNull();
    expect(r.errors![0]!.message).toMatch(/introspection is not allowed/i);
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED' });
    const sdl = await t.gql<{ _service: { sdl: string } }>('{ _service { sdl } }');
    expect(sdl.errors).toBeUndefined();
    expect(sdl.data!._service.sdl).toMatch(/type Recording\s+@key\(fields: "company organisation folder filename"\)/);
  });

  it('production with CXGRAPH_LANDING_PAGE=on and CXGRAPH_INTROSPECTION=on: both allowed', async () => {
    t = await startServer({ ...base, NODE_ENV: 'production', CXGRAPH_LANDING_PAGE: 'on', CXGRAPH_INTROSPECTION: 'on' });
    const page = await openInBrowser(t);
    expect(page.status).toBe(200);
    expect(page.body).toContain('new window.EmbeddedSandbox(');
    expect((await t.gql(INTROSPECTION)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('development with both off: neither', async () => {
    t = await startServer({ ...base, NODE_ENV: 'development', CXGRAPH_LANDING_PAGE: 'off', CXGRAPH_INTROSPECTION: 'off' });
    expect((await openInBrowser(t)).body).not.toContain('EmbeddedSandbox');
    expect((await t.gql(INTROSPECTION)).errors![0]!.message).toMatch(/introspection is not allowed/i);
  });

  it('each switch is separate: introspection on, landing page off (an API client, no browser page)', async () => {
    t = await startServer({ ...base, NODE_ENV: 'production', CXGRAPH_INTROSPECTION: 'on' });
    expect((await openInBrowser(t)).body).not.toContain('EmbeddedSandbox');
    expect((await t.gql(INTROSPECTION)).errors).toBeUndefined();
  });

  it('a value other than those listed is a configuration error naming the variable', () => {
    const attempt = () => loadConfig({ ...base, CXGRAPH_INTROSPECTION: 'yes', CXGRAPH_LANDING_PAGE: 'maybe' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (e) {
      const problems = (e as ConfigError).problems.map((p) => p.variable);
      expect(problems).toEqual(expect.arrayContaining(['CXGRAPH_INTROSPECTION', 'CXGRAPH_LANDING_PAGE']));
    }
    expect(loadConfig({ ...base, NODE_ENV: 'test' })).toMatchObject({ introspection: true, landingPage: 'sandbox' });
    expect(loadConfig({ ...base, NODE_ENV: 'production' })).toMatchObject({ introspection: false, landingPage: 'off' });
    // `on` (before `local` existed) is Sandbox; `sandbox`, `local` and `off` name the page.
    expect(loadConfig({ ...base, NODE_ENV: 'production', CXGRAPH_LANDING_PAGE: 'on' }).landingPage).toBe('sandbox');
    expect(loadConfig({ ...base, NODE_ENV: 'production', CXGRAPH_LANDING_PAGE: 'Local' }).landingPage).toBe('local');
  });
});
