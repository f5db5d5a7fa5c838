/** The CallJourney simulator's default tenant, client and sample recordings. */
import { createHash } from 'node:crypto';
import { stableUuid } from '../common/stable-uuid.js';

export interface SimRecording {
  company: string;
  organisation: string;
  folder: string;
  filename: string;
  callId: string;
}

export interface CallJourneyClient {
  clientId: string;
  clientSecret: string;
}

export const DEFAULT_CALLJOURNEY_TENANT_ID = '00000000-0000-4000-8000-000000000001';
export const DEFAULT_CALLJOURNEY_CLIENT: Readonly<CallJourneyClient> = Object.freeze({
  clientId: 'cj-client',
  clientSecret: 'cj-secret-local',
});
/** The app role the API requires; Azure AD puts application permissions in `roles`. */
export const CALLJOURNEY_ROLE = 'Recording.Read';

export const SAMPLE_RECORDINGS: readonly SimRecording[] = Object.freeze(
  [
    { company: 'acme', organisation: 'support', folder: '2024/05/01', filename: 'call-0001.wav', callId: 'xFcLypwBMZ_pyZ-a8f3p' },
    { company: 'acme', organisation: 'support', folder: '2024/05/01', filename: 'call-0002.wav', callId: 'q3RkLypwBMZ_Tn8a0Wc1' },
    { company: 'acme', organisation: 'sales', folder: '2024/05/02', filename: 'call-0003.mp3', callId: 'Zr2mMJpwBMZ_hX7u9Lq4' },
    { company: 'globex', organisation: 'billing', folder: 'inbound', filename: 'B-2024-0042.wav', callId: 'N1cPLypwBMZ_o0Yd3Rt7' },
    { company: 'globex', organisation: 'billing', folder: 'outbound', filename: 'B-2024-0043.ogg', callId: 'a9DfMZpwBMZ_Ke2s5Vx8' },
  ].map((r) => Object.freeze(r)),
);

/**
 * Another demo tenant's CallJourney (CXGRAPH_SIMULATORS=multi-tenant): its own Azure AD tenant and client, and the same
 * files under other call ids, so an answer shows which tenant gave it.
 */
export function demoTenantData(tenant: string): { tenantId: string; clients: CallJourneyClient[]; recordings: SimRecording[] } {
  return {
    tenantId: stableUuid(`calljourney/tenant/${tenant}`),
    clients: [{ clientId: `${tenant}-cj-client`, clientSecret: `${tenant}-cj-secret-local` }],
    recordings: SAMPLE_RECORDINGS.map((r) => ({
      ...r,
      callId: createHash('sha256').update(`${tenant}/${r.callId}`).digest('base64url').slice(0, 20),
    })),
  };
}
