/**
 * The PBX row of `providers` says whether any PBX account is connected, and how many: with the app configured but
 * nobody connected it used to say CONNECTED, which a dashboard read as "the PBX works" while every PBX field
 * answered nothing. `connectedAccounts` counts the usable accounts; the status is NOT_CONNECTED while there is none.
 * Other providers have one connection each: their `connectedAccounts` is null.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { createPbxSimulator } from '../../src/simulators/index.js';
import type { TestServer } from '../support/harness.js';
import { connectPbxUser, startWithPbx } from '../support/pbx.js';

interface Row {
  provider: string;
  status: string;
  connectedAccounts: number | null;
  lastError: string | null;
}
const PROVIDERS = '{ providers { provider status connectedAccounts lastError } }';

describe('the PBX row of providers', () => {
  const sim = useSimulator(createPbxSimulator());
  let t: TestServer | undefined;

  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const rows = async (): Promise<Row[]> => {
    const r = await t!.gql<{ providers: Row[] }>(PROVIDERS);
    expect(r.errors).toBeUndefined();
    return r.data!.providers;
  };
  const pbxRow = async () => (await rows()).find((p) => p.provider === 'PBX')!;

  it('is NOT_CONNECTED with 0 accounts until someone connects, then CONNECTED with the count', async () => {
    t = await startWithPbx(sim);
    expect(await pbxRow()).toEqual({ provider: 'PBX', status: 'NOT_CONNECTED', connectedAccounts: 0, lastError: null });

    await connectPbxUser(t, 'client1');
    expect(await pbxRow()).toEqual({ provider: 'PBX', status: 'CONNECTED', connectedAccounts: 1, lastError: null });
    await connectPbxUser(t, 'client2');
    expect(await pbxRow()).toMatchObject({ status: 'CONNECTED', connectedAccounts: 2 });
  });

  it('counts only the accounts that work: one needing consent again is not connected', async () => {
    t = await startWithPbx(sim);
    await connectPbxUser(t, 'client1');
    await connectPbxUser(t, 'client2');
    const latest = sim
      .trustedApps()
      .filter((a) => a.userId === 20)
      .at(-1)!;
    expect(sim.revokeTrustedApp(latest.clientId)).toBe(1);
    await t.gql('{ agents(provider: PBX) { id } }'); // the refusal is found by using the account
    expect(await pbxRow()).toMatchObject({ status: 'NEEDS_REAUTHORIZATION', connectedAccounts: 1 });
  });

  it('is null for the providers with one connection each', async () => {
    t = await startWithPbx(sim);
    for (const r of (await rows()).filter((p) => p.provider !== 'PBX'))
      expect(r, r.provider).toMatchObject({ status: 'NOT_CONFIGURED', connectedAccounts: null });
  });
});
