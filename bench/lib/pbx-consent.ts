/**
 * Connects one Telphin PBX account to a running cxgraph the way a user does, over plain HTTP: beginPbxConnection →
 * the PBX consent page → Allow → cxgraph's callback. Scenario 4 needs a connected account for `agents(provider: PBX)`.
 */
export async function connectPbxAccount(cxgraphUrl: string, login = 'client1'): Promise<void> {
  const begin = await fetch(`${cxgraphUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'mutation { beginPbxConnection { authorizationUrl state } }' }),
  });
  const started = (await begin.json()) as { data?: { beginPbxConnection?: { authorizationUrl: string } }; errors?: unknown };
  const authorizationUrl = started.data?.beginPbxConnection?.authorizationUrl;
  if (!authorizationUrl) throw new Error(`beginPbxConnection failed: ${JSON.stringify(started.errors)}`);

  const html = await (await fetch(authorizationUrl)).text();
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)) form.set(m[1]!, m[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"'));
  form.set('login', login);
  form.set('decision', 'allow');
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error('the PBX consent page has no form');
  const decided = await fetch(new URL(action, authorizationUrl), { method: 'POST', body: form, redirect: 'manual' });
  const callback = decided.headers.get('location');
  if (decided.status !== 302 || !callback) throw new Error(`the PBX consent page answered ${decided.status}, not a redirect`);
  // The callback names the cxgraph origin given to the simulators; the main instance listens there.
  const done = await fetch(callback, { redirect: 'manual' });
  if (done.status >= 400) throw new Error(`cxgraph's PBX callback answered ${done.status}: ${await done.text()}`);
}
