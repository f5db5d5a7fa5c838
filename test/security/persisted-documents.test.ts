/**
 * Trusted documents, as a frontend team and an attacker meet them: cxgraph started with the reference app's manifest
 * (examples/web/persisted-query-manifest.json, the Apollo persisted query manifest graphql-codegen's client preset
 * builds) runs a listed document from its id alone; with CXGRAPH_PERSISTED_DOCUMENTS_ONLY=true it refuses every
 * other document — by id, in full, by GET, in a batch, under `_entities` — with Apollo Router's codes and no request
 * to any platform (every simulator's requests counted). `_service { sdl }` and introspection still answer, and a
 * router authenticated by its secret still sends its own documents. Bad manifests stop start-up naming the variable.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useEmbeddedSimulators } from '../support/simulators.js';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { SAMPLE_RECORDINGS, SIMULATORS } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';
import { createContext } from '../../src/graphql/context.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';

const MANIFEST = fileURLToPath(new URL('../../examples/web/persisted-query-manifest.json', import.meta.url));
const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as {
  format: string;
  version: number;
  operations: { id: string; name: string; type: string; body: string }[];
};
const op = (name: string) => manifest.operations.find((o) => o.name === name)!;
const SECRET = 'router-secret-persisted-Q9v2LmX7';
const ARBITRARY = '{ users(provider: CLOUDCX, pageSize: 500) { nodes { email phoneNumber } } }';
const USERS_VARS = { provider: 'CLOUDCX', search: null, page: 1, pageSize: 5 };
const REPRESENTATION = { __typename: 'Recording', ...SAMPLE_RECORDINGS[0]!, callId: undefined };
const ENTITIES = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Recording { exists callId } } }';

const sims = useEmbeddedSimulators();
// Every simulator of the list, so a platform added later is counted too.
const allSims = () => SIMULATORS.map((e) => sims[e.key]);
const upstreamRequests = () => allSims().reduce((n, s) => n + Object.values(s.server.counts()).reduce((a, b) => a + b, 0), 0);

beforeEach(() => {
  for (const s of allSims()) s.server.resetCounts();
});

async function post(t: TestServer, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.url}/`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: (await res.json()) as { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] },
  };
}
const byId = (id: string, variables?: Record<string, unknown>) => ({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: id } } });

describe('the manifest the reference app builds', () => {
  it('is an Apollo persisted query manifest whose ids are the SHA-256 of the bodies', async () => {
    expect(manifest).toMatchObject({ format: 'apollo-persisted-query-manifest', version: 1 });
    expect(manifest.operations.map((o) => o.name)).toEqual([
      'AgentAvailability',
      'Agents',
      'BeginPbxConnection',
      'LatestCalls',
      'MoreCalls',
      'PbxAccounts',
      'Platforms',
      'StartAgentCall',
      'Users',
    ]);
    const { createHash } = await import('node:crypto');
    for (const o of manifest.operations) {
      expect(o.id).toBe(createHash('sha256').update(o.body).digest('hex'));
      expect(o.type).toBe(o.name === 'BeginPbxConnection' || o.name === 'StartAgentCall' ? 'mutation' : 'query');
    }
  });
});

describe('CXGRAPH_PERSISTED_DOCUMENTS_ONLY=true', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ ...sims.env, CXGRAPH_PERSISTED_DOCUMENTS: MANIFEST, CXGRAPH_PERSISTED_DOCUMENTS_ONLY: 'true' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('runs a listed document sent by its id alone', async () => {
    const r = await post(t, byId(op('Users').id, USERS_VARS));
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeUndefined();
    expect((r.body.data!.users as { nodes: unknown[] }).nodes).toHaveLength(5);
    expect(upstreamRequests()).toBeGreaterThan(0);
  });

  it('runs a listed document sent in full, as the router’s safelist does', async () => {
    const r = await post(t, { query: op('Platforms').body });
    expect(r.status).toBe(200);
    expect((r.body.data!.providers as unknown[]).length).toBe(5);
  });

  it('refuses any other document with QUERY_NOT_IN_SAFELIST, and no platform hears of it', async () => {
    const r = await post(t, { query: ARBITRARY });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([
      { message: expect.stringContaining('CXGRAPH_PERSISTED_DOCUMENTS_ONLY=true'), extensions: { code: 'QUERY_NOT_IN_SAFELIST' } },
    ]);
    expect(r.body.data).toBeUndefined();
    // Apollo Client 4 asks for application/graphql-response+json: the refusal comes in it, as Apollo Server answers.
    const typed = await post(t, { query: ARBITRARY }, { accept: 'application/graphql-response+json, application/json;q=0.9' });
    expect(typed.type).toMatch(/^application\/graphql-response\+json/);
    expect(upstreamRequests()).toBe(0);
  });

  it('refuses an unknown id with PERSISTED_QUERY_NOT_IN_LIST (and does not fall back to APQ)', async () => {
    const r = await post(t, byId('0'.repeat(64)));
    expect(r.status).toBe(400);
    expect(r.body.errors![0]!.extensions).toEqual({ code: 'PERSISTED_QUERY_NOT_IN_LIST' });
    // APQ registration (id and text together) of an unlisted document is refused the same way.
    const { createHash } = await import('node:crypto');
    const register = await post(t, {
      query: ARBITRARY,
      extensions: { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(ARBITRARY).digest('hex') } },
    });
    expect(register.body.errors![0]!.extensions).toEqual({ code: 'PERSISTED_QUERY_NOT_IN_LIST' });
    expect(upstreamRequests()).toBe(0);
  });

  it('refuses a listed id sent with another document (the id does not vouch for it)', async () => {
    const r = await post(t, { ...byId(op('Platforms').id), query: ARBITRARY });
    expect(r.status).toBe(400);
    expect(r.body.errors![0]!.extensions).toEqual({ code: 'CANNOT_SEND_PQ_ID_AND_BODY' });
    expect(upstreamRequests()).toBe(0);
  });

  it('refuses by GET and in a batch as by POST; a listed id by GET runs', async () => {
    const get = await fetch(`${t.url}/?query=${encodeURIComponent(ARBITRARY)}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(get.status).toBe(400);
    expect(((await get.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('QUERY_NOT_IN_SAFELIST');
    const batch = await post(t, [byId(op('Platforms').id), { query: ARBITRARY }]);
    expect(batch.status).toBe(400);
    expect(upstreamRequests()).toBe(0);

    const params = new URLSearchParams({ extensions: JSON.stringify(byId(op('Platforms').id).extensions) });
    const listed = await fetch(`${t.url}/?${params}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { data: { providers: unknown[] } }).data.providers).toHaveLength(5);
  });

  it('answers _service { sdl } and introspection, but not a document that adds anything to them', async () => {
    const sdl = await post(t, { query: '{ _service { sdl } }' });
    expect(sdl.status).toBe(200);
    expect((sdl.body.data!._service as { sdl: string }).sdl).toContain('type Recording');
    const intro = await post(t, { query: '{ __schema { queryType { name } } }' });
    expect(intro.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const smuggled = await post(t, { query: `{ _service { sdl } users(provider: CLOUDCX) { totalCount } }` });
    expect(smuggled.status).toBe(400);
    const mutation = await post(t, {
      query: 'mutation { startAgentCall(agentName: "alice", destination: "+15550100199", tenantDomain: "acme.cx.example.com") { accepted } }',
    });
    expect(mutation.status).toBe(400);
    expect(upstreamRequests()).toBe(0);
  });

  it('refuses _entities from anyone but an authenticated router: it would select any field of any entity', async () => {
    const r = await post(t, { query: ENTITIES, variables: { r: [REPRESENTATION] } });
    expect(r.status).toBe(400);
    expect(r.body.errors![0]!.extensions).toEqual({ code: 'QUERY_NOT_IN_SAFELIST' });
    expect(upstreamRequests()).toBe(0);
  });
});

describe('a mixed fleet on one Redis: a replica without _ONLY registers a document through APQ', () => {
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const apqExt = (hash: unknown) => ({ persistedQuery: { version: 1, sha256Hash: hash } });
  let open: TestServer; // no _ONLY: a staging replica, or one not yet given the variable
  let only: TestServer;
  beforeAll(async () => {
    if (!HAS_REDIS) return;
    const ns = uniqueNamespace();
    open = await startServer({ ...sims.env, REDIS_URL, CXGRAPH_REDIS_PREFIX: ns });
    only = await startServer({
      ...sims.env,
      REDIS_URL,
      CXGRAPH_REDIS_PREFIX: ns,
      CXGRAPH_PERSISTED_DOCUMENTS: MANIFEST,
      CXGRAPH_PERSISTED_DOCUMENTS_ONLY: 'true',
    });
    // Registered in the shared cache by the open replica, and readable there by every replica.
    const registered = await post(open, { query: ARBITRARY, extensions: apqExt(sha(ARBITRARY)) });
    expect(registered.status).toBe(200);
    for (let i = 0; i < 40 && (await post(open, { extensions: apqExt(sha(ARBITRARY)) })).status !== 200; i++) await new Promise((r) => setTimeout(r, 25));
  });
  afterAll(async () => {
    await open?.close();
    await only?.close();
  });

  it.skipIf(!HAS_REDIS)('the _ONLY replica refuses the registered hash sent as an array, by POST and by GET, and asks no platform', async () => {
    for (const s of allSims()) s.server.resetCounts();
    const byPost = await post(only, { extensions: apqExt([sha(ARBITRARY)]) });
    expect(byPost.status).toBe(400);
    expect(byPost.body.data).toBeUndefined();
    expect(byPost.body.errors![0]!.message).toMatch(/sha256Hash.*64 lowercase hexadecimal/);
    const params = new URLSearchParams({ extensions: JSON.stringify(apqExt([sha(ARBITRARY)])) });
    const byGet = await fetch(`${only.url}/?${params}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(byGet.status).toBe(400);
    expect(JSON.stringify(await byGet.json())).not.toContain('"data"');
    // As a string it is an id not in the list, as before.
    expect((await post(only, { extensions: apqExt(sha(ARBITRARY)) })).body.errors![0]!.extensions).toEqual({ code: 'PERSISTED_QUERY_NOT_IN_LIST' });
    expect(upstreamRequests()).toBe(0);
  });

  it.skipIf(!HAS_REDIS)('any hash that is not 64 lowercase hex characters is a 400 on every replica, _ONLY or not', async () => {
    const h = sha(ARBITRARY);
    for (const t of [open, only]) {
      for (const bad of [[h], h.toUpperCase(), `${h}0`, { h }, 42, null, '']) {
        const r = await post(t, { extensions: apqExt(bad) });
        expect(r.status, JSON.stringify(bad)).toBe(400);
        expect(r.body.errors![0]!.extensions).toEqual({ code: 'BAD_REQUEST' });
      }
      expect((await post(t, { extensions: { persistedQuery: { version: 1 } } })).status).toBe(400);
    }
    expect(upstreamRequests()).toBe(0);
  });

  it.skipIf(!HAS_REDIS)('the document about to execute is checked, whatever path resolved it (APQ from the shared cache, past the HTTP gate)', async () => {
    for (const s of allSims()) s.server.resetCounts();
    const contextValue = createContext(only.server.services, 'direct', { caller: { kind: 'anonymous' }, serveScopeDirectives: true, mediaUrl: (p) => p });
    const fromCache = await only.server.apollo.executeOperation({ extensions: apqExt(sha(ARBITRARY)) }, { contextValue });
    const body = fromCache.body as { kind: 'single'; singleResult: { data?: unknown; errors?: { extensions?: { code?: string } }[] } };
    expect(body.singleResult.data).toBeUndefined();
    expect(body.singleResult.errors![0]!.extensions!.code).toBe('QUERY_NOT_IN_SAFELIST');
    expect(fromCache.http.status).toBe(400);
    // A listed document still runs that way.
    const listed = await only.server.apollo.executeOperation({ query: op('Platforms').body }, { contextValue });
    expect((listed.body as typeof body).singleResult.errors).toBeUndefined();
    expect(upstreamRequests()).toBe(0);
  });
});

describe('CXGRAPH_PERSISTED_DOCUMENTS_ONLY=true behind a router (CXGRAPH_AUTH=router-secret)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({
      ...sims.env,
      CXGRAPH_PERSISTED_DOCUMENTS: MANIFEST,
      CXGRAPH_PERSISTED_DOCUMENTS_ONLY: 'true',
      CXGRAPH_AUTH: 'router-secret',
      CXGRAPH_ROUTER_SECRET: SECRET,
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('runs the router’s own documents (its _entities fetches): the router safelists its clients itself', async () => {
    const r = await post(t, { query: ENTITIES, variables: { r: [REPRESENTATION] } }, { 'x-router-secret': SECRET });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ _entities: [{ exists: true, callId: SAMPLE_RECORDINGS[0]!.callId }] });
    expect(upstreamRequests()).toBeGreaterThan(0);
  });

  it('still resolves listed ids for it, and refuses nothing but callers without the secret', async () => {
    const r = await post(t, byId(op('Platforms').id), { 'x-router-secret': SECRET });
    expect(r.status).toBe(200);
    const anonymous = await post(t, { query: ARBITRARY });
    expect(anonymous.status).toBe(401);
  });
});

describe('CXGRAPH_PERSISTED_DOCUMENTS without _ONLY', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ ...sims.env, CXGRAPH_PERSISTED_DOCUMENTS: MANIFEST });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('resolves listed ids and lets every other document run; an unknown id is left to APQ', async () => {
    const listed = await post(t, byId(op('Users').id, USERS_VARS));
    expect(listed.body.errors).toBeUndefined();
    const free = await post(t, { query: '{ users(provider: CLOUDCX, pageSize: 2) { totalCount } }' });
    expect(free.body.data).toEqual({ users: { totalCount: 30 } });
    const unknown = await post(t, byId('f'.repeat(64)));
    expect(unknown.body.errors![0]!.extensions!.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('start-up checks of the manifest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cxgraph-pq-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const problem = (env: Record<string, string>) => {
    try {
      loadConfig({ NODE_ENV: 'test', ...env });
    } catch (e) {
      if (e instanceof ConfigError) return e.message;
      throw e;
    }
    return 'no problem';
  };

  it('reads the manifest once, at start-up', () => {
    const config = loadConfig({ NODE_ENV: 'test', CXGRAPH_PERSISTED_DOCUMENTS: MANIFEST, CXGRAPH_PERSISTED_DOCUMENTS_ONLY: 'true' });
    expect(config.persistedDocuments).toMatchObject({ path: MANIFEST, only: true });
    expect(config.persistedDocuments!.operations).toHaveLength(manifest.operations.length);
  });

  it('names the variable and says what is wrong with the file', () => {
    expect(problem({ CXGRAPH_PERSISTED_DOCUMENTS: join(dir, 'missing.json') })).toMatch(
      /CXGRAPH_PERSISTED_DOCUMENTS: cannot read .*missing\.json \(no such file\)/,
    );
    expect(problem({ CXGRAPH_PERSISTED_DOCUMENTS: dir })).toMatch(/CXGRAPH_PERSISTED_DOCUMENTS: cannot read .* \(a directory\)/);
    expect(problem({ CXGRAPH_PERSISTED_DOCUMENTS: file('broken.json', '{"format": ') })).toMatch(/CXGRAPH_PERSISTED_DOCUMENTS: .*broken\.json is not JSON/);
    expect(problem({ CXGRAPH_PERSISTED_DOCUMENTS: file('client.json', JSON.stringify({ abc: 'query A { a }' })) })).toMatch(
      /CXGRAPH_PERSISTED_DOCUMENTS: .*client\.json: expected an Apollo persisted query manifest: \{ "format": "apollo-persisted-query-manifest".*got format null/,
    );
    const bad = (operations: unknown) => file('bad.json', JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }));
    expect(problem({ CXGRAPH_PERSISTED_DOCUMENTS: bad([{ id: 'a', body: 'query { ' }]) })).toMatch(/operation #1 \(a\) is not a GraphQL document/);
    expect(problem({ CXGRAPH_PERSISTED_DOCUMENTS: bad([{ body: '{ a }' }]) })).toMatch(/operation #1 has no "id"/);
    expect(
      problem({
        CXGRAPH_PERSISTED_DOCUMENTS: bad([
          { id: 'a', body: '{ a }' },
          { id: 'a', body: '{ b }' },
        ]),
      }),
    ).toMatch(/the id a is listed twice with different bodies/);
    expect(
      problem({ CXGRAPH_PERSISTED_DOCUMENTS: file('v2.json', JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 2, operations: [] })) }),
    ).toMatch(/expected manifest version 1, got 2/);
  });

  it('refuses _ONLY without a manifest, and a value that is not true or false', () => {
    expect(problem({ CXGRAPH_PERSISTED_DOCUMENTS_ONLY: 'true' })).toMatch(/CXGRAPH_PERSISTED_DOCUMENTS_ONLY: true needs CXGRAPH_PERSISTED_DOCUMENTS/);
    expect(problem({ CXGRAPH_PERSISTED_DOCUMENTS: MANIFEST, CXGRAPH_PERSISTED_DOCUMENTS_ONLY: 'yes' })).toMatch(
      /CXGRAPH_PERSISTED_DOCUMENTS_ONLY: expected one of true, false/,
    );
  });
});
