/**
 * A call recording played in a real browser (Debian's Chromium driven by playwright-core) the way a front end does
 * it: `<audio src="{downloadUrl}">`. The browser sends no header and no token — cxgraph runs with
 * CXGRAPH_AUTH=router-secret, so only the link's signature lets the file through — and the element reaches
 * HAVE_METADATA. An altered link fails to load, and the platform never hears of it. Skipped with a message where
 * /usr/bin/chromium is missing, except with CI=true.
 */
import { existsSync } from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../support/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSimulators } from '../support/simulators.js';
import { loadConfig } from '../../src/app/config.js';
import { createServer, type CxServer } from '../../src/server/server.js';
import { createNvmSimulator, createPbxSimulator } from '../../src/simulators/index.js';
import { freePort } from '../support/free-port.js';
import { graphql } from '../support/harness.js';
import { LogCapture } from '../support/log-capture.js';
import { connectPbxUser } from '../support/pbx.js';

const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM && process.env.CI === 'true') {
  throw new Error(`CI=true but ${CHROMIUM} does not exist: install Debian's chromium package (apt-get install chromium)`);
}
if (!HAS_CHROMIUM) console.warn(`[tests] ${CHROMIUM} not found: the media playback browser test is skipped (apt-get install chromium to run it)`);

const SECRET = 'router-secret-Zq7w1v9KpL3mN8xR';
const HAVE_METADATA = 1;

describe.skipIf(!HAS_CHROMIUM)('a call recording in <audio src=downloadUrl>', () => {
  const [nvm, pbx] = useSimulators([createNvmSimulator(), createPbxSimulator()]);
  let server: CxServer;
  let url: string;
  let browser: Browser;
  const gql = <T>(query: string) => graphql<T>(url, query, undefined, { 'x-router-secret': SECRET });

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const config = loadConfig({
      NODE_ENV: 'test',
      ...nvm.env(),
      ...pbx.env({ redirectUri: `${url}/oauth/pbx/callback` }),
      CXGRAPH_AUTH: 'router-secret',
      CXGRAPH_ROUTER_SECRET: SECRET,
      CXGRAPH_PUBLIC_URL: url,
    });
    server = await createServer(config, { logger: new LogCapture().logger });
    await server.listen(port, '127.0.0.1');
    await connectPbxUser(
      { server, url, logs: new LogCapture(), gql: (q, v, h) => graphql(url, q, v, { 'x-router-secret': SECRET, ...h }), close: () => server.close() },
      'client1',
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Puts `<audio src>` on a blank page and waits for metadata or an error; what the element says afterwards. */
  async function play(page: Page, src: string): Promise<{ readyState: number; duration: number; error: number | null }> {
    await page.setContent(`<audio id="player" preload="metadata" src="${src.replace(/"/g, '&quot;')}"></audio>`);
    // Page-side code as strings: the tests are type-checked without the DOM library.
    await page.waitForFunction(`(() => { const a = document.getElementById('player'); return a.readyState >= 1 || a.error !== null; })()`, undefined, {
      timeout: 15_000,
    });
    return page.evaluate(
      `(() => { const a = document.getElementById('player'); return { readyState: a.readyState, duration: a.duration, error: a.error ? a.error.code : null }; })()`,
    );
  }

  it('plays a NewVoiceMedia recording with no header: the element reaches HAVE_METADATA', async () => {
    const r = await gql<{ calls: { nodes: { media: { kind: string; downloadUrl: string }[] }[] } }>(
      '{ calls(provider: NEWVOICEMEDIA, from: "2024-05-01T00:00:00Z", to: "2024-05-08T00:00:00Z", first: 1) { nodes { media { kind downloadUrl } } } }',
    );
    expect(r.errors).toBeUndefined();
    const link = r.data!.calls.nodes[0]!.media.find((m) => m.kind === 'callRecording')!.downloadUrl;
    expect(link.startsWith(`${url}/media/nvm/`)).toBe(true);
    const page = await browser.newPage();
    const sentHeaders: Record<string, string>[] = [];
    page.on('request', (req) => {
      if (req.url().startsWith(`${url}/media/`)) sentHeaders.push(req.headers());
    });
    try {
      const audio = await play(page, link);
      expect(audio).toMatchObject({ error: null });
      expect(audio.readyState).toBeGreaterThanOrEqual(HAVE_METADATA);
      // The simulator's recordings are 1 s, 8 kHz PCM tones.
      expect(audio.duration).toBeCloseTo(1, 1);
    } finally {
      await page.close();
    }
    expect(sentHeaders.length).toBeGreaterThan(0);
    for (const h of sentHeaders) {
      expect(h['x-router-secret']).toBeUndefined();
      expect(h.authorization).toBeUndefined();
    }
  });

  it('plays a PBX recording the same way', async () => {
    const r = await gql<{ calls: { nodes: { media: { downloadUrl: string }[] }[] } }>(
      '{ calls(provider: PBX, from: "2024-05-01T00:00:00Z", to: "2024-05-02T00:00:00Z", first: 5) { nodes { media { downloadUrl } } } }',
    );
    expect(r.errors).toBeUndefined();
    const link = r.data!.calls.nodes.flatMap((n) => n.media)[0]!.downloadUrl;
    const page = await browser.newPage();
    try {
      const audio = await play(page, link);
      expect(audio.error).toBeNull();
      expect(audio.readyState).toBeGreaterThanOrEqual(HAVE_METADATA);
    } finally {
      await page.close();
    }
  });

  it('an altered link does not play, and the platform receives nothing', async () => {
    const r = await gql<{ calls: { nodes: { media: { downloadUrl: string }[] }[] } }>(
      '{ calls(provider: NEWVOICEMEDIA, from: "2024-05-01T00:00:00Z", to: "2024-05-08T00:00:00Z", first: 1) { nodes { media { downloadUrl } } } }',
    );
    const link = new URL(r.data!.calls.nodes[0]!.media[0]!.downloadUrl);
    link.searchParams.set('exp', String(Number(link.searchParams.get('exp')) + 60));
    nvm.server.resetCounts();
    const page = await browser.newPage();
    try {
      const audio = await play(page, link.toString());
      expect(audio.error).not.toBeNull();
      expect(audio.readyState).toBe(0);
    } finally {
      await page.close();
    }
    expect(nvm.server.counts()).toEqual({});
  });
});
