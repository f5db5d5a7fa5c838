/**
 * The simulators' public surface, and their one list (SIMULATORS): the embedded default (embedded.ts) starts every
 * simulator listed here and points cxgraph at it. Adding a platform's simulator is its folder and one line in the
 * list (CONTRIBUTING.md); test/architecture/structure.test.ts checks that every provider module has one.
 */
import { callJourneySimulator } from './calljourney/simulator.js';
import { cloudCxSimulator } from './cloudcx/simulator.js';
import { nvmSimulator } from './nvm/simulator.js';
import { pbxSimulator } from './pbx/simulator.js';
import { sangomaSimulator } from './sangoma/simulator.js';

/** Every simulator, in the order of the provider list (src/providers/index.ts). */
export const SIMULATORS = [callJourneySimulator, sangomaSimulator, cloudCxSimulator, nvmSimulator, pbxSimulator] as const;

// The shell every simulator shares (common/): server, faults, control API, token issuer, lifetime/revoke, env().
export { SimulatorShell, type Simulator, type ProviderEnv } from './common/simulator-shell.js';
export { SimServer, type StartOptions, type SimExchange } from './common/sim-server.js';
export { SimJsonError, type SimRequest, type SimResponse, type SimHandler } from './common/sim-http.js';
export { UNMATCHED_ROUTE } from './common/route-table.js';
export { type FaultSpec, type FaultKind } from './common/faults.js';
export { SimConfigError, type SimConfigHook } from './common/config-hooks.js';
export { CONTROL_PREFIX, type SimStats } from './common/control-api.js';
export { TokenIssuer } from './common/token-issuer.js';
export { bearerToken, checkBearer, unauthorizedResponse, insufficientScopeResponse, type BearerCheck } from './common/bearer.js';
export { wavTone } from './common/wav-tone.js';
export { defineSimulator, type SimulatorEntry, type CxgraphSide } from './common/simulator-entry.js';

export { createCallJourneySimulator, type CallJourneySimulator, type CallJourneySimulatorOptions, type CallJourneyEnv } from './calljourney/simulator.js';
export {
  SAMPLE_RECORDINGS,
  DEFAULT_CALLJOURNEY_TENANT_ID,
  DEFAULT_CALLJOURNEY_CLIENT,
  CALLJOURNEY_ROLE,
  type CallJourneyClient,
  type SimRecording,
} from './calljourney/data.js';

export {
  createCloudCxSimulator,
  type CloudCxSimulator,
  type CloudCxSimulatorOptions,
  type CloudCxEnv,
  type CloudCxErrorEnvelope,
  type CloudCxGrantType,
} from './cloudcx/simulator.js';
export {
  SAMPLE_CLOUDCX_USERS,
  DEFAULT_CLOUDCX_CLIENT,
  DEFAULT_CLOUDCX_ACCOUNT,
  DEFAULT_CLOUDCX_API_KEY,
  CLOUDCX_ISSUER,
  type CloudCxOAuthClient,
  type CloudCxAccount,
  type CloudCxSimUser,
} from './cloudcx/data.js';

export { createSangomaSimulator, type SangomaSimulator, type SangomaSimulatorOptions, type SangomaEnv, type SangomaPlacedCall } from './sangoma/simulator.js';
export {
  SAMPLE_SANGOMA_TENANTS,
  DEFAULT_SANGOMA_CLIENT,
  SANGOMA_KNOWN_SCOPES,
  SANGOMA_TOKEN_LIFETIME_SEC,
  SANGOMA_ISSUER,
  SANGOMA_AUDIENCE,
  type SangomaSimClient,
  type SangomaSimTenant,
} from './sangoma/data.js';

export { createNvmSimulator, type NvmSimulator, type NvmSimulatorOptions, type NvmEnv, type UsersEnvelope, type RateLimit } from './nvm/simulator.js';
export {
  sampleUsers as sampleNvmUsers,
  sampleInteractions as sampleNvmInteractions,
  DEFAULT_NVM_CLIENT,
  NVM_USERS_ONLY_CLIENT,
  NVM_KNOWN_SCOPES,
  type NvmSimClient,
  type NvmSimUser,
  type NvmSimInteraction,
  type NvmSimContent,
  type AgentState,
} from './nvm/data.js';

export { createPbxSimulator, type PbxSimulator, type PbxSimulatorOptions, type PbxEnv } from './pbx/simulator.js';
export {
  DEFAULT_PBX_PUBLIC_APP,
  SAMPLE_PBX_USERS,
  SAMPLE_PBX_EXTENSIONS,
  SAMPLE_PBX_CALLS,
  type PbxSimUser,
  type PbxSimPublicApp,
  type PbxSimTrustedApp,
  type PbxSimExtension,
  type PbxSimCall,
  type PbxSimCdr,
  type PbxSimRecord,
} from './pbx/data.js';
export { consent, ConsentPageError, CONSENT_PATH, CONSENT_FIELDS, CONSENT_SELECTORS, type ConsentOptions, type ConsentDecision } from './pbx/consent-page.js';
