/**
 * Federated tracing: the router asks for an ftv1 trace with `apollo-federation-include-trace: ftv1` on the
 * operations it samples; cxgraph answers those with `extensions.ftv1` and all others without.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { createCallJourneySimulator, SAMPLE_RECORDINGS } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';

const ONE = `query ($key: RecordingKey!) { recording(key: $key) { exists callId } }`;
const known = SAMPLE_RECORDINGS[0]!;
const key = { company: known.company, organisation: known.organisation, folder: known.folder, filename: known.filename };

describe('federated tracing (ftv1)', () => {
  const sim = useSimulator(createCallJourneySimulator());
  let t: TestServer;

  beforeAll(async () => {
    t = await startServer({
      CALLJOURNEY_TENANT_ID: sim.tenantId,
      CALLJOURNEY_CLIENT_ID: sim.clients[0]!.clientId,
      CALLJOURNEY_CLIENT_SECRET: sim.clients[0]!.clientSecret,
      CALLJOURNEY_BASE_URL: sim.baseUrl,
      CALLJOURNEY_TOKEN_URL: sim.tokenUrl,
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers with an ftv1 trace of the resolved fields when the router asks for one', async () => {
    const r = await t.gql(ONE, { key }, { 'apollo-federation-include-trace': 'ftv1' });
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ recording: { exists: true, callId: known.callId } });
    const ftv1 = (JSON.parse(r.raw) as { extensions?: { ftv1?: string } }).extensions?.ftv1;
    // A base64 protobuf Trace (decoded by the router); its field tree names the resolved root field.
    expect(ftv1).toMatch(/^[A-Za-z0-9+/]{20,}={0,2}$/);
    expect(Buffer.from(ftv1!, 'base64').toString('latin1')).toContain('recording');
  });

  it('answers without a trace otherwise, including for another trace format', async () => {
    for (const headers of [{}, { 'apollo-federation-include-trace': 'ftv2' }] as Record<string, string>[]) {
      const r = await t.gql(ONE, { key }, headers);
      expect(r.errors).toBeUndefined();
      expect(JSON.parse(r.raw)).not.toHaveProperty('extensions');
    }
  });
});
