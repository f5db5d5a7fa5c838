/**
 * Takes the README's picture of the first page: `npm run example`'s page in Debian's Chromium (playwright-core),
 * with the PBX user client1 connected (so both platforms list calls), once the platforms' status, the calls and
 * CallJourney's answers are in. Run from the repository's root:
 * `node --import tsx examples/web/scripts/screenshot.ts [out.png]` (default docs/reference-web-app.png).
 */
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { consent } from '../../../src/simulators/index.js';
import { startExample } from './example.js';

const out = process.argv[2] ?? fileURLToPath(new URL('../../../docs/reference-web-app.png', import.meta.url));
const example = await startExample({ cxgraphPort: 24_001, webPort: 25_173, host: '127.0.0.1' });
// Connected as a person would (begin → consent page → Allow → callback), without a browser for brevity.
const begin = await fetch(`${example.cxgraphUrl}/`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query: 'mutation { beginPbxConnection { authorizationUrl } }' }),
});
const { data } = (await begin.json()) as { data: { beginPbxConnection: { authorizationUrl: string } } };
await fetch(await consent(data.beginPbxConnection.authorizationUrl, { login: 'client1' }), { redirect: 'manual' });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1, colorScheme: 'light', locale: 'en-GB' });
  await page.goto(`${example.appUrl}/`);
  await page.locator('[data-calljourney]').first().waitFor();
  await page.locator('[data-provider="NEWVOICEMEDIA"] time').waitFor();
  await page.locator('[data-panel="calls-pbx"] tbody tr').first().waitFor();
  await page.screenshot({ path: out, fullPage: process.env.FULL_PAGE === '1' });
  process.stdout.write(`${out}\n`);
} finally {
  await browser.close();
  await example.stop();
}
