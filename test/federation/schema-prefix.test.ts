/**
 * CXGRAPH_SCHEMA_PREFIX from a platform team's seat: cxgraph added to a supergraph that already has its own
 * `User @key(fields: "id")`, `Agent`, `Call`, shareable `PageInfo` and root fields `users`, `agents`, `calls`,
 * `providers` (test/federation/company-subgraph.ts). Everything goes over real HTTP: cxgraph against the
 * simulators, composition (@apollo/composition) from what each running subgraph serves in `_service { sdl }` (as
 * Rover does), and @apollo/gateway in front; upstream calls are counted at the simulators through their `/__sim`
 * control API.
 */
import { spawnSync } from 'node:child_process';
import { Kind, parse, type DocumentNode, type ObjectTypeDefinitionNode } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useSimulators } from '../support/simulators.js';
import { composeSubgraphs, fetchServiceSdl, ROOT } from '../../scripts/compose.js';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { servedTypeDefs, subgraphSchema } from '../../src/graphql/schema.js';
import { createCallJourneySimulator, createCloudCxSimulator, createNvmSimulator, SAMPLE_RECORDINGS } from '../../src/simulators/index.js';
import { graphql, startServer, type GraphQLResult, type TestServer } from '../support/harness.js';
import { startTestGateway, type TestGateway } from './test-gateway.js';
import { COMPANY_TYPE_DEFS, COMPANY_USERS, startCompanySubgraph, type CompanyCall, type CompanySubgraph } from './company-subgraph.js';

const company = { name: 'company', url: 'http://company:4002/', typeDefs: COMPANY_TYPE_DEFS };
const cxgraphAs = (prefix: string) => ({ name: 'cxgraph', url: 'http://cxgraph:4001/', typeDefs: servedTypeDefs(prefix) });

/** Sim control over HTTP, as a test harness in another process would use it. */
async function sim(url: string, action: 'stats' | 'reset' | 'faults', body?: unknown): Promise<{ counts: Record<string, number> }> {
  const res = await fetch(
    `${url}/__sim/${action}`,
    action === 'stats' ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) },
  );
  expect(res.status, `${url}/__sim/${action}`).toBe(200);
  return (await res.json()) as { counts: Record<string, number> };
}

const typeNames = (doc: DocumentNode) => doc.definitions.flatMap((d) => ('name' in d && d.name && d.kind !== Kind.DIRECTIVE_DEFINITION ? [d.name.value] : []));

describe('CXGRAPH_SCHEMA_PREFIX', () => {
  it('must be the start of a GraphQL type name: start-up fails naming the variable otherwise', () => {
    for (const bad of ['cx', 'C-x', '1Cx', 'Cx_', 'Ĉx']) {
      expect(() => loadConfig({ NODE_ENV: 'test', CXGRAPH_SCHEMA_PREFIX: bad }), bad).toThrow(ConfigError);
      expect(() => loadConfig({ NODE_ENV: 'test', CXGRAPH_SCHEMA_PREFIX: bad }), bad).toThrow(/CXGRAPH_SCHEMA_PREFIX/);
    }
    expect(loadConfig({ NODE_ENV: 'test', CXGRAPH_SCHEMA_PREFIX: 'Cx' }).schemaPrefix).toBe('Cx');
    expect(loadConfig({ NODE_ENV: 'test' }).schemaPrefix).toBe('');
  });

  it('renames every type cxgraph defines and every root field, and nothing of federation or GraphQL', () => {
    const plain = servedTypeDefs();
    const prefixed = servedTypeDefs('Cx');
    const own = typeNames(plain).filter((n) => n !== 'Query' && n !== 'Mutation');
    expect(own).toEqual(expect.arrayContaining(['User', 'Recording', 'RecordingKey', 'Provider', 'PageInfo', 'DateTime', 'CallDirection']));
    expect(new Set(typeNames(prefixed))).toEqual(new Set([...own.map((n) => `Cx${n}`), 'Query', 'Mutation']));
    const roots = (doc: DocumentNode, t: string) =>
      doc.definitions
        .filter((d): d is ObjectTypeDefinitionNode => (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.OBJECT_TYPE_EXTENSION) && d.name.value === t)
        .flatMap((d) => d.fields!.map((f) => f.name.value));
    expect(roots(prefixed, 'Query').sort()).toEqual(
      roots(plain, 'Query')
        .map((f) => `cx${f[0]!.toUpperCase()}${f.slice(1)}`)
        .sort(),
    );
    expect(roots(prefixed, 'Mutation').sort()).toEqual(['cxBeginPbxConnection', 'cxDisconnectPbxAccount', 'cxStartAgentCall', 'cxStartQueueCallback']);
    // Every reference follows (no dangling name): the prefixed SDL builds as a subgraph with the resolvers mapped.
    expect(subgraphSchema('Cx').getType('CxRecording')).toBeDefined();
  });

  it('composes next to a subgraph with its own User, Agent, Call, PageInfo, users, agents, calls and providers', () => {
    const r = composeSubgraphs([cxgraphAs('Cx'), company]);
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.hints.map((h) => h.message)).toEqual([]);
    const sg = parse(r.supergraphSdl);
    const entity = sg.definitions.find((d): d is ObjectTypeDefinitionNode => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === 'CxRecording')!;
    const keys = entity.directives!.filter((d) => d.name.value === 'join__type').map((d) => d.arguments!.find((a) => a.name.value === 'key')?.value);
    expect(keys.map((k) => (k?.kind === Kind.STRING ? k.value : undefined))).toEqual([
      'company organisation folder filename',
      'company organisation folder filename',
      'ref',
    ]);
  });

  it('without the prefix the same composition fails, on the names both define', () => {
    const r = composeSubgraphs([cxgraphAs(''), company]);
    expect(r.ok).toBe(false);
    const errors = r.ok ? '' : r.errors.join('\n');
    expect(errors).toContain('Non-shareable field "User.email" is resolved from multiple subgraphs');
    expect(errors).toContain('Type of field "Query.users" is incompatible across subgraphs');
    expect(errors).toContain('Type of field "Query.providers" is incompatible across subgraphs');
  });

  it('npm run supergraph -- --prefix Cx composes cxgraph with the prefixed names; a bad prefix is a usage error', () => {
    const run = spawnSync('npm', ['run', '--silent', 'supergraph', '--', '--prefix', 'Cx'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, APOLLO_TELEMETRY_DISABLED: 'true' },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/type CxRecording\s+@join__type\(graph: CXGRAPH, key: "company organisation folder filename"\)/);
    expect(run.stdout).toMatch(/\bcxUsers\(/);
    expect(run.stdout).not.toMatch(/^type User\b/m);
    const bad = spawnSync('npm', ['run', '--silent', 'supergraph', '--', '--prefix', 'cx'], { cwd: ROOT, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--prefix');
  });
});

describe('a gateway over cxgraph (CXGRAPH_SCHEMA_PREFIX=Cx) and the company subgraph', () => {
  const [cj, cloudcx, nvm] = useSimulators([createCallJourneySimulator(), createCloudCxSimulator(), createNvmSimulator()]);
  let cx: TestServer;
  let companySg: CompanySubgraph;
  let gateway: TestGateway;
  const known = SAMPLE_RECORDINGS.map((r) => ({ company: r.company, organisation: r.organisation, folder: r.folder, filename: r.filename }));
  // Six calls, each filed under a different recording (the last two not held by CallJourney), and one without.
  const calls: CompanyCall[] = [
    ...known.slice(0, 4).map((k, i) => ({ id: `c${i + 1}`, from: '+15550100001', to: '+15550100002', recording: k })),
    { id: 'c5', from: '+15550100003', to: '+15550100004', recording: { ...known[0]!, filename: 'gone-1.wav' } },
    { id: 'c6', from: '+15550100005', to: '+15550100006', recording: { ...known[0]!, filename: 'gone-2.wav' } },
    { id: 'c7', from: '+15550100007', to: '+15550100008', recording: null },
  ];
  const query = <T>(q: string, variables?: Record<string, unknown>): Promise<GraphQLResult<T>> => graphql<T>(gateway.url, q, variables);

  beforeAll(async () => {
    // @apollo/gateway refuses @requiresScopes (a SECURITY feature): the SDL it composes leaves them out (docs/supergraph.md, Scopes).
    cx = await startServer({ CXGRAPH_SCHEMA_PREFIX: 'Cx', CXGRAPH_SCOPE_DIRECTIVES: 'off', ...cj.env(), ...cloudcx.env(), ...nvm.env() });
    companySg = await startCompanySubgraph(calls);
    gateway = await startTestGateway([
      { name: 'cxgraph', url: `${cx.url}/` },
      { name: 'company', url: companySg.url },
    ]);
    expect(gateway.hints).toEqual([]);
  });
  afterAll(async () => {
    await gateway?.stop();
    await companySg?.stop();
    await cx?.close();
  });
  afterEach(async () => {
    gateway.fetches.length = 0;
    await Promise.all([cj.url, cloudcx.url, nvm.url].map((u) => sim(u, 'reset')));
  });

  it('serves the prefixed names in _service { sdl } and introspection, and validation errors name them', async () => {
    const sdl = await fetchServiceSdl(`${cx.url}/`);
    expect(sdl).toMatch(/type CxRecording @key\(fields: "company organisation folder filename"\)/);
    expect(sdl).toMatch(/cxUsers\(/);
    expect(sdl).not.toMatch(/^type (User|Recording|Call|Agent|PageInfo)\b/m);
    const intro = await cx.gql<{ __schema: { queryType: { fields: { name: string }[] }; types: { name: string }[] } }>(
      '{ __schema { queryType { fields { name } } types { name } } }',
    );
    const types = intro.data!.__schema.types.map((t) => t.name);
    expect(types).toEqual(expect.arrayContaining(['CxUser', 'CxRecording', 'CxRecordingKey', 'CxProvider', 'CxPageInfo', 'CxDateTime', '_Any', 'String']));
    expect(types).not.toContain('User');
    expect(intro.data!.__schema.queryType.fields.map((f) => f.name)).toEqual(
      expect.arrayContaining(['cxRecording', 'cxRecordings', 'cxUsers', 'cxProviders', '_entities', '_service']),
    );
    const wrong = await cx.gql('query ($key: RecordingKey!) { cxRecording(key: $key) { exists } }', { key: known[0] });
    expect(wrong.errors![0]!.message).toMatch(/^Unknown type "RecordingKey"\. Did you mean "CxRecordingKey"/);
    expect(wrong.errors![0]!.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED' });
  });

  it("one operation answers the company's users and cxgraph's cxUsers and cxProviders", async () => {
    const r = await query<{
      users: { id: string; email: string }[];
      cxUsers: { totalCount: number; nodes: { login: string }[] };
      cxProviders: { provider: string; status: string }[];
    }>('{ users { id email } cxUsers(provider: CLOUDCX, pageSize: 3) { totalCount nodes { login } } cxProviders { provider status } }');
    expect(r.errors).toBeUndefined();
    expect(r.data!.users).toEqual(COMPANY_USERS.map((u) => ({ id: u.id, email: u.email })));
    expect(r.data!.cxUsers.nodes).toHaveLength(3);
    expect(r.data!.cxUsers.totalCount).toBe(cloudcx.users.length);
    expect(r.data!.cxProviders.map((p) => p.provider)).toEqual(['CALLJOURNEY', 'SANGOMA', 'CLOUDCX', 'NEWVOICEMEDIA', 'PBX']);
    expect(new Set(gateway.fetches.map((f) => f.subgraph))).toEqual(new Set(['company', 'cxgraph']));
  });

  it("the company's calls resolve recording: CxRecording through cxgraph's batched loader, one check per distinct key", async () => {
    const r = await query<{ calls: { nodes: { id: string; recording: { filename: string; exists: boolean; callId: string | null } | null }[] } }>(
      '{ calls(first: 10) { nodes { id recording { filename exists callId } } } }',
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.calls.nodes).toEqual(
      calls.map((c) => {
        const held = c.recording && SAMPLE_RECORDINGS.find((s) => s.filename === c.recording!.filename);
        return { id: c.id, recording: c.recording && { filename: c.recording.filename, exists: Boolean(held), callId: held ? held.callId : null } };
      }),
    );
    // One _entities fetch with every reference, typed CxRecording, then one CallJourney check per distinct key.
    const entityFetches = gateway.fetches.filter((f) => f.subgraph === 'cxgraph');
    expect(entityFetches.map((f) => f.field)).toEqual(['_entities']);
    expect(entityFetches[0]!.typenames).toEqual(Array(6).fill('CxRecording'));
    expect((await sim(cj.url, 'stats')).counts.conversationexists).toBe(6);
  });

  it("cxgraph's __typename in _entities is the prefixed one", async () => {
    const r = await cx.gql<{ _entities: { __typename: string; exists: boolean }[] }>(
      'query ($reps: [_Any!]!) { _entities(representations: $reps) { __typename ... on CxRecording { exists } } }',
      { reps: [{ __typename: 'CxRecording', ...known[0] }] },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities).toEqual([{ __typename: 'CxRecording', exists: true }]);
  });

  it("with NewVoiceMedia answering 503, only cxgraph's field that needs it is null: the company's users still answer", async () => {
    await sim(nvm.url, 'faults', { kind: 'status', status: 503, times: 100 });
    const r = await query<{ users: { id: string }[] | null; cxAgentAvailability: unknown; cxProviders: { provider: string }[] | null }>(
      '{ users { id } cxAgentAvailability(skillNames: ["French"]) { ready } cxProviders { provider } }',
    );
    expect(r.data).toEqual({ users: COMPANY_USERS.map((u) => ({ id: u.id })), cxAgentAvailability: null, cxProviders: expect.any(Array) });
    expect(r.errors).toHaveLength(1);
    expect(r.errors![0]).toMatchObject({ path: ['cxAgentAvailability'], extensions: { code: 'PROVIDER_UNAVAILABLE', provider: 'NEWVOICEMEDIA' } });
  });
});
