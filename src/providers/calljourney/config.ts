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
}

const CALLJOURNEY_BASE: Record<'us' | 'ca', string> = {
  us: 'https://platform.calljourney.com',
  ca: 'https://platform-ca.calljourney.com',
};

export function loadCallJourneyConfig(r: ConfigReader): CallJourneyConfig | undefined {
  const cj = r.group('CallJourney', ['CALLJOURNEY_TENANT_ID', 'CALLJOURNEY_CLIENT_ID', 'CALLJOURNEY_CLIENT_SECRET']);
  const region = r.oneOf('CALLJOURNEY_REGION', ['us', 'ca'] as const, 'us');
  const recordingConcurrency = r.int('CXGRAPH_RECORDING_CONCURRENCY', 16, 1, 1024);
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
  };
}
