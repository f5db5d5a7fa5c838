/**
 * CallJourney: "does this recording exist?" (the Recording type). Azure AD client credentials; one key per call
 * and no batch endpoint, so the per-request loader deduplicates and bounds the checks (docs/providers/calljourney.md),
 * after reading the shared recording cache.
 */
import { defineProvider } from '../provider-module.js';
import { CallJourneyClient } from './client.js';
import { loadCallJourneyConfig } from './config.js';
import { RecordingCache } from './recording-cache.js';
import { createRecordingLoader } from './recording-loader.js';
import { recordingMaxAge } from './cache-hint.js';
import { validateRecordingKey, validateRecordingKeys } from './validation.js';

export const callJourney = defineProvider({
  name: 'CALLJOURNEY',
  title: 'CallJourney',
  capabilities: ['recordings'],
  configuredBy: 'CALLJOURNEY_TENANT_ID, CALLJOURNEY_CLIENT_ID and CALLJOURNEY_CLIENT_SECRET',
  variables: [
    'CALLJOURNEY_TENANT_ID',
    'CALLJOURNEY_CLIENT_ID',
    'CALLJOURNEY_CLIENT_SECRET',
    'CALLJOURNEY_REGION',
    'CALLJOURNEY_BASE_URL',
    'CALLJOURNEY_TOKEN_URL',
    'CXGRAPH_RECORDING_CONCURRENCY',
    'CXGRAPH_RECORDING_CACHE_TTL_SECONDS',
    'CXGRAPH_RECORDING_MISS_CACHE_TTL_SECONDS',
  ],
  loadConfig: loadCallJourneyConfig,
  describe: (c) => ({
    region: c.region,
    baseUrl: c.baseUrl,
    recordingCache: c.recordingCache.ttlSeconds ? { ttlSeconds: c.recordingCache.ttlSeconds, missTtlSeconds: c.recordingCache.missTtlSeconds } : 'off',
  }),
  create(config, ports) {
    const client = new CallJourneyClient(config, ports.http);
    // In the shared store: found on one replica, answered by all (docs/supergraph.md, "Caching").
    const cache = new RecordingCache(
      ports.store,
      config.recordingCache,
      { tenantId: config.tenantId, clientId: config.clientId, baseUrl: config.baseUrl },
      ports.metrics,
    );
    return {
      capabilities: {
        recordings: {
          loader: () => createRecordingLoader(client, config.recordingConcurrency, ports.metrics, cache),
          checkKey: validateRecordingKey,
          checkKeys: validateRecordingKeys,
          maxAge: (r) => recordingMaxAge(r, config.recordingCache.ttlSeconds),
        },
      },
    };
  },
});
