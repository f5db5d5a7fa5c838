/**
 * Issue 17 item 9b: the shared recording cache's keys carry the CallJourney account (tenant id, client id, base URL),
 * so two configurations on one Redis and prefix never share an answer; and no key shows any of it in clear.
 */
import { describe, expect, it } from 'vitest';
import { storeKey } from '../../src/providers/calljourney/recording-cache.js';

const FILE = { company: 'acme', organisation: 'sales', folder: '2024-05', filename: 'call-1.wav' };
const ACCOUNT = {
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  clientId: 'c1d2e3f4-0000-4000-8000-000000000001',
  baseUrl: 'https://platform.calljourney.com',
};

describe('recording cache key', () => {
  it('differs when only the tenant, only the client or only the base URL differs', () => {
    const base = storeKey(ACCOUNT, FILE);
    expect(storeKey({ ...ACCOUNT, tenantId: '0b5e1f2a-9c3d-4e6f-8a7b-1c2d3e4f5a6b' }, FILE)).not.toBe(base);
    expect(storeKey({ ...ACCOUNT, clientId: 'c1d2e3f4-0000-4000-8000-000000000002' }, FILE)).not.toBe(base);
    expect(storeKey({ ...ACCOUNT, baseUrl: 'https://platform-ca.calljourney.com' }, FILE)).not.toBe(base);
  });

  it('is the same for the same account however the tenant is cased or the URL ends, and shows none of it', () => {
    const base = storeKey(ACCOUNT, FILE);
    expect(storeKey({ ...ACCOUNT, tenantId: ACCOUNT.tenantId.toUpperCase(), baseUrl: `${ACCOUNT.baseUrl}/` }, FILE)).toBe(base);
    for (const part of [ACCOUNT.tenantId, ACCOUNT.clientId, 'calljourney.com', FILE.filename]) expect(base).not.toContain(part);
    expect(base).toMatch(/^recording:[\w-]{22}$/);
  });
});
