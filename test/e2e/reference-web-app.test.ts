/**
 * The reference web app (examples/web) in a real browser (Debian's Chromium driven by playwright-core), served the
 * way `npm run example` serves it — cxgraph on the embedded default in a child process, the app in Vite's dev server
 * proxying to it (examples/web/scripts/example.ts) — with CXGRAPH_PERSISTED_DOCUMENTS_ONLY=true, so every request the
 * app makes is a listed document's id and anything else is refused:
 * the five platforms' status; a recording played to HAVE_ENOUGH_DATA; users searched and paged; a PBX account
 * connected through the consent popup; an agent call placed (and one refused, in words); an arbitrary query sent from
 * the page refused with no platform asked; NewVoiceMedia failing (its /__sim control) shown in its own panel while
 * the rest of the page renders. Skipped with a message where /usr/bin/chromium is missing, except with CI=true.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExample, type Example } from '../../examples/web/scripts/example.js';
import { CONSENT_SELECTORS } from '../../src/simulators/index.js';
import { freePort } from '../support/free-port.js';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM && process.env.CI === 'true') {
  throw new Error(`CI=true but ${CHROMIUM} does not exist: install Debian's chromium package (apt-get install chromium)`);
}
if (!HAS_CHROMIUM) console.warn(`[tests] ${CHROMIUM} not found: the reference web app browser test is skipped (apt-get install chromium to run it)`);

const HAVE_ENOUGH_DATA = 4;
const PROVIDERS = ['CALLJOURNEY', 'SANGOMA', 'CLOUDCX', 'NEWVOICEMEDIA', 'PBX'];

describe.skipIf(!HAS_CHROMIUM)('the reference web app, as npm run example serves it', () => {
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
    example = await startExample({ cxgraphPort, webPort, host: '127.0.0.1', env: { CXGRAPH_PERSISTED_DOCUMENTS_ONLY: 'true' } });
    expect(Object.keys(example.simulators).sort()).toEqual([...PROVIDERS].sort());
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
    });
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
    for (const p of PROVIDERS.filter((x) => x !== 'PBX')) await expect(page.locator(`[data-provider="${p}"] [data-status]`).textContent()).resolves.toContain('Connected');
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

  it('plays a call recording: the <audio> on its signed downloadUrl reaches HAVE_ENOUGH_DATA with a duration', async () => {
    const audio = page.locator('[data-panel="calls-newVoiceMedia"] audio').first();
    const src = await audio.getAttribute('src');
    expect(src).toMatch(new RegExp(`^${example.appUrl}/media/nvm/.+[?&]sig=`));
    // Page-side code as strings: the tests are type-checked without the DOM library. Muted, as autoplay allows.
    const element = `document.querySelector('[data-panel="calls-newVoiceMedia"] audio')`;
    await page.evaluate(`(() => { const a = ${element}; a.muted = true; return a.play(); })()`);
    await expect
      .poll(() => page.evaluate<{ readyState: number; duration: number; error: number | null }>(`(() => { const a = ${element}; return { readyState: a.readyState, duration: a.duration, error: a.error && a.error.code }; })()`), {
        timeout: 10_000,
      })
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
    await expect(page.getByRole('alertdialog').textContent()).resolves.toBe('Call +15550100199 from agent alice on acme.cx.example.com?Place the call Change the details');
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
