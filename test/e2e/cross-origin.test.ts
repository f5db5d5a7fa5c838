/**
 * A frontend on another origin, in a real browser (Debian's Chromium driven by playwright-core): a page served by a
 * tiny static server on another port of 127.0.0.1 — another origin — queries cxgraph with fetch (a JSON POST, so
 * Chromium sends a preflight first) and plays a call recording through its `downloadUrl` in
 * `<audio crossorigin="anonymous">`, and fetches it. cxgraph runs with CXGRAPH_CORS_ORIGINS naming that origin only:
 * the same page served from a third port is refused by the browser, and the page sees the failure.
 * Skipped with a message where /usr/bin/chromium is missing, except with CI=true.
 */
import { existsSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../support/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { loadConfig } from '../../src/app/config.js';
import { createServer, type CxServer } from '../../src/server/server.js';
import { createNvmSimulator } from '../../src/simulators/index.js';
import { freePort } from '../support/free-port.js';
import { graphql } from '../support/harness.js';
import { LogCapture } from '../support/log-capture.js';

const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM && process.env.CI === 'true') {
  throw new Error(`CI=true but ${CHROMIUM} does not exist: install Debian's chromium package (apt-get install chromium)`);
}
if (!HAS_CHROMIUM) console.warn(`[tests] ${CHROMIUM} not found: the cross-origin browser test is skipped (apt-get install chromium to run it)`);

const HAVE_METADATA = 1;
const QUERY = '{ calls(provider: NEWVOICEMEDIA, from: "2024-05-01T00:00:00Z", to: "2024-05-08T00:00:00Z", first: 1) { nodes { media { kind downloadUrl } } } }';

/**
 * The frontend: `window.queryCxgraph()` POSTs the query the way a GraphQL client does; `window.play(url)` puts the
 * link in `<audio crossorigin>`; `window.fetchMedia(url)` reads its first bytes with fetch. Each resolves to what the
 * page saw, a failure included.
 */
const PAGE = (api: string) => `<!doctype html><html><head><meta charset="utf-8"><title>frontend</title></head><body>
<script>
const API = ${JSON.stringify(api)};
window.queryCxgraph = async (query) => {
  try {
    const res = await fetch(API + '/', { method: 'POST', headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true' }, body: JSON.stringify({ query }) });
    return { ok: true, status: res.status, body: await res.json(), requestId: res.headers.get('x-request-id') };
  } catch (err) {
    return { ok: false, error: String(err) };
  }
};
window.play = (src) => new Promise((resolve) => {
  const a = document.createElement('audio');
  a.crossOrigin = 'anonymous';
  a.preload = 'metadata';
  a.onloadedmetadata = () => resolve({ readyState: a.readyState, duration: a.duration, error: null });
  a.onerror = () => resolve({ readyState: a.readyState, duration: a.duration, error: a.error ? a.error.code : -1 });
  a.src = src;
  document.body.appendChild(a);
});
window.fetchMedia = async (src) => {
  try {
    const res = await fetch(src, { headers: { range: 'bytes=0-43' } });
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { ok: true, status: res.status, riff: String.fromCharCode(...bytes.slice(0, 4)), contentRange: res.headers.get('content-range') };
  } catch (err) {
    return { ok: false, error: String(err) };
  }
};
</script></body></html>`;

/** Serves the frontend page at `/` on 127.0.0.1: its origin is http://127.0.0.1:<port>. */
async function startStatic(html: string): Promise<{ server: Server; origin: string }> {
  const server = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe.skipIf(!HAS_CHROMIUM)('a frontend on another origin (CXGRAPH_CORS_ORIGINS)', () => {
  const nvm = useSimulator(createNvmSimulator());
  let cx: CxServer;
  let api: string;
  let listed: { server: Server; origin: string };
  let unlisted: { server: Server; origin: string };
  let browser: Browser;

  beforeAll(async () => {
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    [listed, unlisted] = await Promise.all([startStatic(PAGE(api)), startStatic(PAGE(api))]);
    const config = loadConfig({ NODE_ENV: 'test', ...nvm.env(), CXGRAPH_AUTH: 'none', CXGRAPH_PUBLIC_URL: api, CXGRAPH_CORS_ORIGINS: listed.origin });
    cx = await createServer(config, { logger: new LogCapture().logger });
    await cx.listen(port, '127.0.0.1');
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await cx?.close();
    await Promise.all([listed, unlisted].map((s) => s && new Promise((r) => s.server.close(r))));
  });

  /** Opens the frontend on `origin`, collecting what Chromium prints to its console (CORS refusals land there). */
  async function open(origin: string): Promise<{ page: Page; console: string[] }> {
    const page = await browser.newPage();
    const console: string[] = [];
    page.on('console', (m) => console.push(m.text()));
    await page.goto(`${origin}/`);
    return { page, console };
  }

  it('a listed origin queries cxgraph with fetch, plays the recording in <audio crossorigin> and fetches it', async () => {
    const { page } = await open(listed.origin);
    try {
      const r = (await page.evaluate(`window.queryCxgraph(${JSON.stringify(QUERY)})`)) as {
        ok: boolean;
        status: number;
        requestId: string | null;
        body: { data: { calls: { nodes: { media: { kind: string; downloadUrl: string }[] }[] } } };
      };
      expect(r).toMatchObject({ ok: true, status: 200 });
      // An exposed header: the page can quote it in a bug report.
      expect(r.requestId).toMatch(/^[\w-]+$/);
      const link = r.body.data.calls.nodes[0]!.media.find((m) => m.kind === 'callRecording')!.downloadUrl;
      expect(link.startsWith(`${api}/media/nvm/`)).toBe(true);

      const audio = (await page.evaluate(`window.play(${JSON.stringify(link)})`)) as { readyState: number; duration: number; error: number | null };
      expect(audio.error).toBeNull();
      expect(audio.readyState).toBeGreaterThanOrEqual(HAVE_METADATA);
      expect(audio.duration).toBeCloseTo(1, 1);

      const bytes = await page.evaluate(`window.fetchMedia(${JSON.stringify(link)})`);
      expect(bytes).toMatchObject({ ok: true, status: 206, riff: 'RIFF' });
    } finally {
      await page.close();
    }
  });

  it('an origin not listed (another port of the same host): the browser refuses, the page sees the failure', async () => {
    const { page, console } = await open(unlisted.origin);
    try {
      const r = await page.evaluate(`window.queryCxgraph(${JSON.stringify(QUERY)})`);
      expect(r).toMatchObject({ ok: false, error: expect.stringMatching(/Failed to fetch/) });
      await expect.poll(() => console.join('\n')).toMatch(/blocked by CORS policy/);

      // A valid link obtained some other way does not play there either, nor can the page read it.
      const r2 = await graphql<{ calls: { nodes: { media: { kind: string; downloadUrl: string }[] }[] } }>(api, QUERY);
      const link = r2.data!.calls.nodes[0]!.media.find((m) => m.kind === 'callRecording')!.downloadUrl;
      const audio = (await page.evaluate(`window.play(${JSON.stringify(link)})`)) as { error: number | null };
      expect(audio.error).not.toBeNull();
      expect(await page.evaluate(`window.fetchMedia(${JSON.stringify(link)})`)).toMatchObject({ ok: false });
    } finally {
      await page.close();
    }
  });
});
