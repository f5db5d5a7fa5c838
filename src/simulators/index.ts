// The simulators' public surface: tests, benchmarks and the embedded default import from here.
export {
  SimServer,
  SimJsonError,
  SimConfigError,
  UNMATCHED_ROUTE,
  type SimRequest,
  type SimResponse,
  type SimHandler,
  type FaultSpec,
  type FaultKind,
  type SimConfigHook,
} from './common/sim-server.js';
export { TokenIssuer } from './common/token-issuer.js';
export { bearerToken, checkBearer, unauthorizedResponse, type BearerCheck } from './common/bearer.js';
export {
  createCallJourneySimulator,
  SAMPLE_RECORDINGS,
  DEFAULT_CALLJOURNEY_TENANT_ID,
  DEFAULT_CALLJOURNEY_CLIENT,
  CALLJOURNEY_ROLE,
  type CallJourneySimulator,
  type CallJourneySimulatorOptions,
  type CallJourneyClient,
  type SimRecording,
} from './calljourney/simulator.js';
