/**
 * The PBX consent flow in a real browser (Debian's Chromium driven by playwright-core): a person opens the
 * authorization URL cxgraph gives, clicks Allow on the PBX's consent page, lands on cxgraph's callback page, and
 * the account is then connected. The page's selectors come from the consent page's own module
 * (src/simulators/pbx/consent-page.ts). Skipped with a message where /usr/bin/chromium is missing, except with CI=true.
 */
import { existsSync } from 'node:fs';
import { type Browser } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../support/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { loadConfig } from '../../src/app/config.js';
import { createServer, type CxServer } from '../../src/server/server.js';
import { CONSENT_SELECTORS, createPbxSimulator } from '../../src/simulators/index.js';
import { graphql } from '../support/harness.js';
import { freePort } from '../support/free-port.js';
import { LogCapture } from '../support/log-capture.js';

const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM && process.env.CI === 'true') {
  throw new Error(`CI=true but ${CHROMIUM} does not exist: install Debian's chromium package (apt-get install chromium)`);
}
if (!HAS_CHROMIUM) console.warn(`[tests] ${CHROMIUM} not found: the PBX consent browser test is skipped (apt-get install chromium to run it)`);

describe.skipIf(!HAS_CHROMIUM)('PBX consent in a browser', () => {
  const sim = useSimulator(createPbxSimulator());
  let server: CxServer;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    const port = await freePort();
    const config = loadConfig({ NODE_ENV: 'test', ...sim.env({ redirectUri: `http://127.0.0.1:${port}/oauth/pbx/callback` }) });
    server = await createServer(config, { logger: new LogCapture().logger });
    url = await server.listen(port, '127.0.0.1');
    browser = await launchChromium(['--disable-quic']);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('Allow on the consent page connects the account', async () => {
    const begin = await graphql<{ beginPbxConnection: { authorizationUrl: string } }>(url, 'mutation { beginPbxConnection { authorizationUrl state } }');
    expect(begin.errors).toBeUndefined();

    const page = await browser.newPage();
    try {
      await page.goto(begin.data!.beginPbxConnection.authorizationUrl);
      await expect(page.locator(CONSENT_SELECTORS.heading).textContent()).resolves.toContain('asks for access to your PBX account');
      expect(await page.inputValue(CONSENT_SELECTORS.login)).toBe('client1');

      await Promise.all([page.waitForURL(`${url}/oauth/pbx/callback?**`), page.click(CONSENT_SELECTORS.allow)]);
      expect(await page.locator('h1').textContent()).toBe('PBX account client1 is connected');
      expect(await page.locator('main').textContent()).toContain('user id 20');
    } finally {
      await page.close();
    }

    const accounts = await graphql(url, '{ pbxAccounts { id login status } }');
    expect(accounts.data).toEqual({ pbxAccounts: [{ id: '20', login: 'client1', status: 'CONNECTED' }] });
  });

  it('Deny on the consent page shows that nothing was connected', async () => {
    const begin = await graphql<{ beginPbxConnection: { authorizationUrl: string } }>(url, 'mutation { beginPbxConnection { authorizationUrl } }');
    const page = await browser.newPage();
    try {
      await page.goto(begin.data!.beginPbxConnection.authorizationUrl);
      await Promise.all([page.waitForURL(`${url}/oauth/pbx/callback?**`), page.click(CONSENT_SELECTORS.deny)]);
      expect(await page.locator('h1').textContent()).toBe('Access was not allowed');
    } finally {
      await page.close();
    }
  });
});
