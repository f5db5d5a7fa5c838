/**
 * Property-based fuzzing of the HTTP surface with fast-check: thousands of malformed requests — byte soup and
 * random JSON bodies, garbled and deeply nested queries, variables of the wrong type, huge numbers, unicode,
 * bogus enum values, zero and negative pages, very long strings, hostile entity representations, odd methods,
 * content types and GET parameters — against cxgraph serving the embedded simulators. Every answer must be a
 * well-formed JSON answer (200 or 4xx, never 5xx), every error must carry a code of the closed sets (never
 * INTERNAL_SERVER_ERROR, which would be a bug of ours), and the server must still be healthy afterwards.
 * A failure prints the seed and the shrunk request; FUZZ_SEED / FUZZ_RUNS replay or extend a run.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useEmbeddedSimulators } from '../support/simulators.js';
import { startServer, type TestServer } from '../support/harness.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

/** Codes a malformed request may legitimately get: Apollo's request errors, and ours (upstreams may refuse odd input). */
const ALLOWED_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'BAD_USER_INPUT',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PROVIDER_NOT_CONFIGURED',
  'PROVIDER_ERROR',
  'PROVIDER_AUTH_FAILED',
  'PROVIDER_NEEDS_REAUTHORIZATION',
  'PROVIDER_RATE_LIMITED',
  'PROVIDER_UNAVAILABLE',
]);

interface FuzzRequest {
  method: string;
  /** Path and query string. */
  target: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

// ---- values ----------------------------------------------------------------------------------

const PROVIDERS = ['CALLJOURNEY', 'SANGOMA', 'CLOUDCX', 'NEWVOICEMEDIA', 'PBX'];
const TYPENAMES = ['Recording', 'User', 'Agent', 'Call', 'PbxAccount', 'Query', 'Nope', '', '__Schema'];

const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '\uD800', '../../etc/passwd', '%00%2e%2e', '${jndi:x}', '"\\', '<script>', 'null', '1e309', 'NaN', '-0', 'CLOUDCX'),
  fc.constantFrom(...PROVIDERS),
  fc.constantFrom(
    '2024-05-01T00:00:00Z',
    '2024-05-07T00:00:00Z',
    '2024-13-45T99:99:99Z',
    '0000-00-00',
    '1970-01-01T00:00:00.000+14:00',
    '+275760-09-13T00:00:00Z',
  ),
  fc.integer({ min: 1_000, max: 20_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 1, max: 600 }).map((n) => '😀'.repeat(n)),
);

const nastyNumber = fc.oneof(
  fc.integer(),
  fc.integer({ min: -3, max: 3 }),
  fc.double(),
  fc.constantFrom(0, -1, 1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, Number.MAX_VALUE, -Number.MAX_VALUE, 1e-300, 0.5),
);

/** A value of any type, favouring the shapes the schema expects so resolvers (not only coercion) are reached. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyString },
  { weight: 2, arbitrary: nastyNumber },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(nastyString, { maxLength: 5 }) },
);

/** Mostly a value of the right GraphQL type (so resolvers run and meet it), sometimes anything. */
const mostly = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: anyValue });
const int32 = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  fc.integer({ min: -2, max: 600 }),
  fc.constantFrom(0, -1, 1, 100, 101, 500, 501, 2 ** 31 - 1),
);
const provider = fc.constantFrom(...PROVIDERS);

const recordingKey = fc.oneof(
  { weight: 3, arbitrary: fc.record({ company: nastyString, organisation: nastyString, folder: nastyString, filename: nastyString }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('company', 'organisation', 'folder', 'filename', 'extra', '__proto__'), anyValue, { maxKeys: 5 }) },
  { weight: 1, arbitrary: anyValue },
);

const representation = fc.oneof(
  fc.record({ __typename: fc.constantFrom(...TYPENAMES), provider: mostly(provider), id: mostly(fc.oneof(nastyString, fc.uuid())) }),
  fc.record({ __typename: fc.constant('Recording'), company: anyValue, organisation: anyValue, folder: anyValue, filename: anyValue }),
  fc.dictionary(fc.string({ maxLength: 12 }), anyValue, { maxKeys: 4 }),
  anyValue,
);

/** Operations of the schema and plausible-or-wrong values for their variables. */
const OPERATIONS: { query: string; vars: Record<string, fc.Arbitrary<unknown>> }[] = [
  {
    query: 'query ($keys: [RecordingKey!]!) { recordings(keys: $keys) { company filename exists callId } }',
    vars: { keys: mostly(fc.array(recordingKey, { maxLength: 20 })) },
  },
  { query: 'query ($key: RecordingKey!) { recording(key: $key) { filename exists callId } }', vars: { key: recordingKey } },
  {
    query:
      'query ($p: Provider!, $s: String, $page: Int, $size: Int) { users(provider: $p, search: $s, page: $page, pageSize: $size) { totalCount page pageSize totalPages nodes { id login name email roles active } } }',
    vars: { p: mostly(fc.constantFrom('CLOUDCX', 'NEWVOICEMEDIA', 'PBX')), s: mostly(nastyString), page: mostly(int32), size: mostly(int32) },
  },
  { query: 'query ($p: Provider!) { agents(provider: $p) { provider id name user { id login } } }', vars: { p: mostly(provider) } },
  {
    query: 'query ($s: [String!]!) { agentAvailability(skillNames: $s) { skillNames ready away extendedAway loggedOut } }',
    vars: { s: mostly(fc.array(nastyString, { maxLength: 120 })) },
  },
  {
    query: `query ($p: Provider!, $f: DateTime!, $t: DateTime!, $first: Int, $after: String) { calls(provider: $p, from: $f, to: $t, first: $first, after: $after) {
      nodes { id startTime direction durationSeconds agents { id } media { key kind downloadUrl } recording(key: { company: "acme", organisation: "support", folder: "x" }) { exists } }
      pageInfo { hasNextPage endCursor } } }`,
    vars: {
      p: mostly(fc.constantFrom('NEWVOICEMEDIA', 'PBX', 'SANGOMA')),
      f: mostly(nastyString),
      t: mostly(nastyString),
      first: mostly(int32),
      after: mostly(nastyString),
    },
  },
  { query: '{ pbxAccounts { id login status } }', vars: {} },
  { query: 'query ($id: ID!) { pbxAccount(id: $id) { id login status } }', vars: { id: mostly(fc.oneof(nastyString, int32)) } },
  { query: '{ providers { provider status tokenExpiresAt lastError } }', vars: {} },
  {
    query: 'mutation ($a: String!, $d: String!, $t: String!) { startAgentCall(agentName: $a, destination: $d, tenantDomain: $t) { accepted callId message } }',
    vars: {
      a: mostly(fc.oneof(fc.constantFrom('alice', 'carol', 'dave'), nastyString)),
      d: mostly(fc.oneof(fc.constantFrom('+15550100199', 'sip:x@y', '12'), nastyString)),
      t: mostly(fc.oneof(fc.constant('acme.cx.example.com'), nastyString)),
    },
  },
  {
    query: 'mutation ($q: String!, $d: String!, $t: String!) { startQueueCallback(queueName: $q, destination: $d, tenantDomain: $t) { accepted callId } }',
    vars: { q: mostly(fc.oneof(fc.constantFrom('support', 'billing'), nastyString)), d: mostly(nastyString), t: mostly(nastyString) },
  },
  { query: 'mutation { beginPbxConnection { authorizationUrl state } }', vars: {} },
  {
    query:
      'query ($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Recording { exists callId } ... on User { id login } ... on Agent { id name } ... on Call { id media { key } } ... on PbxAccount { id login } } }',
    vars: { r: mostly(fc.array(representation, { maxLength: 10 })) },
  },
  { query: '{ _service { sdl } }', vars: {} },
];

/** A GraphQL literal, valid or not, for an argument written in the query itself. */
const literal = fc.oneof(
  fc.constantFrom(
    ...PROVIDERS,
    'BOGUS',
    'cloudcx',
    'null',
    'true',
    '"CLOUDCX"',
    '[]',
    '{}',
    '$undefinedVar',
    '0',
    '-1',
    '99999999999999999999',
    '1.5',
    '1e400',
    '-0',
    '""',
  ),
  fc.integer().map(String),
  nastyString.map((s) => JSON.stringify(s)),
  fc.string({ maxLength: 8 }),
);

const FIELDS = [
  'recordings',
  'recording',
  'users',
  'agents',
  'agentAvailability',
  'calls',
  'pbxAccounts',
  'pbxAccount',
  'providers',
  'nodes',
  'user',
  'media',
  'id',
  'name',
  'provider',
  '__typename',
  'totalCount',
  'bogus',
  '_entities',
  '__schema',
  'types',
  'fields',
];

/** Random selection trees: names of the schema (and not), arguments, aliases, fragments, deep nesting. */
const selection: fc.Arbitrary<string> = fc.letrec<{ set: string }>((tie) => ({
  set: fc
    .array(
      fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom(...FIELDS),
        fc
          .tuple(fc.constantFrom(...FIELDS), fc.constantFrom('provider', 'page', 'pageSize', 'first', 'keys', 'id', 'x'), literal)
          .map(([f, a, v]) => `${f}(${a}: ${v})`),
        fc.tuple(fc.constantFrom('a', 'b', 'c', 'x1'), fc.constantFrom(...FIELDS)).map(([al, f]) => `${al}: ${f}`),
        fc.tuple(fc.constantFrom(...FIELDS), tie('set')).map(([f, s]) => `${f} ${s}`),
        tie('set').map((s) => `... on ${['Query', 'User', 'Call', 'Nope'][s.length % 4]} ${s}`),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((items) => `{ ${items.join(' ')} }`),
})).set;

// ---- requests --------------------------------------------------------------------------------

const json = (body: unknown, extra: Record<string, string> = {}): FuzzRequest => ({
  method: 'POST',
  target: '/',
  headers: { 'content-type': 'application/json', ...extra },
  body: JSON.stringify(body),
});

const garble = (q: string) =>
  fc
    .tuple(fc.nat(q.length), fc.nat(20), fc.string({ maxLength: 6 }))
    .map(([at, cut, insert]) => q.slice(0, at) + insert + q.slice(Math.min(q.length, at + cut)));

const request: fc.Arbitrary<FuzzRequest> = fc.oneof(
  // Byte soup and odd text as a JSON body.
  fc
    .oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.constantFrom('', '{', '[]', '[{}]', 'null', '0', '"x"', '{"query":', '\uFEFF{}', '{"query":null}'),
    )
    .map((body): FuzzRequest => ({ method: 'POST', target: '/', headers: { 'content-type': 'application/json' }, body })),
  // Any JSON value as the whole body, or an object with wrongly typed members.
  fc.jsonValue({ maxDepth: 4 }).map((v) => json(v)),
  fc
    .record(
      {
        query: anyValue,
        variables: anyValue,
        operationName: anyValue,
        extensions: fc.oneof(anyValue, fc.constant({ persistedQuery: { version: 1, sha256Hash: 'abc' } })),
      },
      { requiredKeys: [] },
    )
    .map((b) => json(b)),
  // A real operation with variables of every wrong kind (or plausible ones, so resolvers run).
  {
    weight: 6,
    arbitrary: fc
      .constantFrom(...OPERATIONS)
      .chain((op) =>
        fc.record({
          query: fc.constant(op.query),
          vars: Object.keys(op.vars).length ? fc.record(op.vars, { requiredKeys: [] }) : fc.constant({}),
          flip: fc.boolean(),
        }),
      )
      .map(({ query, vars, flip }) => json({ query, variables: flip ? vars : { ...vars, unexpected: 1 } })),
  },
  // A real operation, garbled.
  fc
    .constantFrom(...OPERATIONS)
    .chain((op) => garble(op.query))
    .map((query) => json({ query })),
  // Literal arguments: bogus enums, huge and negative numbers, strings where numbers go.
  fc
    .tuple(literal, literal, literal, literal)
    .map(([p, page, size, s]) => json({ query: `{ users(provider: ${p}, page: ${page}, pageSize: ${size}, search: ${s}) { totalCount nodes { id } } }` })),
  fc
    .tuple(literal, literal)
    .map(([p, first]) =>
      json({ query: `{ calls(provider: ${p}, from: "2024-05-01T00:00:00Z", to: "2024-05-02T00:00:00Z", first: ${first}) { nodes { id } } }` }),
    ),
  // Random selection trees, and very deep ones (past the parser's and our limits).
  selection.map((s) => json({ query: s })),
  fc
    .tuple(fc.integer({ min: 1, max: 800 }), fc.constantFrom('providers', 'a', 'calls'))
    .map(([n, f]) => json({ query: `{ ${`${f} { `.repeat(n)}provider${' }'.repeat(n)} }` })),
  fc.integer({ min: 1, max: 3000 }).map((n) => json({ query: `{ providers { provider } }`, variables: JSON.parse(`${'['.repeat(n)}${']'.repeat(n)}`) })),
  fc.integer({ min: 1, max: 200 }).map((n) =>
    json({
      query: `query { ...F0 } ${Array.from({ length: n }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ')} fragment F${n} on Query { providers { provider } }`,
    }),
  ),
  fc
    .integer({ min: 2, max: 8 })
    .map((n) => json({ query: `query A { providers { provider } } query A { providers { status } } ${'query { __typename } '.repeat(n)}` })),
  // GET with random parameters (with the preflight header, so CSRF prevention is not what answers).
  fc
    .record(
      {
        query: fc.oneof(nastyString, selection),
        variables: fc.oneof(
          nastyString,
          anyValue.map((v) => JSON.stringify(v)),
        ),
        extensions: fc.oneof(nastyString, fc.constant('{"persistedQuery":{"version":1,"sha256Hash":"00"}}')),
        operationName: nastyString,
      },
      { requiredKeys: [] },
    )
    .map((p): FuzzRequest => ({
      method: 'GET',
      target: `/?${new URLSearchParams(p as Record<string, string>).toString()}`,
      headers: { 'apollo-require-preflight': '1' },
    })),
  // Odd methods, content types and paths.
  fc
    .record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
      target: fc.constantFrom(
        '/',
        '/graphql',
        '/?',
        '/media/nvm/x/y',
        '/media/pbx/../../etc',
        '/oauth/pbx/callback?code=%zz&state=',
        '/%E0%A4%A',
        '//',
        '/healthz?x=1',
      ),
      contentType: fc.constantFrom(
        'application/json',
        'application/json; charset=utf-16',
        'text/plain',
        'application/graphql',
        'multipart/form-data; boundary=-',
        '',
        'application/graphql-response+json',
      ),
      body: fc.oneof(fc.constant(undefined), fc.string({ maxLength: 100 }), fc.constant('{"query":"{ providers { provider } }"}')),
    })
    .map(({ method, target, contentType, body }): FuzzRequest => ({
      method,
      target,
      headers: { ...(contentType ? { 'content-type': contentType } : {}), 'apollo-require-preflight': '1' },
      body: method === 'GET' || method === 'HEAD' ? undefined : body,
    })),
);

// ---- the property ----------------------------------------------------------------------------

describe('fuzzing the HTTP surface', () => {
  const sims = useEmbeddedSimulators();
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer(sims.env);
  });
  afterAll(async () => {
    await t?.close();
  });

  it(`${RUNS} malformed requests get well-formed 200/4xx answers with known codes, and the server stays healthy`, async () => {
    const statuses = new Map<number, number>();
    const codes = new Map<string, number>();
    const slow: [number, string][] = [];
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const started = performance.now();
        const res = await fetch(`${t.url}${r.target}`, { method: r.method, headers: r.headers, body: r.body });
        const text = await res.text();
        slow.push([
          performance.now() - started,
          `${res.status} ${r.method} ${r.target.slice(0, 60)} ${String(r.body ?? '').slice(0, 160)} => ${text.slice(0, 120)}`,
        ]);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) throw new Error(`HTTP ${res.status}: ${text.slice(0, 500)}`);
        if (r.method === 'HEAD' || (r.method === 'GET' && res.headers.get('content-type')?.includes('text/html'))) return;
        // Node's HTTP parser answers these itself, with no body: a request line or headers too long or malformed.
        if (res.status === 431 || (res.status === 400 && text === '')) return;
        let body: { data?: unknown; errors?: { message?: unknown; extensions?: { code?: unknown } }[]; message?: unknown; code?: unknown };
        try {
          body = JSON.parse(text);
        } catch {
          throw new Error(`HTTP ${res.status} answered a body that is not JSON: ${text.slice(0, 200)}`);
        }
        if (r.target.startsWith('/oauth/') || r.target.startsWith('/media/') || r.target.startsWith('/healthz') || res.status === 404) return;
        if (!('data' in body) && !Array.isArray(body.errors)) throw new Error(`HTTP ${res.status} without data or errors: ${text.slice(0, 200)}`);
        for (const e of body.errors ?? []) {
          const code = String(e.extensions?.code);
          codes.set(code, (codes.get(code) ?? 0) + 1);
          if (!ALLOWED_CODES.has(code)) throw new Error(`HTTP ${res.status} error code ${code}: ${String(e.message).slice(0, 300)}`);
          if (e.extensions && 'stacktrace' in e.extensions) throw new Error('a stack trace in an error');
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    if (process.env.FUZZ_STATS) {
      console.log({ statuses: Object.fromEntries(statuses), codes: Object.fromEntries(codes) });
      console.log(
        slow
          .sort((a, b) => b[0] - a[0])
          .slice(0, 15)
          .map(([ms, d]) => `${ms.toFixed(0)}ms ${d}`)
          .join('\n'),
      );
      console.log('total ms', slow.reduce((a, [ms]) => a + ms, 0).toFixed(0));
    }
    // Every kind of answer came, and none was a server error.
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
    expect(statuses.get(200)).toBeGreaterThan(RUNS / 10);
    expect(statuses.get(400)).toBeGreaterThan(RUNS / 10);

    const health = await fetch(`${t.url}/healthz`);
    expect(health.status).toBe(200);
    expect((await t.gql('{ providers { provider } }')).data).toEqual({ providers: PROVIDERS.map((provider) => ({ provider })) });
    // Nothing unexpected happened inside either: no resolver bug, no failed request.
    const bugs = t.logs.json().filter((l) => l.msg === 'unexpected resolver error' || l.msg === 'request failed');
    expect(bugs.map((l) => JSON.stringify(l).slice(0, 300))).toEqual([]);
  }, 120_000);

  it('raw request lines no HTTP client would send (absolute-form targets, bytes, truncated bodies) never take the server down', async () => {
    const { port } = new URL(t.url);
    /** Sends `raw` as is and resolves to the status line of the answer ('' when the connection closed without one). */
    const send = (raw: string | Uint8Array) =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1');
        let got = '';
        socket.setTimeout(2_000, () => socket.destroy());
        socket.on('data', (d) => {
          got += d.toString('latin1');
          if (got.includes('\r\n')) socket.destroy();
        });
        socket.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
        socket.on('error', () => resolve(got.split('\r\n')[0] ?? ''));
        socket.end(raw);
      });
    const target = fc.oneof(
      fc.constantFrom(
        'http://[',
        'http://[::1',
        'http://a:b@[x]/',
        '//',
        '///',
        '//x/oauth/pbx/callback',
        'http://127.0.0.1/healthz',
        '*',
        '%',
        '/%zz',
        'https:',
        'a:b',
      ),
      fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((x) => x.replace(/[\s]/g, '')),
      fc.webUrl(),
    );
    await fc.assert(
      fc.asyncProperty(target, fc.constantFrom('GET', 'POST', 'OPTIONS'), fc.boolean(), async (tgt, method, truncated) => {
        const body = truncated ? 'Content-Length: 50\r\n\r\n{"query":' : '\r\n';
        const status = await send(`${method} ${tgt || '/'} HTTP/1.1\r\nHost: x\r\n${body}`);
        if (/^HTTP\/1\.1 5/.test(status)) throw new Error(`${status} for ${method} ${tgt}`);
      }),
      { numRuns: 150, seed: SEED },
    );
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
});
