/**
 * Per-request context: the shared services plus fresh DataLoaders, so batching and deduplication never
 * leak between requests (or users).
 */
import { PROVIDER_VARIABLES } from './config.js';
import { notConfigured } from './errors.js';
import { createRecordingLoader, type RecordingLoader } from './graphql/loaders/recording-exists-loader.js';
import type { Logger } from './observability/logger.js';
import type { Services } from './services.js';

export interface Loaders {
  /** Throws PROVIDER_NOT_CONFIGURED when CallJourney is not configured. */
  readonly recording: RecordingLoader;
}

export interface Context {
  services: Services;
  loaders: Loaders;
  requestId: string;
  logger: Logger;
}

export function createContext(services: Services, requestId: string): Context {
  let recording: RecordingLoader | undefined;
  const loaders: Loaders = {
    get recording() {
      if (!services.calljourney) throw notConfigured('CALLJOURNEY', PROVIDER_VARIABLES.CALLJOURNEY);
      recording ??= createRecordingLoader(services.calljourney, services.config.limits.recordingConcurrency, services.metrics);
      return recording;
    },
  };
  return { services, loaders, requestId, logger: services.logger.child({ requestId }) };
}
