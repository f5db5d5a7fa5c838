/**
 * The embedded default: with no provider configured, `npm start` starts the simulators on loopback and
 * points every provider at them, so a newcomer can query real (simulated) upstreams at once. The result is
 * a set of environment variables fed through the same `loadConfig` validation as a real deployment.
 */
import { createCallJourneySimulator, type CallJourneySimulator } from './calljourney/simulator.js';
import { createPbxSimulator, type PbxSimulator } from './pbx/simulator.js';
import { createSangomaSimulator, type SangomaSimulator } from './sangoma/simulator.js';
import { createCloudCxSimulator, type CloudCxSimulator } from './cloudcx/simulator.js';
import { createNvmSimulator, type NvmSimulator } from './nvm/simulator.js';

export interface EmbeddedSimulators {
  env: Record<string, string>;
  calljourney: CallJourneySimulator;
  pbx: PbxSimulator;
  sangoma: SangomaSimulator;
  cloudcx: CloudCxSimulator;
  nvm: NvmSimulator;
  /** What each simulator serves, for the start-up log. */
  urls: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * `cxgraphUrl` is where this cxgraph will be reached by a browser: the PBX simulator's consent page redirects to
 * its `/oauth/pbx/callback` (PBX_REDIRECT_URI), so it must be cxgraph's own origin (src/index.ts passes its port).
 */
export async function startEmbeddedSimulators(host = '127.0.0.1', cxgraphUrl = 'http://localhost:4001'): Promise<EmbeddedSimulators> {
  const calljourney = createCallJourneySimulator();
  const sangoma = createSangomaSimulator();
  const cloudcx = createCloudCxSimulator();
  // One server plays both NewVoiceMedia hosts: {region}.newvoicemedia.com and {region}.api.newvoicemedia.com.
  const nvm = createNvmSimulator();
  const pbxRedirectUri = `${cxgraphUrl.replace(/\/+$/, '')}/oauth/pbx/callback`;
  const pbx = createPbxSimulator();
  pbx.addRedirectUri(pbxRedirectUri);
  // Started side by side: cold start to first answer matters (npm start, benchmarks).
  await Promise.all([calljourney.start({ host }), sangoma.start({ host }), cloudcx.start({ host }), nvm.start({ host }), pbx.start({ host })]);
  const cjClient = calljourney.clients[0]!;
  const sgClient = sangoma.clients[0]!;
  // The password grant rather than the API key, so the embedded default exercises token refresh.
  const cxClient = cloudcx.clients[0]!;
  const cxAccount = cloudcx.accounts[0]!;
  const nvmClient = nvm.clients[0]!;
  const pbxApp = pbx.publicApps[0]!;
  const env: Record<string, string> = {
    CALLJOURNEY_TENANT_ID: calljourney.tenantId,
    CALLJOURNEY_CLIENT_ID: cjClient.clientId,
    CALLJOURNEY_CLIENT_SECRET: cjClient.clientSecret,
    CALLJOURNEY_BASE_URL: calljourney.baseUrl,
    CALLJOURNEY_TOKEN_URL: calljourney.tokenUrl,
    PBX_BASE_URL: pbx.baseUrl,
    PBX_CLIENT_ID: pbxApp.clientId,
    PBX_CLIENT_SECRET: pbxApp.clientSecret,
    PBX_REDIRECT_URI: pbxRedirectUri,
    SANGOMA_CLIENT_ID: sgClient.clientId,
    SANGOMA_CLIENT_SECRET: sgClient.clientSecret,
    SANGOMA_BASE_URL: sangoma.baseUrl,
    SANGOMA_TOKEN_URL: sangoma.tokenUrl,
    CLOUDCX_BASE_URL: cloudcx.baseUrl,
    CLOUDCX_CLIENT_ID: cxClient.clientId,
    CLOUDCX_CLIENT_SECRET: cxClient.clientSecret,
    CLOUDCX_USERNAME: cxAccount.username,
    CLOUDCX_PASSWORD: cxAccount.password,
    NVM_CLIENT_ID: nvmClient.clientId,
    NVM_CLIENT_SECRET: nvmClient.clientSecret,
    NVM_AUTH_BASE_URL: nvm.authBaseUrl,
    NVM_API_BASE_URL: nvm.apiBaseUrl,
  };
  return {
    env,
    calljourney,
    pbx,
    sangoma,
    cloudcx,
    nvm,
    urls: { CALLJOURNEY: calljourney.baseUrl, PBX: pbx.baseUrl, SANGOMA: sangoma.baseUrl, CLOUDCX: cloudcx.baseUrl, NEWVOICEMEDIA: nvm.apiBaseUrl },
    async stop() {
      await Promise.all([calljourney.stop(), sangoma.stop(), cloudcx.stop(), nvm.stop(), pbx.stop()]);
    },
  };
}
