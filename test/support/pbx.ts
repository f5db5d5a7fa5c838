/**
 * Connecting PBX accounts for tests the way a user does, over plain HTTP against the PBX
 * simulator: begin → the consent page → Allow → cxgraph's callback. (test/integration/pbx.test.ts tests the
 * flow itself in detail.)
 */
import { loadConfig } from '../../src/config.js';
import { createServer, type CreateServerDeps } from '../../src/server.js';
import type { PbxSimulator } from '../../src/simulators/index.js';
import { freePort } from './free-port.js';
import { graphql, type TestServer } from './harness.js';
import { LogCapture } from './log-capture.js';


/** cxgraph with the PBX configured, on a port chosen first so PBX_REDIRECT_URI can name it. */
export async function startWithPbx(sim: PbxSimulator, env: Record<string, string> = {}, deps: CreateServerDeps = {}): Promise<TestServer> {
  const port = await freePort();
  const redirectUri = `http://127.0.0.1:${port}/oauth/pbx/callback`;
  sim.addRedirectUri(redirectUri);
  const app = sim.publicApps[0]!;
  const logs = new LogCapture();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
    PBX_BASE_URL: sim.baseUrl,
    PBX_CLIENT_ID: app.clientId,
    PBX_CLIENT_SECRET: app.clientSecret,
    PBX_REDIRECT_URI: redirectUri,
    ...env,
  });
  const server = await createServer(config, { logger: logs.logger, ...deps });
  const url = await server.listen(port, '127.0.0.1');
  return { server, url, logs, gql: (q, v, h) => graphql(url, q, v, h), close: () => server.close() };
}

/** Connects the PBX user `login` (Allow on the consent page); throws when the callback does not succeed. */
export async function connectPbxUser(t: TestServer, login: string): Promise<void> {
  const begin = await t.gql<{ beginPbxConnection: { authorizationUrl: string } }>('mutation { beginPbxConnection { authorizationUrl } }');
  if (!begin.data) throw new Error(`beginPbxConnection failed: ${begin.raw}`);
  const authorizationUrl = begin.data.beginPbxConnection.authorizationUrl;
  const html = await (await fetch(authorizationUrl)).text();
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)) form.set(m[1]!, m[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"'));
  form.set('login', login);
  form.set('decision', 'allow');
  const action = new URL(/<form method="post" action="([^"]+)"/.exec(html)![1]!, authorizationUrl);
  const consent = await fetch(action, { method: 'POST', body: form, redirect: 'manual' });
  const callback = await fetch(consent.headers.get('location')!, { redirect: 'manual' });
  if (callback.status >= 400) throw new Error(`PBX callback answered ${callback.status}: ${await callback.text()}`);
}
