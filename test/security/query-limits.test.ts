/**
 * Abuse limits over real HTTP: depth, aliases and cost are refused as validation errors (400,
 * GRAPHQL_VALIDATION_FAILED, naming the limit) before anything executes, so no provider is called; bodies over
 * the limit are 413; Apollo's CSRF prevention stays on; and errors carry no stack trace, in production or not.
 * Depth and aliases are graphql-armor's rules with our options and errors (src/security/query-limits.ts): what is
 * pinned here is what callers rely on — fragments add no depth, introspection and federation's fields pass.
 */
import { buildSchema, Kind, parse, validate, type DocumentNode, type FieldNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useEmbeddedSimulators } from '../support/simulators.js';
import { aliasLimitRule, depthLimitRule } from '../../src/security/query-limits.js';
import { MemoryKvStore } from '../../src/store/memory-store.js';
import { SAMPLE_RECORDINGS } from '../../src/simulators/index.js';
import { startServer, type GraphQLResult, type TestServer } from '../support/harness.js';

const sims = useEmbeddedSimulators();

const counts = () => ({ ...sims.cloudcx.server.counts(), ...sims.calljourney.server.counts(), ...sims.nvm.server.counts() });
const resetCounts = () => [sims.cloudcx.server, sims.calljourney.server, sims.nvm.server].forEach((s) => s.resetCounts());

function expectLimit(r: GraphQLResult, variable: string, ...phrases: string[]) {
  expect(r.status).toBe(400);
  expect(r.data).toBeUndefined();
  const e = r.errors!.find((x) => String(x.message).includes(variable));
  expect(e, `an error naming ${variable} in ${r.raw}`).toBeDefined();
  expect(e!.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', limit: variable });
  for (const p of phrases) expect(e!.message).toContain(p);
}

/** `t.gql` naming the operation to run (a document holding several). */
async function gqlNamed(t: TestServer, query: string, operationName: string): Promise<GraphQLResult> {
  const res = await fetch(`${t.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, operationName }) });
  const raw = await res.text();
  const body = JSON.parse(raw) as Pick<GraphQLResult, 'data' | 'errors'>;
  return { status: res.status, data: body.data, errors: body.errors, raw, headers: res.headers };
}

const known = SAMPLE_RECORDINGS[0]!;
const KEY = { company: known.company, organisation: known.organisation, folder: known.folder, filename: known.filename };
const WEEK = 'from: "2024-05-01T00:00:00Z", to: "2024-05-07T00:00:00Z"';

describe('with the default limits', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer(sims.env);
  });
  afterAll(async () => {
    await t.close();
  });

  it('more than 30 aliases is refused, naming the limit; 30 answer', async () => {
    const aliased = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `p${i}: providers { provider }`).join(' ')} }`;
    expect((await t.gql(aliased(30))).errors).toBeUndefined();
    expectLimit(await t.gql(aliased(31)), 'CXGRAPH_MAX_ALIASES', 'more than 30 aliases');
  });

  it('a query nested deeper than 12 levels is refused with the limit named', async () => {
    // No path of the schema is 13 levels deep: the other validation errors come too, the depth one among them.
    const deep = `{ ${'providers { '.repeat(13)}provider ${'} '.repeat(13)}}`;
    expectLimit(await t.gql(deep), 'CXGRAPH_MAX_DEPTH', 'more than 12 levels deep');
  });

  it('a document nested thousands of levels deep (within the token limit) is a 400, never a 500', async () => {
    // 6000 levels, 18000 tokens: depending on how warm it is, graphql-js's parser overflows its stack (parse failed)
    // or parses it and the depth limit refuses it; armor's rule recursing that deep must not turn it into a 500.
    const r = await t.gql(`{ ${'providers { '.repeat(6000)}provider ${'} '.repeat(6000)}}`);
    expect(r.status).toBe(400);
    expect(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED']).toContain(r.errors![0]!.extensions!.code);
  });

  it('an operation costing more than 10000 is refused before any upstream call, literal sizes or variables', async () => {
    resetCounts();
    const pages = (size: string) =>
      `{ ${Array.from({ length: 10 }, (_, i) => `u${i}: users(provider: CLOUDCX, pageSize: ${size}) { nodes { id name email } }`).join(' ')} }`;
    expectLimit(await t.gql(pages('500')), 'CXGRAPH_MAX_COST', 'costs 15020', 'limit of 10000');
    const viaVariables = `query ($n: Int) { ${Array.from({ length: 10 }, (_, i) => `u${i}: users(provider: CLOUDCX, pageSize: $n) { nodes { id name email } }`).join(' ')} }`;
    expectLimit(await t.gql(viaVariables, { n: 500 }), 'CXGRAPH_MAX_COST', 'costs 15020');
    // Lists without a size argument count 10 each: agents × user × roles nests three of them.
    const nested = `{ ${Array.from({ length: 12 }, (_, i) => `c${i}: calls(provider: NEWVOICEMEDIA, ${WEEK}, first: 100) { nodes { agents { user { roles } } media { key } } }`).join(' ')} }`;
    expectLimit(await t.gql(nested), 'CXGRAPH_MAX_COST');
    expect(counts()).toEqual({});

    const small = await t.gql<{ u0: { nodes: unknown[] } }>(viaVariables, { n: 2 });
    expect(small.errors).toBeUndefined();
    expect(small.data!.u0.nodes).toHaveLength(2);
  });

  it('sizes past what a resolver accepts leave the answer to the resolver: its BAD_USER_INPUT names the argument', async () => {
    resetCounts();
    const keys = Array.from({ length: 2000 }, (_, i) => ({ ...KEY, filename: `f-${i}.wav` }));
    const r = await t.gql('query ($keys: [RecordingKey!]!) { recordings(keys: $keys) { company organisation folder filename exists callId } }', { keys });
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'keys' });
    const page = await t.gql('{ users(provider: CLOUDCX, pageSize: 5000) { nodes { id login firstName lastName name email phoneNumber roles active } } }');
    expect(page.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'pageSize' });
    expect(counts()).toEqual({});
    // A full legitimate batch is within the default cost.
    const full = await t.gql<{ recordings: unknown[] }>(
      'query ($keys: [RecordingKey!]!) { recordings(keys: $keys) { company organisation folder filename exists callId } }',
      { keys: keys.slice(0, 500) },
    );
    expect(full.errors).toBeUndefined();
    expect(full.data!.recordings).toHaveLength(500);
  });

  it('a document of more than 20000 tokens is refused while parsing (GRAPHQL_PARSE_FAILED), before validation or any upstream call', async () => {
    resetCounts();
    const query = `{ providers { provider } ${'__typename '.repeat(25_000)} }`;
    const r = await t.gql(query);
    expect(r.status).toBe(400);
    expect(r.errors![0]!.extensions!.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(r.errors![0]!.message).toMatch(/more that 20000 tokens/); // graphql-js wording;
    expect(counts()).toEqual({});
  });

  it('over-long search and skill names are BAD_USER_INPUT naming the argument, never an upstream 431', async () => {
    resetCounts();
    const long = 'x'.repeat(5_000);
    const users = await t.gql('query ($s: String) { users(provider: CLOUDCX, search: $s) { totalCount } }', { s: long });
    expect(users.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'search' });
    const skills = await t.gql('query ($s: [String!]!) { agentAvailability(skillNames: $s) { ready } }', { s: ['French', long] });
    expect(skills.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'skillNames[1]' });
    expect(counts()).toEqual({});
  });

  it('a body over 1 MiB is 413 and never parsed', async () => {
    const query = `{ providers { provider } } # ${'x'.repeat(1024 * 1024)}`;
    const res = await fetch(`${t.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      errors: [{ message: 'Request body larger than 1048576 bytes (CXGRAPH_MAX_BODY_BYTES)', extensions: { code: 'BAD_USER_INPUT' } }],
    });
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it('CSRF prevention: simple requests (GET without a preflight header, text/plain, form posts) are refused', async () => {
    const q = encodeURIComponent('{ providers { provider } }');
    const get = await fetch(`${t.url}/?query=${q}`);
    expect(get.status).toBe(400);
    expect(await get.text()).toContain('Cross-Site Request Forgery');
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await fetch(`${t.url}/`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: JSON.stringify({ query: '{ providers { provider } }' }),
      });
      expect(res.status, contentType).toBe(400);
      expect(await res.text(), contentType).toContain('Cross-Site Request Forgery');
    }
    // A request a browser must preflight is served.
    const preflighted = await fetch(`${t.url}/?query=${q}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(preflighted.status).toBe(200);
  });
});

describe('with tight limits', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ ...sims.env, CXGRAPH_MAX_DEPTH: '4', CXGRAPH_MAX_ALIASES: '2', CXGRAPH_MAX_COST: '40', CXGRAPH_MAX_BODY_BYTES: '2048' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('depth counts fields through fragments and inline fragments, not introspection; at the limit answers', async () => {
    resetCounts();
    const four = `{ calls(provider: NEWVOICEMEDIA, ${WEEK}, first: 1) { nodes { agents { id } } } }`;
    expect((await t.gql(four)).errors).toBeUndefined();
    const five = `{ calls(provider: NEWVOICEMEDIA, ${WEEK}, first: 1) { nodes { agents { user { id } } } } }`;
    // Fragments and inline fragments add no level of their own (armor's flattenFragments): four levels through them answer.
    const fourViaFragments = `query Four { calls(provider: NEWVOICEMEDIA, ${WEEK}, first: 1) { ...N } } fragment N on CallConnection { nodes { ... on Call { agents { ...A } } } } fragment A on Agent { id }`;
    expect((await t.gql(fourViaFragments)).errors).toBeUndefined();
    const before = counts();
    const refused = await t.gql(five);
    expectLimit(refused, 'CXGRAPH_MAX_DEPTH', 'more than 4 levels deep', ': 5 levels');
    expect(refused.errors![0]!.extensions).toMatchObject({ max: 4, actual: 5 });
    const viaFragments = `query Deep { calls(provider: NEWVOICEMEDIA, ${WEEK}, first: 1) { ...N } } fragment N on CallConnection { nodes { ... on Call { agents { ...A } } } } fragment A on Agent { user { id } }`;
    expectLimit(await t.gql(viaFragments), 'CXGRAPH_MAX_DEPTH', 'Operation "Deep"', ': 5 levels');
    expect(counts()).toEqual(before);
    // Introspection as Sandbox sends it (nested ofType far deeper than 4) and federation's fields as the router sends them.
    const introspection = await t.gql('{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name } } } } } } } }');
    expect(introspection.errors).toBeUndefined();
    const sdl = await t.gql<{ _service: { sdl: string } }>('{ _service { sdl } }');
    expect(sdl.errors).toBeUndefined();
    expect(sdl.data!._service.sdl).toContain('@key');
    const entities = await t.gql<{ _entities: unknown[] }>(
      'query ($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Recording { exists } } }',
      {
        r: [{ __typename: 'Recording', ...KEY }],
      },
    );
    expect(entities.errors).toBeUndefined();
    expect(entities.data!._entities).toEqual([{ __typename: 'Recording', exists: true }]);
  });

  it('aliases: 2 answer, 3 are refused; counted per operation, the aliases of a fragment once per spread', async () => {
    expect((await t.gql('{ a: providers { provider } b: providers { provider } }')).errors).toBeUndefined();
    const refused = await t.gql('{ a: providers { provider } b: providers { provider } c: providers { status } }');
    expectLimit(refused, 'CXGRAPH_MAX_ALIASES', 'more than 2 aliases', ': 3');
    expect(refused.errors![0]!.extensions).toMatchObject({ max: 2, actual: 3 });
    // Two operations of two aliases each in one document: only the one asked for runs, and it is within the limit.
    const two = 'query A { a: providers { provider } b: providers { provider } } query B { c: providers { provider } d: providers { provider } }';
    expect((await gqlNamed(t, two, 'B')).errors).toBeUndefined();
    const spreadTwice = 'query S { providers { ...P } again: providers { ...P } } fragment P on ProviderConnection { p: provider }';
    expectLimit(await t.gql(spreadTwice), 'CXGRAPH_MAX_ALIASES', 'Operation "S"', ': 3');
  });

  it('cost: the schema default page size counts, __typename is free, and variables decide', async () => {
    // users' default pageSize is 25: 1 + 1 + 25 × 2 = 52.
    expectLimit(await t.gql('{ users(provider: CLOUDCX) { nodes { id name } } }'), 'CXGRAPH_MAX_COST', 'costs 52', 'limit of 40');
    expect(
      (await t.gql('query ($n: Int) { users(provider: CLOUDCX, pageSize: $n) { __typename nodes { __typename id name } } }', { n: 19 })).errors,
    ).toBeUndefined();
    expectLimit(
      await t.gql('query ($n: Int = 19) { users(provider: CLOUDCX, pageSize: $n) { nodes { id name } } }', { n: 20 }),
      'CXGRAPH_MAX_COST',
      'costs 42',
    );
  });

  it('the body limit is configurable', async () => {
    const body = JSON.stringify({ query: `{ providers { provider } } #${'x'.repeat(2048)}` });
    const res = await fetch(`${t.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('larger than 2048 bytes');
  });
});

describe('errors carry no stack trace', () => {
  /** A store whose reads fail the way a bug would: the error reaches formatError as an unexpected one. */
  class BrokenStore extends MemoryKvStore {
    override async get<T>(): Promise<T | undefined> {
      throw new TypeError('store exploded near secret-internals');
    }
  }

  for (const nodeEnv of ['production', 'development']) {
    it(`in ${nodeEnv}: parse, validation, limits, input, upstream and internal errors`, async () => {
      // Production with NewVoiceMedia and the PBX needs where media links point and the key that signs them.
      const media = { CXGRAPH_PUBLIC_URL: 'https://cx.example.com', CXGRAPH_MEDIA_SIGNING_KEY: Buffer.alloc(32, 7).toString('base64') };
      const t = await startServer({ ...sims.env, ...media, NODE_ENV: nodeEnv, CXGRAPH_AUTH: 'none', CXGRAPH_MAX_ALIASES: '1' });
      const broken = await startServer({ ...sims.env, ...media, NODE_ENV: nodeEnv, CXGRAPH_AUTH: 'none' }, { store: new BrokenStore() });
      try {
        sims.nvm.server.inject({ kind: 'status', status: 503, times: 10 });
        const results = [
          await t.gql('{ providers { '),
          await t.gql('{ nope }'),
          await t.gql('{ a: providers { provider } b: providers { provider } }'),
          await t.gql('{ recording(key: { company: "", organisation: "o", folder: "f", filename: "x" }) { exists } }'),
          await t.gql('query ($p: Int) { users(provider: CLOUDCX, page: $p) { totalCount } }', { p: 'one' }),
          await t.gql('{ agents(provider: NEWVOICEMEDIA) { id } }'),
          await broken.gql(`{ recording(key: { company: "${KEY.company}", organisation: "o", folder: "f", filename: "x" }) { exists } }`),
        ];
        const codes = results.map((r) => r.errors?.[0]?.extensions?.code);
        expect(codes).toEqual([
          'GRAPHQL_PARSE_FAILED',
          'GRAPHQL_VALIDATION_FAILED',
          'GRAPHQL_VALIDATION_FAILED',
          'BAD_USER_INPUT',
          'BAD_USER_INPUT',
          'PROVIDER_UNAVAILABLE',
          'INTERNAL_SERVER_ERROR',
        ]);
        for (const r of results) {
          expect(r.status).toBeLessThan(500);
          for (const e of r.errors!) expect(e.extensions).not.toHaveProperty('stacktrace');
          expect(r.raw).not.toMatch(/\n\s+at |\\n\s+at /);
        }
        const internal = results.at(-1)!;
        expect(internal.errors![0]!.message).toBe('Internal server error');
        expect(internal.raw).not.toContain('exploded');
        // The operator still learns what happened, from the log.
        expect(broken.logs.text).toContain('store exploded');
      } finally {
        sims.nvm.server.clearFaults();
        await t.close();
        await broken.close();
      }
    });
  }
});

describe('the depth and alias rules on their own', () => {
  const schema = buildSchema('type Query { a: A } type A { a: A, b: Int }');
  /** `{ a { a { … b } } }` built as an AST: deeper than graphql-js's parser (a recursive descent) would accept. */
  function nested(levels: number): DocumentNode {
    let field: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: 'b' } };
    for (let i = 0; i < levels; i++)
      field = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: 'a' }, selectionSet: { kind: Kind.SELECTION_SET, selections: [field] } };
    return {
      kind: Kind.DOCUMENT,
      definitions: [{ kind: Kind.OPERATION_DEFINITION, operation: 'query' as never, selectionSet: { kind: Kind.SELECTION_SET, selections: [field] } }],
    };
  }

  it('a selection nested past what armor can recurse through is reported as over the limit, not thrown', () => {
    const errors = validate(schema, nested(100_000), [depthLimitRule(12), aliasLimitRule(30)]);
    expect(errors.map((e) => e.extensions['limit'])).toContain('CXGRAPH_MAX_DEPTH');
    expect(errors.find((e) => e.extensions['limit'] === 'CXGRAPH_MAX_DEPTH')!.message).toContain('more than 12 levels deep');
  });

  it('__typename and __type count as fields (armor), __schema does not', () => {
    const depth = (q: string) => validate(schema, parse(q), [depthLimitRule(2)]).map((e) => e.extensions['actual']);
    expect(depth('{ a { a { __typename } } }')).toEqual([3]);
    expect(depth('{ a { b __typename } }')).toEqual([]);
    expect(depth('{ __type(name: "A") { fields { type { name } } } }')).toEqual([4]);
    expect(depth('{ __schema { types { fields { type { ofType { name } } } } } }')).toEqual([]);
  });
});
