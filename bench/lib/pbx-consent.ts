/**
 * Connects one Telphin PBX account to a running cxgraph the way a user does, over plain HTTP: beginPbxConnection →
 * the PBX consent page (driven by the simulator's own `consent()`) → Allow → cxgraph's callback. Scenario 4 needs a
 * connected account for `agents(provider: PBX)`.
 */
import { consent } from '../../src/simulators/index.js';

export async function connectPbxAccount(cxgraphUrl: string, login = 'client1'): Promise<void> {
  const begin = await fetch(`${cxgraphUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'mutation { beginPbxConnection { authorizationUrl state } }' }),
  });
  const started = (await begin.json()) as { data?: { beginPbxConnection?: { authorizationUrl: string } }; errors?: unknown };
  const authorizationUrl = started.data?.beginPbxConnection?.authorizationUrl;
  if (!authorizationUrl) throw new Error(`beginPbxConnection failed: ${JSON.stringify(started.errors)}`);

  // The callback names the cxgraph origin given to the simulators; the main instance listens there.
  const callback = await consent(authorizationUrl, { login, decision: 'allow' });
  const done = await fetch(callback, { redirect: 'manual' });
  if (done.status >= 400) throw new Error(`cxgraph's PBX callback answered ${done.status}: ${await done.text()}`);
}
