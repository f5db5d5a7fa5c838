/** CallJourney's part of the configuration (docs/providers/calljourney.md, "Configuration"). */
import type { ConfigReader } from '../../domain/config-reader.js';

export interface CallJourneyConfig {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  region: 'us' | 'ca';
  baseUrl: string;
  tokenUrl: string;
  /** Azure AD scope: `api://{clientId}/.default`. */
  scope: string;
  /** Existence checks in flight per request batch (CXGRAPH_RECORDING_CONCURRENCY). */
  recordingConcurrency: number;
  /** The shared recording cache (recording-cache.ts). */
  recordingCache: RecordingCacheConfig;
}

export interface RecordingCacheConfig {
  /** CXGRAPH_RECORDING_CACHE_TTL_SECONDS: how long a recording found is kept in the shared store; 0 = no cache. */
  ttlSeconds: number;
  /** CXGRAPH_RECORDING_MISS_CACHE_TTL_SECONDS: how long "not there" is kept; 0 = asked again every time. */
  missTtlSeconds: number;
}

const CALLJOURNEY_BASE: Record<'us' | 'ca', string> = {
  us: 'https://platform.calljourney.com',
  ca: 'https://platform-ca.calljourney.com',
};

export function loadCallJourneyConfig(r: ConfigReader): CallJourneyConfig | undefined {
  const cj = r.group('CallJourney', ['CALLJOURNEY_TENANT_ID', 'CALLJOURNEY_CLIENT_ID', 'CALLJOURNEY_CLIENT_SECRET']);
  const region = r.oneOf('CALLJOURNEY_REGION', ['us', 'ca'] as const, 'us');
  const recordingConcurrency = r.int('CXGRAPH_RECORDING_CONCURRENCY', 16, 1, 1024);
  const recordingCache = {
    ttlSeconds: r.int('CXGRAPH_RECORDING_CACHE_TTL_SECONDS', 60, 0, 86_400),
    // A file may be uploaded at any moment after its call: by default "not there" is never kept.
    missTtlSeconds: r.int('CXGRAPH_RECORDING_MISS_CACHE_TTL_SECONDS', 0, 0, 86_400),
  };
  if (!cj) return undefined;
  const tenantId = cj.CALLJOURNEY_TENANT_ID!;
  const clientId = cj.CALLJOURNEY_CLIENT_ID!;
  return {
    tenantId,
    clientId,
    clientSecret: cj.CALLJOURNEY_CLIENT_SECRET!,
    region,
    baseUrl: r.optionalUrl('CALLJOURNEY_BASE_URL', CALLJOURNEY_BASE[region]),
    tokenUrl: r.optionalUrl('CALLJOURNEY_TOKEN_URL', `https://login.microsoftonline.com/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`),
    scope: `api://${clientId}/.default`,
    recordingConcurrency,
    recordingCache,
  };
}
