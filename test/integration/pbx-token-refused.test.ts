/**
 * The PBX asks its clients to "request a new token on any authorisation error, even if expires_in has not passed"
 * (docs/providers/pbx.md): a 403 to an account's API call, like a 401, costs one new trusted-app token and one
 * re-send, and the query answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { createPbxSimulator } from '../../src/simulators/index.js';
import type { TestServer } from '../support/harness.js';
import { connectPbxUser, startWithPbx } from '../support/pbx.js';

const AGENTS = '{ agents(provider: PBX) { id } }';

describe('PBX authorisation errors', () => {
  const sim = useSimulator(createPbxSimulator());
  let t: TestServer;

  beforeAll(async () => {
    t = await startWithPbx(sim);
    await connectPbxUser(t, 'client1');
    expect((await t.gql(AGENTS)).errors).toBeUndefined();
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each([401, 403])('a %i to an API call gets a new token and the call is sent once more', async (status) => {
    sim.server.resetCounts();
    sim.server.inject({ kind: 'status', status, route: 'extensions' });
    const r = await t.gql<{ agents: { id: string }[] | null }>(AGENTS);
    expect(r.errors).toBeUndefined();
    expect(r.data!.agents!.length).toBeGreaterThan(0);
    expect(sim.server.count('token')).toBe(1);
    expect(sim.server.count('extensions')).toBe(2);
  });
});
