/**
 * The PBX callback page shows the PBX's `error_description` to the person connecting: upstream text, so it is
 * capped and cleared of the public app's secret and of credential-shaped pairs, as every other upstream text is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { createPbxSimulator } from '../../src/simulators/index.js';
import type { TestServer } from '../support/harness.js';
import { startWithPbx } from '../support/pbx.js';

describe('PBX callback error text', () => {
  const sim = useSimulator(createPbxSimulator());
  let t: TestServer;

  beforeAll(async () => {
    t = await startWithPbx(sim);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('an error_description echoing the client secret or a token shows neither on the page', async () => {
    const secret = sim.env().PBX_CLIENT_SECRET;
    const begun = await t.gql<{ beginPbxConnection: { state: string } }>('mutation { beginPbxConnection { state } }');
    const state = begun.data!.beginPbxConnection.state;
    const description = `bad request client_id=x&client_secret=${secret} access_token=opaque-abc123def456 ${'x'.repeat(400)}`;
    const url = `${t.url}/oauth/pbx/callback?${new URLSearchParams({ state, error: 'server_error', error_description: description })}`;
    const res = await fetch(url);
    const page = await res.text();
    expect(res.status).toBe(400);
    expect(page).toContain('server_error');
    expect(page).not.toContain(secret);
    expect(page).not.toContain('opaque-abc123def456');
    expect(page).not.toContain('x'.repeat(300));
  });
});
