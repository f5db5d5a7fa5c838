/**
 * CXGRAPH_LANDING_PAGE=local in a closed network, in a real browser (Debian's Chromium driven by playwright-core):
 * every request to a host other than loopback is aborted and recorded; the page loads GraphiQL from cxgraph, shows
 * the schema (introspection), runs a query typed into its editor and shows the answer — and no request to another
 * host was even attempted. Skipped with a message where /usr/bin/chromium is missing, except with CI=true.
 */
import { existsSync } from 'node:fs';
import { type Browser } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../support/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGraphiqlBundle, bundleIsCurrent } from '../../src/graphql/landing-page/graphiql-bundle.js';
import { startServer, type TestServer } from '../support/harness.js';

const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM && process.env.CI === 'true') {
  throw new Error(`CI=true but ${CHROMIUM} does not exist: install Debian's chromium package (apt-get install chromium)`);
}
if (!HAS_CHROMIUM) console.warn(`[tests] ${CHROMIUM} not found: the local landing page browser test is skipped (apt-get install chromium to run it)`);

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

describe.skipIf(!HAS_CHROMIUM)('CXGRAPH_LANDING_PAGE=local with the network cut', () => {
  let t: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    // A fresh checkout has no bundle yet: built before the server starts, with time for a slow machine.
    if (!bundleIsCurrent()) await buildGraphiqlBundle();
    t = await startServer({ CXGRAPH_SIMULATORS: 'off', CXGRAPH_AUTH: 'none', CXGRAPH_LANDING_PAGE: 'local' });
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('loads, shows the schema, runs a query and shows the answer; no request leaves the machine', { timeout: 90_000 }, async () => {
    const context = await browser.newContext();
    const outside = new Set<string>();
    const loopback: string[] = [];
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.protocol === 'data:' || url.protocol === 'blob:' || LOOPBACK.has(url.hostname)) {
        loopback.push(url.pathname);
        return route.continue();
      }
      outside.add(route.request().url());
      return route.abort('internetdisconnected');
    });
    // Workers' own requests and anything the route does not see (service workers, preconnects) are recorded too.
    context.on('request', (req) => {
      const u = new URL(req.url());
      if (!['data:', 'blob:'].includes(u.protocol) && !LOOPBACK.has(u.hostname)) outside.add(req.url());
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${t.url}/`, { waitUntil: 'load' });
      await expect(page.title()).resolves.toBe('cxgraph · GraphiQL');
      // The editor is Monaco: replace its text without its auto-closing brackets getting in the way.
      const editor = page.locator('.graphiql-query-editor .monaco-editor').first();
      await editor.waitFor({ timeout: 20_000 });
      await editor.click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Delete');
      await page.keyboard.insertText('query Statuses { providers { provider status } }');
      await page.locator('.graphiql-execute-button').click();
      const response = page.locator('.graphiql-response');
      await expect.poll(() => response.textContent(), { timeout: 20_000 }).toContain('NOT_CONFIGURED');
      // Monaco renders spaces as no-break spaces.
      expect((await response.textContent())?.replace(/\u00a0/g, ' ')).toMatch(/"provider":\s+"CALLJOURNEY",\s+"status":\s+"NOT_CONFIGURED"/);
      // The schema came through introspection: the documentation explorer lists Query's fields.
      await page.locator('button[aria-label="Show Documentation Explorer"]').click();
      await expect.poll(() => page.locator('.graphiql-doc-explorer').textContent(), { timeout: 10_000 }).toContain('Query');
    } finally {
      await context.close();
    }
    expect(errors).toEqual([]);
    expect(loopback.some((p) => p.startsWith('/__cxgraph/graphiql/'))).toBe(true);
    expect([...outside]).toEqual([]);
  });
});
