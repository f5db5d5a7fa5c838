/**
 * Sangoma documents `Authorization: Basic base64(client_id:client_secret)` (curl --user id:secret): the values as
 * they are. A secret holding characters form-encoding would change (`+ & % / = :`) and an id with a space must still
 * get a token and place a call against a simulator that reads the header that way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { createSangomaSimulator } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';

describe('Sangoma Basic client authentication', () => {
  const sim = useSimulator(createSangomaSimulator({ clients: [{ clientId: 'acme tenant', clientSecret: 'a+b&c%2F=d:e/f' }] }));
  let t: TestServer;

  beforeAll(async () => {
    t = await startServer({ ...sim.env(), CXGRAPH_SIMULATORS: 'off' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sends id and secret as they are, so a secret with + & % / = : gets its token and the call is placed', async () => {
    const r = await t.gql<{ startAgentCall: { accepted: boolean } | null }>(
      'mutation { startAgentCall(agentName: "alice", destination: "+15550100199", tenantDomain: "acme.cx.example.com") { accepted } }',
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.startAgentCall).toEqual({ accepted: true });
    expect(sim.server.count('token')).toBe(1);
  });
});
