/**
 * The supergraph end to end: cxgraph (against the CallJourney and NewVoiceMedia simulators) and the small CRM
 * subgraph, composed by @apollo/composition from what each running subgraph serves (`_service { sdl }`, as
 * Rover does) and served by @apollo/gateway, all over real HTTP. Queries cross both subgraphs in both
 * directions; the assertions are on the answers, on the fetches the gateway sent to each subgraph, and on the
 * upstream calls cxgraph made for each batch of entity references.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useSimulators } from '../support/simulators.js';
import { createCallJourneySimulator, createNvmSimulator, DEFAULT_NVM_CLIENT, SAMPLE_RECORDINGS } from '../../src/simulators/index.js';
import { graphql, startServer, type GraphQLResult, type TestServer } from '../support/harness.js';
import { startTestGateway, type TestGateway } from './test-gateway.js';
import { startCrmSubgraph, type CrmContact, type CrmSubgraph, type RecordingRef } from './crm-subgraph.js';

const key = (r: RecordingRef): RecordingRef => ({ company: r.company, organisation: r.organisation, folder: r.folder, filename: r.filename });
const known = SAMPLE_RECORDINGS.map(key);
const missing = (n: number): RecordingRef => ({ ...known[0]!, filename: `missing-${n}.wav` });
const distinct = <T>(xs: T[]): T[] => [...new Map(xs.map((x) => [JSON.stringify(x), x])).values()];

const CONTACTS = `query Contacts {
  contacts(first: 10) {
    nodes { id name recordings { filename exists callId } owner { provider id login name } }
    pageInfo { hasNextPage hasPreviousPage }
  }
}`;

describe('a gateway over cxgraph and a CRM subgraph', () => {
  const [cj, nvm] = useSimulators([createCallJourneySimulator(), createNvmSimulator()], { resetAfterEach: true });
  let cx: TestServer;
  let crm: CrmSubgraph;
  let gateway: TestGateway;
  let contacts: CrmContact[];
  const query = <T>(q: string, variables?: Record<string, unknown>): Promise<GraphQLResult<T>> => graphql<T>(gateway.url, q, variables);

  beforeAll(async () => {
    cx = await startServer({
      // @apollo/gateway refuses @requiresScopes (a SECURITY feature): the SDL it composes leaves them out (docs/supergraph.md, Scopes).
      CXGRAPH_SCOPE_DIRECTIVES: 'off',
      CALLJOURNEY_TENANT_ID: cj.tenantId,
      CALLJOURNEY_CLIENT_ID: cj.clients[0]!.clientId,
      CALLJOURNEY_CLIENT_SECRET: cj.clients[0]!.clientSecret,
      CALLJOURNEY_BASE_URL: cj.baseUrl,
      CALLJOURNEY_TOKEN_URL: cj.tokenUrl,
      NVM_CLIENT_ID: DEFAULT_NVM_CLIENT.clientId,
      NVM_CLIENT_SECRET: DEFAULT_NVM_CLIENT.clientSecret,
      NVM_AUTH_BASE_URL: nvm.authBaseUrl,
      NVM_API_BASE_URL: nvm.apiBaseUrl,
    });
    const [u0, u1, u2] = nvm.users.map((u) => ({ provider: 'NEWVOICEMEDIA' as const, id: u.userId }));
    contacts = [
      { id: 'c1', name: 'Ada', recordings: [known[0]!, known[1]!, missing(1)], owner: u0! },
      { id: 'c2', name: 'Bo', recordings: [known[0]!, known[2]!], owner: u1! },
      { id: 'c3', name: 'Cy', recordings: [known[3]!, known[1]!, missing(1)], owner: u0! },
      { id: 'c4', name: 'Di', recordings: [known[4]!, known[0]!, missing(2)], owner: u2! },
      { id: 'c5', name: 'Ed', recordings: [], owner: null },
      { id: 'c6', name: 'Flo', recordings: [known[2]!, known[3]!, known[4]!], owner: { provider: 'NEWVOICEMEDIA', id: 'no-such-user' } },
    ];
    crm = await startCrmSubgraph(contacts);
    gateway = await startTestGateway([
      { name: 'cxgraph', url: `${cx.url}/` },
      { name: 'crm', url: crm.url },
    ]);
    expect(gateway.hints).toEqual([]);
  });

  afterAll(async () => {
    await gateway?.stop();
    await crm?.stop();
    await cx?.close();
  });
  afterEach(() => {
    gateway.fetches.length = 0;
    crm.requests.length = 0;
  });

  it('contacts → their recordings and owners: one entity fetch per type, one upstream call per distinct key', async () => {
    const r = await query<{ contacts: { nodes: unknown[]; pageInfo: unknown } }>(CONTACTS);
    expect(r.errors).toBeUndefined();
    const userOf = (id: string) => nvm.users.find((u) => u.userId === id);
    expect(r.data!.contacts.nodes).toEqual(
      contacts.map((c) => ({
        id: c.id,
        name: c.name,
        recordings: c.recordings.map((k) => {
          const held = SAMPLE_RECORDINGS.find((s) => s.filename === k.filename);
          return { filename: k.filename, exists: Boolean(held), callId: held?.callId ?? null };
        }),
        // An id cxgraph does not know resolves to null in _entities; the gateway keeps the CRM's key fields.
        owner: c.owner && { provider: 'NEWVOICEMEDIA', id: c.owner.id, login: userOf(c.owner.id)?.username ?? null, name: userOf(c.owner.id)?.name ?? null },
      })),
    );
    expect(r.data!.contacts.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false });

    // The gateway: one fetch to the CRM, then one _entities fetch to cxgraph per entity type.
    expect(gateway.fetches.filter((f) => f.subgraph === 'crm').map((f) => f.field)).toEqual(['contacts']);
    const toCx = gateway.fetches.filter((f) => f.subgraph === 'cxgraph');
    expect(toCx.map((f) => f.field)).toEqual(['_entities', '_entities']);
    const recordingRefs = contacts.flatMap((c) => c.recordings);
    const ownerRefs = contacts.flatMap((c) => (c.owner ? [c.owner] : []));
    // @apollo/gateway does not deduplicate: every reference travels, duplicates included (14 and 5) ...
    expect(toCx.map((f) => f.typenames.length).sort((a, b) => a - b)).toEqual([ownerRefs.length, recordingRefs.length].sort((a, b) => a - b));
    expect(distinct(recordingRefs).length).toBeLessThan(recordingRefs.length);
    expect(distinct(ownerRefs).length).toBeLessThan(ownerRefs.length);
    // ... and cxgraph's loaders do: one CallJourney check per distinct recording (7) over one token, one user
    // lookup per distinct owner (4).
    expect(cj.server.count('conversationexists')).toBe(distinct(recordingRefs).length);
    expect(cj.server.count('token')).toBeLessThanOrEqual(1);
    expect(nvm.server.count('user')).toBe(distinct(ownerRefs).length);
    expect(nvm.server.count('users')).toBe(0);
  });

  it('recordings → the CRM contacts filed against them → their owners, back in cxgraph', async () => {
    const keys = [known[0]!, known[3]!, missing(9)];
    const r = await query<{ recordings: { filename: string; exists: boolean; contacts: { name: string; owner: { login: string } | null }[] }[] }>(
      `query ($keys: [RecordingKey!]!) { recordings(keys: $keys) { filename exists contacts { name owner { login } } } }`,
      { keys },
    );
    expect(r.errors).toBeUndefined();
    const owner = (c: CrmContact) => (c.owner ? { login: nvm.users.find((u) => u.userId === c.owner!.id)?.username ?? null } : null);
    expect(r.data!.recordings).toEqual(
      keys.map((k) => ({
        filename: k.filename,
        exists: k.filename !== 'missing-9.wav',
        contacts: contacts.filter((c) => c.recordings.some((x) => x.filename === k.filename)).map((c) => ({ name: c.name, owner: owner(c) })),
      })),
    );
    expect(gateway.fetches.map((f) => `${f.subgraph}:${f.field}`)).toEqual(['cxgraph:recordings', 'crm:_entities', 'cxgraph:_entities']);
    expect(crm.requests).toHaveLength(1);
    expect(cj.server.count('conversationexists')).toBe(keys.length);
  });

  it('a recording whose check fails is null with its error at its path; the rest of the supergraph answers', async () => {
    cj.server.inject({ kind: 'status', route: 'conversationexists', status: 404, body: { message: 'Not Found' } });
    const r = await query<{ contacts: { nodes: { name: string; recordings: ({ filename: string } | null)[] }[] } }>(
      '{ contacts(first: 2) { nodes { name recordings { filename exists } } } }',
    );
    expect(r.data!.contacts.nodes.map((n) => n.name)).toEqual(['Ada', 'Bo']);
    expect(r.data!.contacts.nodes.map((n) => n.name)).toEqual(['Ada', 'Bo']);
    // The fault hits one distinct key; every reference to that key (deduplicated into one check) is null with
    // its own error at its own path, and every other recording answers.
    const items = r.data!.contacts.nodes.flatMap((n, i) =>
      n.recordings.map((x, j) => ({ x, ref: contacts[i]!.recordings[j]!, path: ['contacts', 'nodes', i, 'recordings', j] })),
    );
    const failed = items.filter((i) => i.x === null);
    expect(failed.length).toBeGreaterThan(0);
    expect(new Set(failed.map((f) => f.ref.filename)).size).toBe(1);
    expect(items.filter((i) => i.ref.filename === failed[0]!.ref.filename)).toEqual(failed);
    expect(r.errors!.map((e) => e.path)).toEqual(failed.map((f) => f.path));
    for (const e of r.errors!) expect(e.extensions).toMatchObject({ code: 'PROVIDER_ERROR', provider: 'CALLJOURNEY', upstreamStatus: 404 });
    expect(cj.server.count('conversationexists')).toBe(distinct(items.map((i) => i.ref)).length);
  });
});
