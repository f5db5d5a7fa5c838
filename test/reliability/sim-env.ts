/** Environment variables that point cxgraph at each simulator (as the embedded default does), one provider at a time. */
import type { CallJourneySimulator, CloudCxSimulator, NvmSimulator, PbxSimulator, SangomaSimulator } from '../../src/simulators/index.js';
import {
  createCallJourneySimulator,
  createCloudCxSimulator,
  createNvmSimulator,
  createPbxSimulator,
  createSangomaSimulator,
  SAMPLE_RECORDINGS,
} from '../../src/simulators/index.js';

export const cjEnv = (sim: CallJourneySimulator): Record<string, string> => ({
  CALLJOURNEY_TENANT_ID: sim.tenantId,
  CALLJOURNEY_CLIENT_ID: sim.clients[0]!.clientId,
  CALLJOURNEY_CLIENT_SECRET: sim.clients[0]!.clientSecret,
  CALLJOURNEY_BASE_URL: sim.baseUrl,
  CALLJOURNEY_TOKEN_URL: sim.tokenUrl,
});

export const sangomaEnv = (sim: SangomaSimulator): Record<string, string> => ({
  SANGOMA_CLIENT_ID: sim.clients[0]!.clientId,
  SANGOMA_CLIENT_SECRET: sim.clients[0]!.clientSecret,
  SANGOMA_BASE_URL: sim.baseUrl,
  SANGOMA_TOKEN_URL: sim.tokenUrl,
});

export const cloudCxEnv = (sim: CloudCxSimulator): Record<string, string> => ({
  CLOUDCX_BASE_URL: sim.baseUrl,
  CLOUDCX_CLIENT_ID: sim.clients[0]!.clientId,
  CLOUDCX_CLIENT_SECRET: sim.clients[0]!.clientSecret,
  CLOUDCX_USERNAME: sim.accounts[0]!.username,
  CLOUDCX_PASSWORD: sim.accounts[0]!.password,
});

export const nvmEnv = (sim: NvmSimulator): Record<string, string> => ({
  NVM_CLIENT_ID: sim.clients[0]!.clientId,
  NVM_CLIENT_SECRET: sim.clients[0]!.clientSecret,
  NVM_AUTH_BASE_URL: sim.authBaseUrl,
  NVM_API_BASE_URL: sim.apiBaseUrl,
});

/** `redirectUri` must have been registered with sim.addRedirectUri; any replica may then serve the callback. */
export const pbxEnv = (sim: PbxSimulator, redirectUri: string): Record<string, string> => ({
  PBX_BASE_URL: sim.baseUrl,
  PBX_CLIENT_ID: sim.publicApps[0]!.clientId,
  PBX_CLIENT_SECRET: sim.publicApps[0]!.clientSecret,
  PBX_REDIRECT_URI: redirectUri,
});

const known = SAMPLE_RECORDINGS[0]!;
export const RECORDING_KEY = { company: known.company, organisation: known.organisation, folder: known.folder, filename: known.filename };
export const RECORDING = `query ($key: RecordingKey!) { recording(key: $key) { filename exists callId } }`;

/** Any JWT: every simulator issues JWTs, so none may be found in Redis, logs or responses. */
export const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

/** A redirect URI the PBX simulator accepts; the fault tests never follow it. */
export const PBX_REDIRECT = 'http://127.0.0.1:9/oauth/pbx/callback';

export interface AllSimulators {
  cj: CallJourneySimulator;
  sangoma: SangomaSimulator;
  cloudcx: CloudCxSimulator;
  nvm: NvmSimulator;
  pbx: PbxSimulator;
  stop(): Promise<void>;
}

/** The five simulators, started side by side (the PBX one accepting PBX_REDIRECT). */
export async function startAllSimulators(): Promise<AllSimulators> {
  const sims = {
    cj: createCallJourneySimulator(),
    sangoma: createSangomaSimulator(),
    cloudcx: createCloudCxSimulator(),
    nvm: createNvmSimulator(),
    pbx: createPbxSimulator(),
  };
  sims.pbx.addRedirectUri(PBX_REDIRECT);
  await Promise.all([sims.cj.start(), sims.sangoma.start(), sims.cloudcx.start(), sims.nvm.start(), sims.pbx.start()]);
  return { ...sims, stop: async () => void (await Promise.all(Object.values(sims).map((x) => x.stop()))) };
}
