/**
 * The reference web app (examples/web) in a real browser (Debian's Chromium driven by playwright-core), served the
 * way `npm run example` serves it — cxgraph on the embedded default in a child process, the app in Vite's dev server
 * proxying to it (examples/web/scripts/example.ts) — with CXGRAPH_PERSISTED_DOCUMENTS_ONLY=true, so every request the
 * app makes is a listed document's id and anything else is refused:
 * the five platforms' status; a recording played to HAVE_ENOUGH_DATA; users searched and paged; a PBX account
 * connected through the consent popup; an agent call placed (and one refused, in words); an arbitrary query sent from
 * the page refused with no platform asked; NewVoiceMedia failing (its /__sim control) shown in its own panel while
 * the rest of the page renders; calls paged by cursor ("Show more calls") and users by number (next, previous); the
 * favicon. All of it twice: as `npm run example` serves it, and as `npm run example -- --supergraph` does — cxgraph
 * under CXGRAPH_SCHEMA_PREFIX=Cx composed with a company subgraph behind a gateway that runs only the app's
 * (prefixed) documents, the app built with VITE_CXGRAPH_PREFIX=Cx. Then the production build: no source map in it.
 * Skipped with a message where /usr/bin/chromium is missing, except with CI=true.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../support/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import { startExample, type Example } from '../../examples/web/scripts/example.js';
import { webConfig } from '../../examples/web/vite.config.js';
import { CONSENT_SELECTORS } from '../../src/simulators/index.js';
import { freePort } from '../support/free-port.js';

const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM && process.env.CI === 'true') {
  throw new Error(`CI=true but ${CHROMIUM} does not exist: install Debian's chromium package (apt-get install chromium)`);
}
if (!HAS_CHROMIUM) console.warn(`[tests] ${CHROMIUM} not found: the reference web app browser test is skipped (apt-get install chromium to run it)`);

const HAVE_ENOUGH_DATA = 4;
const PROVIDERS = ['CALLJOURNEY', 'SANGOMA', 'CLOUDCX', 'NEWVOICEMEDIA', 'PBX'];

const MODES = [
  { name: 'as npm run example serves it', supergraph: false },
  { name: 'behind a gateway, cxgraph prefixed (npm run example -- --supergraph)', supergraph: true },
] as const;

for (const mode of MODES)
  describe.skipIf(!HAS_CHROMIUM)(`the reference web app, ${mode.name}`, () => {
    let example: Example;
    let browser: Browser;
    let page: Page;

    /** A simulator's control API (src/simulators/common/control-api.ts). */
    const sim = async (provider: string, action: 'stats' | 'reset' | 'faults', body?: unknown) => {
      const res = await fetch(`${example.simulators[provider]}/__sim/${action}`, {
        method: action === 'stats' ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as { counts: Record<string, number> };
    };
    const view = async (name: string) => {
      await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name }).click();
      await expect.poll(() => page.locator('h1').textContent()).toBe(name);
    };

    beforeAll(async () => {
      const [cxgraphPort, webPort] = await Promise.all([freePort(), freePort()]);
      example = await startExample({
        cxgraphPort,
        webPort,
        host: '127.0.0.1',
        supergraph: mode.supergraph,
        env: mode.supergraph ? {} : { CXGRAPH_PERSISTED_DOCUMENTS_ONLY: 'true' },
      });
      expect(Object.keys(example.simulators).sort()).toEqual([...PROVIDERS].sort());
      browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
      page = await browser.newPage();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await example?.stop();
    });

    it('shows the five platforms with their live status, and the latest calls with CallJourney’s answer', async () => {
      await page.goto(`${example.appUrl}/`);
      const rows = page.locator('[data-panel="platforms"] tbody tr');
      await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(5);
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-provider')))).toEqual(PROVIDERS);
      for (const p of PROVIDERS.filter((x) => x !== 'PBX'))
        await expect(page.locator(`[data-provider="${p}"] [data-status]`).textContent()).resolves.toContain('Connected');
      // The PBX app is there, but nobody has connected a PBX account yet: not "Connected".
      await expect(page.locator('[data-provider="PBX"] [data-status]').textContent()).resolves.toBe('○ No account connected');
      // Once the calls are in, the tokens they needed (NewVoiceMedia's, CallJourney's) show their expiry.
      await page.locator('[data-provider="NEWVOICEMEDIA"] time').waitFor({ timeout: 15_000 });
      await expect(page.locator('[data-provider="NEWVOICEMEDIA"] time').textContent()).resolves.toMatch(/^expires in /);

      const nvm = page.locator('[data-panel="calls-newVoiceMedia"]');
      await expect(nvm.locator('tbody tr').count()).resolves.toBe(12);
      await expect(nvm.locator('tbody tr').first().textContent()).resolves.toContain('Inbound');
      // Agents' names, not ids; CallJourney holds the first call's file (call-0001.wav).
      await expect(nvm.locator('tbody tr').first().locator('td').nth(3).textContent()).resolves.toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
      await expect(nvm.locator('[data-calljourney="held"]').first().textContent()).resolves.toContain('CallJourney holds call-0001.wav');
      await expect(page.locator('[data-panel="calls-pbx"]').textContent()).resolves.toContain('connect a PBX account first');
    });

    it('pages through a platform\'s calls by cursor: "Show more calls" appends the next page', async () => {
      const nvm = page.locator('[data-panel="calls-newVoiceMedia"]');
      const count = nvm.getByTestId('calls-count-newVoiceMedia');
      await expect(count.textContent()).resolves.toBe('12 calls shown; there are more this week.');
      const firstIds = await nvm.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-call')));
      await nvm.getByRole('button', { name: 'Show more calls' }).click();
      await expect.poll(() => nvm.locator('tbody tr').count(), { timeout: 10_000 }).toBeGreaterThan(12);
      const ids = await nvm.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-call')));
      // The first page stays as it was, the next one follows it, and no call is listed twice.
      expect(ids.slice(0, 12)).toEqual(firstIds);
      expect(new Set(ids).size).toBe(ids.length);
      await expect(count.textContent()).resolves.toMatch(
        new RegExp(`^(${ids.length} calls shown; there are more this week\\.|All ${ids.length} calls of this week shown\\.)$`),
      );
      await expect(nvm.getByTestId('problem').count()).resolves.toBe(0);
    });

    it('serves a favicon', async () => {
      const icon = await page.evaluate<{ status: number; type: string | null; size: number }>(
        `fetch('/favicon.ico').then(async (r) => ({ status: r.status, type: r.headers.get('content-type'), size: (await r.arrayBuffer()).byteLength }))`,
      );
      expect(icon.status).toBe(200);
      expect(icon.type).toMatch(/^image\//);
      expect(icon.size).toBeGreaterThan(0);
    });

    it('plays a call recording: the <audio> on its signed downloadUrl reaches HAVE_ENOUGH_DATA with a duration', async () => {
      const audio = page.locator('[data-panel="calls-newVoiceMedia"] audio').first();
      const src = await audio.getAttribute('src');
      expect(src).toMatch(new RegExp(`^${example.appUrl}/media/nvm/.+[?&]sig=`));
      // Page-side code as strings: the tests are type-checked without the DOM library. Muted, as autoplay allows.
      const element = `document.querySelector('[data-panel="calls-newVoiceMedia"] audio')`;
      await page.evaluate(`(() => { const a = ${element}; a.muted = true; return a.play(); })()`);
      await expect
        .poll(
          () =>
            page.evaluate<{ readyState: number; duration: number; error: number | null }>(
              `(() => { const a = ${element}; return { readyState: a.readyState, duration: a.duration, error: a.error && a.error.code }; })()`,
            ),
          {
            timeout: 10_000,
          },
        )
        .toMatchObject({ readyState: HAVE_ENOUGH_DATA, error: null });
      expect(await page.evaluate<number>(`${element}.duration`)).toBeGreaterThan(0);
    });

    it('searches users and pages through them', async () => {
      await view('Users');
      const summary = page.getByTestId('users-summary');
      await expect.poll(() => summary.textContent()).toBe('Page 1 of 3 — 30 users');
      await page.getByRole('button', { name: 'Next page' }).click();
      await expect.poll(() => summary.textContent()).toBe('Page 2 of 3 — 30 users');
      await expect(page.locator('[data-panel="users"] tbody tr').count()).resolves.toBe(10);
      const secondPage = await page.locator('[data-panel="users"] tbody').textContent();
      await page.getByRole('button', { name: 'Next page' }).click();
      await expect.poll(() => summary.textContent()).toBe('Page 3 of 3 — 30 users');
      await expect(page.getByRole('button', { name: 'Next page' }).isDisabled()).resolves.toBe(true);
      await page.getByRole('button', { name: 'Previous page' }).click();
      await expect.poll(() => summary.textContent()).toBe('Page 2 of 3 — 30 users');
      await expect(page.locator('[data-panel="users"] tbody').textContent()).resolves.toBe(secondPage);

      await page.getByLabel('Search by login, name or e-mail').fill('silvia');
      await page.getByRole('button', { name: 'Search' }).click();
      await expect.poll(() => summary.textContent()).toBe('Page 1 of 1 — 1 user matching “silvia”');
      await expect(page.locator('[data-panel="users"] tbody').textContent()).resolves.toContain('silvia.rossi');
    });

    it('connects a PBX account through the consent popup and lists it once the popup closes', async () => {
      await view('PBX accounts');
      await expect.poll(() => page.locator('[data-panel="pbx-accounts"]').textContent()).toContain('No PBX account is connected yet');
      const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByRole('button', { name: 'Connect a PBX account' }).click()]);
      await popup.locator(CONSENT_SELECTORS.allow).waitFor();
      expect(await popup.inputValue(CONSENT_SELECTORS.login)).toBe('client1');
      // Allow → the PBX → cxgraph's callback (through the app's proxy) → /pbx-connected.html, which closes the popup.
      await Promise.all([popup.waitForEvent('close', { timeout: 10_000 }), popup.click(CONSENT_SELECTORS.allow)]);
      const account = page.locator('[data-panel="pbx-accounts"] tr[data-account="20"]');
      await account.waitFor({ timeout: 10_000 });
      await expect(account.textContent()).resolves.toContain('client1');
      await expect(account.textContent()).resolves.toContain('Connected');
      await expect(page.getByTestId('pbx-note').textContent()).resolves.toBe('PBX account 20 is connected.');
    });

    it('places an agent call after a confirmation step, and says why one is refused', async () => {
      await view('Place an agent call');
      await page.getByLabel("Agent's name on the platform").fill('alice');
      await page.getByLabel('Number to call').fill('+15550100199');
      await page.getByLabel("Tenant's domain").fill('acme.cx.example.com');
      await page.getByRole('button', { name: 'Review the call' }).click();
      await expect(page.getByRole('alertdialog').textContent()).resolves.toBe(
        'Call +15550100199 from agent alice on acme.cx.example.com?Place the call Change the details',
      );
      await page.getByRole('button', { name: 'Place the call' }).click();
      const outcome = page.getByTestId('call-outcome');
      await expect.poll(() => outcome.textContent()).toMatch(/The call was placed\. Sangoma CX is ringing alice \(call id [0-9a-f-]{36}\): “Call initiated”/);

      await page.getByRole('button', { name: 'Place another call' }).click();
      await page.getByLabel("Agent's name on the platform").fill('carol');
      await page.getByRole('button', { name: 'Review the call' }).click();
      await page.getByRole('button', { name: 'Place the call' }).click();
      await expect.poll(() => outcome.textContent()).toContain('The call was not placed.Sangoma CX refused the request.');
      await expect(outcome.textContent()).resolves.toContain('Agent carol is not available to place a call');
    });

    it('refuses a document the app did not list, from the page itself, without asking any platform', async () => {
      for (const p of PROVIDERS) await sim(p, 'reset');
      const answer = await page.evaluate<{ status: number; body: { errors: { extensions: { code: string } }[] } }>(`
      fetch('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ users(provider: CLOUDCX, pageSize: 500) { nodes { email phoneNumber } } }' }) })
        .then(async (r) => ({ status: r.status, body: await r.json() }))`);
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0]!.extensions.code).toBe('QUERY_NOT_IN_SAFELIST');
      for (const p of PROVIDERS) expect((await sim(p, 'stats')).counts, p).toEqual({});
    });

    it('with NewVoiceMedia failing, its panel says so while the platforms and the PBX calls still render', async () => {
      await sim('NEWVOICEMEDIA', 'faults', { kind: 'status', status: 503, route: 'interactions', times: 100 });
      try {
        await view('Overview');
        const nvm = page.locator('[data-panel="calls-newVoiceMedia"]');
        const problem = nvm.getByTestId('problem');
        await problem.waitFor({ timeout: 15_000 });
        await expect(problem.textContent()).resolves.toContain('NewVoiceMedia is not answering right now.');
        await expect(problem.textContent()).resolves.toContain('PROVIDER_UNAVAILABLE');
        await expect(nvm.locator('table').count()).resolves.toBe(0);
        await expect(page.locator('[data-panel="platforms"] tbody tr').count()).resolves.toBe(5);
        // The PBX account connected above: its calls render beside the failure.
        await expect.poll(() => page.locator('[data-panel="calls-pbx"] tbody tr').count()).toBeGreaterThan(0);
        await expect(page.locator('[data-panel="calls-pbx"] [data-testid="problem"]').count()).resolves.toBe(0);
      } finally {
        await sim('NEWVOICEMEDIA', 'reset');
      }
    });
  });

describe("the reference web app's production build", () => {
  it('ships no source map', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'cxgraph-web-build-'));
    try {
      await build({
        ...webConfig({ cxgraphUrl: 'http://127.0.0.1:4001' }),
        configFile: false,
        logLevel: 'warn',
        build: { ...webConfig({ cxgraphUrl: 'http://127.0.0.1:4001' }).build, outDir, emptyOutDir: true },
      });
      const files = readdirSync(outDir, { recursive: true }).map(String);
      expect(files.some((f) => f.endsWith('.js'))).toBe(true);
      expect(files).toContain('favicon.ico');
      expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 120_000);
});
