/** Environment variables that point cxgraph at each simulator (its `env()`, as the embedded default uses), one provider at a time. */
import type { CallJourneySimulator, CloudCxSimulator, NvmSimulator, PbxSimulator, SangomaSimulator } from '../../src/simulators/index.js';
import {
  createCallJourneySimulator,
  createCloudCxSimulator,
  createNvmSimulator,
  createPbxSimulator,
  createSangomaSimulator,
  SAMPLE_RECORDINGS,
} from '../../src/simulators/index.js';

export const cjEnv = (sim: CallJourneySimulator): Record<string, string> => sim.env();
export const sangomaEnv = (sim: SangomaSimulator): Record<string, string> => sim.env();
export const cloudCxEnv = (sim: CloudCxSimulator): Record<string, string> => sim.env({ auth: 'password' });
export const nvmEnv = (sim: NvmSimulator): Record<string, string> => sim.env();
/** Registers `redirectUri` with the PBX simulator too; any replica may then serve the callback. */
export const pbxEnv = (sim: PbxSimulator, redirectUri: string): Record<string, string> => sim.env({ redirectUri });

const known = SAMPLE_RECORDINGS[0]!;
export const RECORDING_KEY = { company: known.company, organisation: known.organisation, folder: known.folder, filename: known.filename };
export const RECORDING = `query ($key: RecordingKey!) { recording(key: $key) { filename exists callId } }`;

/** Any JWT: every simulator issues JWTs, so none may be found in Redis, logs or responses. */
export const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

/** A redirect URI the PBX simulator accepts; the fault tests never follow it. */
export const PBX_REDIRECT = 'http://127.0.0.1:9/oauth/pbx/callback';

/** The five simulators, not started yet (`useSimulators(allSimulators())` starts them side by side); the PBX one accepts PBX_REDIRECT. */
export function allSimulators() {
  const sims = {
    cj: createCallJourneySimulator(),
    sangoma: createSangomaSimulator(),
    cloudcx: createCloudCxSimulator(),
    nvm: createNvmSimulator(),
    pbx: createPbxSimulator(),
  };
  sims.pbx.addRedirectUri(PBX_REDIRECT);
  return sims;
}
