/**
 * Partial results from a platform team's seat: one platform down (NewVoiceMedia answering 503 to everything, set
 * through the simulator's `/__sim` control API) must null only the field that needs it, with its own error —
 * directly, and through a gateway where other subgraphs' root fields share the operation.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useSimulators } from '../support/simulators.js';
import { createCallJourneySimulator, createCloudCxSimulator, createNvmSimulator, SAMPLE_RECORDINGS } from '../../src/simulators/index.js';
import { graphql, startServer, type TestServer } from '../support/harness.js';
import { startTestGateway, type TestGateway } from './test-gateway.js';
import { startCrmSubgraph, type CrmSubgraph } from './crm-subgraph.js';

const KEY = (({ company, organisation, folder, filename }) => ({ company, organisation, folder, filename }))(SAMPLE_RECORDINGS[0]!);

async function nvmDown(url: string): Promise<void> {
  const res = await fetch(`${url}/__sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'status', status: 503, times: 1000 }),
  });
  expect(res.status).toBe(200);
}

describe('one platform down', () => {
  const [cj, cloudcx, nvm] = useSimulators([createCallJourneySimulator(), createCloudCxSimulator(), createNvmSimulator()]);
  let cx: TestServer;
  let crm: CrmSubgraph;
  let gateway: TestGateway;

  beforeAll(async () => {
    // @apollo/gateway refuses @requiresScopes (a SECURITY feature): the SDL it composes leaves them out (docs/supergraph.md, Scopes).
    cx = await startServer({ CXGRAPH_SCOPE_DIRECTIVES: 'off', ...cj.env(), ...cloudcx.env(), ...nvm.env() });
    crm = await startCrmSubgraph([{ id: 'c1', name: 'Ada', recordings: [KEY], owner: null }]);
    gateway = await startTestGateway([
      { name: 'cxgraph', url: `${cx.url}/` },
      { name: 'crm', url: crm.url },
    ]);
  });
  afterAll(async () => {
    await gateway?.stop();
    await crm?.stop();
    await cx?.close();
  });
  afterEach(async () => {
    await fetch(`${nvm.url}/__sim/reset`, { method: 'POST' });
  });

  it('a direct query over providers, agentAvailability, CloudCX users and recording: three answer, agentAvailability is null with its error', async () => {
    await nvmDown(nvm.url);
    const r = await cx.gql<{
      providers: { provider: string }[];
      agentAvailability: unknown;
      users: { totalCount: number } | null;
      recording: { exists: boolean } | null;
    }>(
      `query ($key: RecordingKey!) {
        providers { provider status }
        agentAvailability(skillNames: ["French", "English"]) { ready away }
        users(provider: CLOUDCX, pageSize: 2) { totalCount nodes { login } }
        recording(key: $key) { filename exists callId }
      }`,
      { key: KEY },
    );
    expect(r.status).toBe(200);
    expect(r.data!.providers.map((p) => p.provider)).toEqual(['CALLJOURNEY', 'SANGOMA', 'CLOUDCX', 'NEWVOICEMEDIA', 'PBX']);
    expect(r.data!.agentAvailability).toBeNull();
    expect(r.data!.users).toEqual({ totalCount: cloudcx.users.length, nodes: expect.any(Array) });
    expect(r.data!.recording).toEqual({ filename: KEY.filename, exists: true, callId: SAMPLE_RECORDINGS[0]!.callId });
    expect(r.errors).toHaveLength(1);
    expect(r.errors![0]).toMatchObject({ path: ['agentAvailability'], extensions: { code: 'PROVIDER_UNAVAILABLE', provider: 'NEWVOICEMEDIA' } });
  });

  it("through a gateway, the other subgraph's root field in the same operation still answers", async () => {
    await nvmDown(nvm.url);
    const r = await graphql<{
      contacts: { nodes: { name: string; recordings: ({ exists: boolean } | null)[] }[] };
      agentAvailability: unknown;
      users: unknown;
    }>(
      gateway.url,
      '{ contacts(first: 5) { nodes { name recordings { exists } } } agentAvailability(skillNames: ["French"]) { ready } users(provider: NEWVOICEMEDIA) { totalCount } }',
    );
    expect(r.status).toBe(200);
    expect(r.data).toEqual({ contacts: { nodes: [{ name: 'Ada', recordings: [{ exists: true }] }] }, agentAvailability: null, users: null });
    expect(r.errors!.map((e) => e.path).sort()).toEqual([['agentAvailability'], ['users']]);
    for (const e of r.errors!) expect(e.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
  });
});
