/**
 * CXGRAPH_LANDING_PAGE=local over HTTP: `GET /` in a browser is the GraphiQL bundled with cxgraph, every file it
 * names is on cxgraph's own origin and served by it (without credentials, like the page), and its
 * Content-Security-Policy lets the browser load nothing from elsewhere. The switches behave as with Sandbox:
 * off in production unless set, and no files served when the page is not `local`.
 * (test/e2e/local-landing-page.test.ts runs it in Chromium with the network cut.)
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildGraphiqlBundle, bundleIsCurrent } from '../../src/graphql/landing-page/graphiql-bundle.js';
import { startServer, type TestServer } from '../support/harness.js';

const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const base = { CXGRAPH_SIMULATORS: 'off', CXGRAPH_AUTH: 'router-secret', CXGRAPH_ROUTER_SECRET: 'router-secret-Pq2w8e7r6t5y4u3i' };
const ASSETS = ['graphiql.js', 'graphiql.css', 'editor.worker.js', 'json.worker.js', 'graphql.worker.js'];

describe('CXGRAPH_LANDING_PAGE=local', () => {
  let t: TestServer | undefined;
  // A fresh checkout has no bundle yet: built here, where a slow machine may take its time, not inside a test.
  beforeAll(async () => {
    if (!bundleIsCurrent()) await buildGraphiqlBundle();
  }, 180_000);
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('GET / in a browser is the bundled GraphiQL: every URL it names is on this origin, the CSP allows only it', async () => {
    t = await startServer({ ...base, CXGRAPH_LANDING_PAGE: 'local' });
    const res = await fetch(`${t.url}/`, { headers: BROWSER });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).not.toMatch(/apollographql\.com|EmbeddedSandbox|https?:\/\//);
    expect(html).toContain('src="/__cxgraph/graphiql/graphiql.js"');
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'self'");
  });

  it('serves the bundle from cxgraph itself, without credentials; the stylesheet asks for no other host', async () => {
    t = await startServer({ ...base, CXGRAPH_LANDING_PAGE: 'local' });
    for (const name of ASSETS) {
      const res = await fetch(`${t.url}/__cxgraph/graphiql/${name}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type'), name).toMatch(name.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
      const body = await res.text();
      expect(body.length, name).toBeGreaterThan(1000);
      if (name.endsWith('.css')) expect(body).not.toMatch(/url\(\s*["']?(https?:)?\/\//);
    }
    expect((await fetch(`${t.url}/__cxgraph/graphiql/../package.json`)).status).not.toBe(200);
    expect((await fetch(`${t.url}/__cxgraph/graphiql/bundle.json`)).status).not.toBe(200);
  });

  it('production: no page and no files unless set; sandbox and off serve no bundle files', async () => {
    for (const env of [
      { NODE_ENV: 'production', CXGRAPH_AUTH: 'none', CXGRAPH_ROUTER_SECRET: undefined },
      { CXGRAPH_LANDING_PAGE: 'sandbox' },
      { CXGRAPH_LANDING_PAGE: 'off' },
    ]) {
      t = await startServer({ ...base, ...env });
      const page = await (await fetch(`${t.url}/`, { headers: BROWSER })).text();
      expect(page).not.toContain('/__cxgraph/graphiql/');
      expect((await fetch(`${t.url}/__cxgraph/graphiql/graphiql.js`)).status).not.toBe(200);
      await t.close();
      t = undefined;
    }
  });

  it('production with CXGRAPH_LANDING_PAGE=local: the page, as Sandbox would be with =sandbox', async () => {
    t = await startServer({ ...base, NODE_ENV: 'production', CXGRAPH_LANDING_PAGE: 'local' });
    const html = await (await fetch(`${t.url}/`, { headers: BROWSER })).text();
    expect(html).toContain('/__cxgraph/graphiql/graphiql.js');
  });
});
