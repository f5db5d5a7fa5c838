/**
 * Scopes, as a platform team sees them: the mutations that place phone calls or connect PBX accounts carry
 * `@requiresScopes` in the SDL cxgraph serves (what a router's authorization plugin enforces), and cxgraph enforces
 * the same rules itself when it verifies bearer JWTs — a caller without the scope gets FORBIDDEN on that field and
 * the platform hears nothing; reads need an authenticated caller only. Real HTTP, the embedded simulators, and a
 * JWKS served by the test.
 */
import { ApolloGateway } from '@apollo/gateway';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useEmbeddedSimulators } from '../support/simulators.js';
import { subgraphSchema } from '../../src/graphql/schema.js';
import { scopesOf } from '../../src/server/caller-auth.js';
import { enforceScopes, grants, scopeRules } from '../../src/server/scopes.js';
import { SAMPLE_RECORDINGS } from '../../src/simulators/index.js';
import { startServer, type GraphQLResult, type TestServer } from '../support/harness.js';
import { startJwtIssuer, type JwtIssuer } from './jwt-issuer.js';

const AGENT_CALL = 'mutation { startAgentCall(agentName: "alice", destination: "+15550100199", tenantDomain: "acme.cx.example.com") { accepted callId } }';
const QUEUE_CALL = 'mutation { startQueueCallback(queueName: "support", destination: "+15550100199", tenantDomain: "acme.cx.example.com") { accepted } }';
const BEGIN_PBX = 'mutation { beginPbxConnection { authorizationUrl state } }';
const READS = `query ($key: RecordingKey!) { recording(key: $key) { exists } providers { provider } }`;
const known = SAMPLE_RECORDINGS[0]!;
const KEY = { company: known.company, organisation: known.organisation, folder: known.folder, filename: known.filename };

const sims = useEmbeddedSimulators();
let idp: JwtIssuer;
beforeAll(async () => {
  idp = await startJwtIssuer();
});
afterAll(async () => {
  await idp?.close();
});

const sangomaRequests = () => Object.values(sims.sangoma.server.counts()).reduce((a, b) => a + b, 0);
const pbxRequests = () => Object.values(sims.pbx.server.counts()).reduce((a, b) => a + b, 0);

function expectForbidden(r: GraphQLResult, field: string, scope: string) {
  expect(r.status).toBe(200);
  expect(r.data?.[field] ?? null).toBeNull();
  expect(r.errors).toHaveLength(1);
  expect(r.errors![0]!.path).toEqual([field]);
  expect(r.errors![0]!.extensions).toEqual({ code: 'FORBIDDEN', requiredScopes: [[scope]] });
  expect(r.errors![0]!.message).toBe(`Mutation.${field} needs the scope ${scope}, which the bearer token does not grant`);
}

describe('the rules come from the schema', () => {
  it('are the @requiresScopes of schema/*.graphql, and nothing else', () => {
    const rules = scopeRules(subgraphSchema());
    expect(Object.fromEntries(rules)).toEqual({
      'Mutation.startAgentCall': [['calls:write']],
      'Mutation.startQueueCallback': [['calls:write']],
      'Mutation.beginPbxConnection': [['pbx:admin']],
      'Mutation.disconnectPbxAccount': [['pbx:admin']],
    });
  });

  it('alternatives and conjunctions read as Federation defines them', () => {
    expect(grants([['a', 'b'], ['c']], new Set(['a', 'b']))).toBe(true);
    expect(grants([['a', 'b'], ['c']], new Set(['c']))).toBe(true);
    expect(grants([['a', 'b'], ['c']], new Set(['a']))).toBe(false);
    expect(grants([], new Set(['a']))).toBe(false);
  });

  it('scopes are the `scope` string and the `scp` array or string, together', () => {
    expect([...scopesOf({ scope: 'calls:write  users:read' })]).toEqual(['calls:write', 'users:read']);
    expect([...scopesOf({ scp: ['pbx:admin', 'calls:read'] })]).toEqual(['pbx:admin', 'calls:read']);
    expect([...scopesOf({ scp: 'pbx:admin calls:read' })]).toEqual(['pbx:admin', 'calls:read']);
    expect([...scopesOf({ scope: 'a', scp: ['b'] })]).toEqual(['a', 'b']);
    expect([...scopesOf({ scope: ['calls:write'], scp: { x: 1 } })]).toEqual([]);
  });

  it('wrapping the schema twice checks once (servers in one process share it)', () => {
    const schema = subgraphSchema();
    enforceScopes(schema);
    const once = schema.getMutationType()!.getFields().startAgentCall!.resolve;
    enforceScopes(schema);
    expect(schema.getMutationType()!.getFields().startAgentCall!.resolve).toBe(once);
  });
});

describe('CXGRAPH_AUTH=jwt: cxgraph enforces the scopes itself', () => {
  let t: TestServer;
  const as = async (query: string, claims: Record<string, unknown> = {}, variables?: Record<string, unknown>) =>
    t.gql(query, variables, { authorization: `Bearer ${await idp.sign(claims)}` });

  beforeAll(async () => {
    t = await startServer({ ...sims.env, ...idp.env() });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('startAgentCall without calls:write is FORBIDDEN and no request reaches Sangoma', async () => {
    sims.sangoma.server.resetCounts();
    sims.sangoma.clearCalls();
    for (const claims of [{}, { scope: 'calls:read pbx:admin' }, { scp: ['calls:read'] }, { scope: 'calls:write-all' }]) {
      expectForbidden(await as(AGENT_CALL, claims), 'startAgentCall', 'calls:write');
      expectForbidden(await as(QUEUE_CALL, claims), 'startQueueCallback', 'calls:write');
    }
    expect(sangomaRequests()).toBe(0);
    expect(sims.sangoma.calls).toHaveLength(0);
  });

  it('with calls:write (in `scope` or `scp`) the call is placed, once per request', async () => {
    sims.sangoma.clearCalls();
    const r = await as(AGENT_CALL, { scope: 'users:read calls:write' });
    expect(r.errors).toBeUndefined();
    expect(r.data).toMatchObject({ startAgentCall: { accepted: true } });
    expect(sims.sangoma.calls).toHaveLength(1);
    expect((await as(QUEUE_CALL, { scp: ['calls:write'] })).data).toEqual({ startQueueCallback: { accepted: true } });
    expect(sims.sangoma.calls).toHaveLength(2);
  });

  it('beginPbxConnection needs pbx:admin, as a `scope` string or an `scp` array or string', async () => {
    sims.pbx.server.resetCounts();
    for (const claims of [{}, { scope: 'calls:write' }, { scp: ['pbx:read'] }]) expectForbidden(await as(BEGIN_PBX, claims), 'beginPbxConnection', 'pbx:admin');
    expect(pbxRequests()).toBe(0);
    for (const claims of [{ scp: ['pbx:admin'] }, { scp: 'openid pbx:admin' }, { scope: 'pbx:admin' }]) {
      const r = await as(BEGIN_PBX, claims);
      expect(r.errors).toBeUndefined();
      expect((r.data as { beginPbxConnection: { authorizationUrl: string } }).beginPbxConnection.authorizationUrl).toMatch(/^http/);
    }
  });

  it('each field is judged on its own: one operation gets the field it may have and FORBIDDEN on the other', async () => {
    sims.sangoma.clearCalls();
    const r = await as(
      `mutation { call: startAgentCall(agentName: "bob", destination: "+15550100198", tenantDomain: "acme.cx.example.com") { accepted } pbx: beginPbxConnection { state } }`,
      { scope: 'calls:write' },
    );
    expect(r.data).toEqual({ call: { accepted: true }, pbx: null });
    expect(r.errors).toHaveLength(1);
    expect(r.errors![0]).toMatchObject({ path: ['pbx'], extensions: { code: 'FORBIDDEN' } });
    expect(sims.sangoma.calls).toHaveLength(1);
  });

  it('reads need an authenticated caller only: a token with no scope at all', async () => {
    const r = await as(READS, {}, { key: KEY });
    expect(r.errors).toBeUndefined();
    expect(r.data).toMatchObject({ recording: { exists: true } });
    // …and without a token there is no GraphQL at all (401, as before).
    expect((await t.gql(READS, { key: KEY })).status).toBe(401);
  });

  it('_service { sdl } carries the directives the router enforces', async () => {
    const r = await as('{ _service { sdl } }');
    const sdl = (r.data as { _service: { sdl: string } })._service.sdl;
    expect(sdl).toMatch(/import: \[[^\]]*"@requiresScopes"/);
    expect(sdl).toMatch(/startAgentCall\([\s\S]*?\): CallStart[^\n]*@requiresScopes\(scopes: \[\["calls:write"\]\]\)/);
    expect(sdl).toMatch(/startQueueCallback\([\s\S]*?\): CallStart[^\n]*@requiresScopes\(scopes: \[\["calls:write"\]\]\)/);
    expect(sdl).toMatch(/beginPbxConnection: PbxConnectionStart[^\n]*@requiresScopes\(scopes: \[\["pbx:admin"\]\]\)/);
    // and it composes: the supergraph links the requiresScopes spec for the router's authorization plugin.
    const composed = composeServices([{ name: 'cxgraph', url: 'http://cxgraph:4001/', typeDefs: parse(sdl) }]);
    expect(composed.errors).toBeUndefined();
    expect(composed.supergraphSdl).toContain('@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)');
  });
});

describe('CXGRAPH_AUTH=router-secret: the router enforces the directives, cxgraph trusts it', () => {
  it('a mutation from the router is answered without an end-user token', async () => {
    const secret = 'router-secret-Zq7w1v9KpL3mN8xR';
    const t = await startServer({ ...sims.env, CXGRAPH_AUTH: 'router-secret', CXGRAPH_ROUTER_SECRET: secret });
    try {
      sims.sangoma.clearCalls();
      const r = await t.gql(AGENT_CALL, undefined, { 'x-router-secret': secret });
      expect(r.errors).toBeUndefined();
      expect(sims.sangoma.calls).toHaveLength(1);
    } finally {
      await t.close();
    }
  });
});

describe('CXGRAPH_SCOPE_DIRECTIVES=off, for a gateway or router that refuses @requiresScopes', () => {
  const supergraphOf = async (t: TestServer, headers: Record<string, string>) => {
    const sdl = ((await t.gql('{ _service { sdl } }', undefined, headers)).data as { _service: { sdl: string } })._service.sdl;
    const composed = composeServices([{ name: 'cxgraph', url: 'http://cxgraph:4001/', typeDefs: parse(sdl) }]);
    if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
    return { sdl, supergraphSdl: composed.supergraphSdl };
  };
  const gatewayLoads = async (supergraphSdl: string) => {
    const gateway = new ApolloGateway({ supergraphSdl });
    try {
      await gateway.load();
      return 'loaded';
    } catch (e) {
      return (e as Error).message;
    } finally {
      await gateway.stop().catch(() => {});
    }
  };

  it('@apollo/gateway refuses the supergraph with the directives, and loads it without them', async () => {
    const on = await startServer({ ...sims.env, ...idp.env() });
    const off = await startServer({ ...sims.env, ...idp.env(), CXGRAPH_SCOPE_DIRECTIVES: 'off' });
    try {
      const token = { authorization: `Bearer ${await idp.sign()}` };
      expect(await gatewayLoads((await supergraphOf(on, token)).supergraphSdl)).toContain('requiresScopes/v0.1 is for: SECURITY but is unsupported');
      const stripped = await supergraphOf(off, token);
      expect(stripped.sdl).not.toContain('requiresScopes');
      expect(await gatewayLoads(stripped.supergraphSdl)).toBe('loaded');
      // cxgraph still checks the scopes of a JWT itself.
      expectForbidden(await off.gql(AGENT_CALL, undefined, { authorization: `Bearer ${await idp.sign()}` }), 'startAgentCall', 'calls:write');
    } finally {
      await Promise.all([on.close(), off.close()]);
    }
  });
});
