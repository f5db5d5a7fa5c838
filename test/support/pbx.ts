/**
 * Connecting PBX accounts for tests the way a user does, over plain HTTP against the PBX simulator: begin → the
 * consent page (driven by the simulator's own `consent()`) → Allow → cxgraph's callback.
 * (test/integration/pbx.test.ts tests the flow itself in detail.)
 */
import { loadConfig } from '../../src/app/config.js';
import { createServer, type CreateServerDeps } from '../../src/server/server.js';
import { consent, type PbxSimulator } from '../../src/simulators/index.js';
import { freePort } from './free-port.js';
import { graphql, type TestServer } from './harness.js';
import { LogCapture } from './log-capture.js';

/** cxgraph with the PBX configured, on a port chosen first so PBX_REDIRECT_URI can name it. */
export async function startWithPbx(sim: PbxSimulator, env: Record<string, string> = {}, deps: CreateServerDeps = {}): Promise<TestServer> {
  const port = await freePort();
  const logs = new LogCapture();
  // env() registers the redirect URI with the simulator's public app.
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'debug', ...sim.env({ redirectUri: `http://127.0.0.1:${port}/oauth/pbx/callback` }), ...env });
  const server = await createServer(config, { logger: logs.logger, ...deps });
  const url = await server.listen(port, '127.0.0.1');
  return { server, url, logs, gql: (q, v, h) => graphql(url, q, v, h), close: () => server.close() };
}

/** Connects the PBX user `login` (Allow on the consent page); throws when the callback does not succeed. */
export async function connectPbxUser(t: TestServer, login: string): Promise<void> {
  const begin = await t.gql<{ beginPbxConnection: { authorizationUrl: string } }>('mutation { beginPbxConnection { authorizationUrl } }');
  if (!begin.data) throw new Error(`beginPbxConnection failed: ${begin.raw}`);
  const callbackUrl = await consent(begin.data.beginPbxConnection.authorizationUrl, { login, decision: 'allow' });
  const callback = await fetch(callbackUrl, { redirect: 'manual' });
  if (callback.status >= 400) throw new Error(`PBX callback answered ${callback.status}: ${await callback.text()}`);
}
