/**
 * The embedded default: with no provider configured, `npm start` starts the simulators on loopback and points every
 * provider at them, so a newcomer can query real (simulated) upstreams at once. The result is a set of environment
 * variables (each simulator's `env()`) fed through the same `loadConfig` validation as a real deployment.
 */
import { createCallJourneySimulator, type CallJourneySimulator } from './calljourney/simulator.js';
import { createCloudCxSimulator, type CloudCxSimulator } from './cloudcx/simulator.js';
import { createNvmSimulator, type NvmSimulator } from './nvm/simulator.js';
import { createPbxSimulator, type PbxSimulator } from './pbx/simulator.js';
import { createSangomaSimulator, type SangomaSimulator } from './sangoma/simulator.js';

export interface EmbeddedSimulators {
  /** Every provider's variables, pointing at the simulators. */
  env: Record<string, string>;
  calljourney: CallJourneySimulator;
  pbx: PbxSimulator;
  sangoma: SangomaSimulator;
  cloudcx: CloudCxSimulator;
  nvm: NvmSimulator;
  /** Root URL of each simulator's server by provider (the `/__sim/` control API lives there), for the start-up log. */
  urls: Record<'CALLJOURNEY' | 'PBX' | 'SANGOMA' | 'CLOUDCX' | 'NEWVOICEMEDIA', string>;
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
  const pbx = createPbxSimulator();
  const all = [calljourney, sangoma, cloudcx, nvm, pbx];
  // Started side by side: cold start to first answer matters (npm start, benchmarks).
  await Promise.all(all.map((sim) => sim.start({ host })));
  const env: Record<string, string> = {
    ...calljourney.env(),
    ...pbx.env({ redirectUri: `${cxgraphUrl.replace(/\/+$/, '')}/oauth/pbx/callback` }),
    ...sangoma.env(),
    // The password grant rather than the API key, so the embedded default exercises token refresh.
    ...cloudcx.env({ auth: 'password' }),
    ...nvm.env(),
  };
  return {
    env,
    calljourney,
    pbx,
    sangoma,
    cloudcx,
    nvm,
    urls: { CALLJOURNEY: calljourney.url, PBX: pbx.url, SANGOMA: sangoma.url, CLOUDCX: cloudcx.url, NEWVOICEMEDIA: nvm.url },
    async stop() {
      await Promise.all(all.map((sim) => sim.stop()));
    },
  };
}
