/**
 * PBX accounts per tenant (docs/tenancy.md, "PBX accounts"): the PBX app is one, shared; each connected account
 * belongs to the tenant that began its consent. Real HTTP against the PBX simulator, real Redis under a prefix of
 * this file's own, tenants named by the router header (CXGRAPH_TENANT_HEADER + router-secret).
 *
 * The story: a single-tenant deployment connects client1 (PBX user 20); the same Redis is then served in multi-tenant
 * mode, where tenant default still has it (same keys, nothing migrated), acme connects client1 and client1-supervisor
 * (20, 21: PBX client 12) and globex client2 (30: PBX client 13). Each sees, through every PBX field, entity reference
 * and media link, only its own; another tenant's consent state, account ids and media paths get it nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createClient } from '@keyv/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consent, createPbxSimulator, SAMPLE_PBX_CALLS } from '../../src/simulators/index.js';
import { PbxConsentStates } from '../../src/providers/pbx/consent-states.js';
import { MemoryKvStore } from '../../src/store/memory-store.js';
import type { KvStore } from '../../src/store/kv-store.js';
import { encodeRef } from '../../src/tenancy/entity-ref.js';
import type { TestServer } from '../support/harness.js';
import { connectPbxUser, startWithPbx } from '../support/pbx.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';
import { useSimulator } from '../support/simulators.js';

const ROUTER_SECRET = 'router-secret-for-pbx-tenancy-tests-0123456789';
const as = (tenant: string) => ({ 'x-router-secret': ROUTER_SECRET, 'x-tenant-id': tenant });

const ACCOUNTS = '{ pbxAccounts { id login status } }';
const CALLS = `{ calls(provider: PBX, from: "2024-05-01T00:00:00Z", to: "2024-05-02T00:00:00Z", first: 100) {
  nodes { id ref media { key downloadUrl } } } }`;
const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) {
  ... on PbxAccount { id login } ... on Agent { id name } ... on Call { id startTime } } }`;

type Accounts = { pbxAccounts: { id: string; login: string; status: string }[] };
type Calls = { calls: { nodes: { id: string; ref: string; media: { key: string; downloadUrl: string }[] }[] } };

const callIdsOf = (clientId: number) =>
  SAMPLE_PBX_CALLS.filter((c) => c.client_id === clientId)
    .map((c) => c.call_uuid)
    .sort();

describe.skipIf(!HAS_REDIS)('PBX accounts per tenant', () => {
  const sim = useSimulator(createPbxSimulator());
  const ns = uniqueNamespace();
  /** The PBX host's part of every PBX key (the simulator's URL is known once it runs). */
  const host = () => createHash('sha256').update(sim.baseUrl).digest('hex').slice(0, 12);
  const redisEnv = { REDIS_URL, CXGRAPH_REDIS_PREFIX: ns, CXGRAPH_ENCRYPTION_KEYS: randomBytes(32).toString('base64') };
  let t: TestServer;

  const ids = async (tenant: string) => (await t.gql<Accounts>(ACCOUNTS, undefined, as(tenant))).data!.pbxAccounts.map((a) => a.id);
  /** Every key under this file's prefix (names only: some are sets). */
  const keys = async (): Promise<string[]> => {
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    try {
      const found: string[] = [];
      for await (const batch of redis.scanIterator({ MATCH: `${ns}*`, COUNT: 1000 })) found.push(...batch);
      return found;
    } finally {
      await redis.close();
    }
  };

  /** begin (as `tenant`) → the PBX consent page (Allow, as `login`) → where the PBX sends the browser back. */
  const consentAs = async (tenant: string, login: string): Promise<URL> => {
    const begin = await t.gql<{ beginPbxConnection: { authorizationUrl: string } }>(
      'mutation { beginPbxConnection { authorizationUrl } }',
      undefined,
      as(tenant),
    );
    expect(begin.errors).toBeUndefined();
    return consent(begin.data!.beginPbxConnection.authorizationUrl, { login, decision: 'allow' });
  };
  /** The browser follows the redirect: no token, no tenant header. */
  const follow = async (callback: URL, headers: Record<string, string> = {}) => {
    const res = await fetch(callback, { redirect: 'manual', headers });
    return { status: res.status, text: await res.text() };
  };

  beforeAll(async () => {
    // Single-tenant, as deployments run today: client1 connected for tenant default.
    const single = await startWithPbx(sim, redisEnv);
    try {
      await connectPbxUser(single, 'client1');
    } finally {
      await single.close();
    }
    t = await startWithPbx(sim, { ...redisEnv, CXGRAPH_AUTH: 'router-secret', CXGRAPH_ROUTER_SECRET: ROUTER_SECRET, CXGRAPH_TENANT_HEADER: 'x-tenant-id' });
    for (const [tenant, login] of [
      ['acme', 'client1'],
      ['acme', 'client1-supervisor'],
      ['globex', 'client2'],
    ] as const) {
      const page = await follow(await consentAs(tenant, login));
      expect(page.status, page.text).toBe(200);
    }
  });

  afterAll(async () => {
    await t?.close();
    const left = await keys();
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    try {
      if (left.length) await redis.del(left);
    } finally {
      await redis.close();
    }
  });

  it("tenant default keeps single-tenant mode's accounts under the same keys: nothing to migrate", async () => {
    expect(await ids('default')).toEqual(['20']);
    const all = await keys();
    // Tenant default's record is where single-tenant mode wrote it; other tenants' carry the tenant in the key.
    expect(all.filter((k) => k.endsWith(`pbx:${host()}:account:20`) && !k.includes(':t:'))).toHaveLength(1);
    for (const [tenant, id] of [
      ['acme', '20'],
      ['acme', '21'],
      ['globex', '30'],
    ])
      expect(all.filter((k) => k.endsWith(`t:${tenant}:pbx:default:pbx:${host()}:account:${id}`))).toHaveLength(1);
    expect(all.filter((k) => k.includes(':t:default:'))).toEqual([]);
    // It still answers: its own trusted app, its own token.
    const agents = await t.gql<{ agents: { id: string }[] }>('{ agents(provider: PBX) { id } }', undefined, as('default'));
    expect(agents.data!.agents.map((a) => a.id)).toEqual(['1201', '1202', '1203']);
    // PBX user 20 has two connections: tenant default's (from single-tenant mode) and acme's, each its own trusted app.
    expect(sim.trustedApps().filter((a) => a.userId === 20)).toHaveLength(2);
  });

  it('each tenant lists only its own PBX accounts: pbxAccounts, pbxAccount, accounts and providers', async () => {
    expect(await ids('acme')).toEqual(['20', '21']);
    expect(await ids('globex')).toEqual(['30']);
    expect(await ids('initech')).toEqual([]);

    const one = 'query ($id: ID!) { pbxAccount(id: $id) { id login } }';
    expect((await t.gql(one, { id: '30' }, as('acme'))).data).toEqual({ pbxAccount: null });
    expect((await t.gql(one, { id: '20' }, as('globex'))).data).toEqual({ pbxAccount: null });
    expect((await t.gql(one, { id: '20' }, as('acme'))).data).toEqual({ pbxAccount: { id: '20', login: 'client1' } });

    const q = '{ accounts { provider name isDefault } providers { provider account status connectedAccounts } }';
    type Rows = { accounts: { provider: string }[]; providers: { provider: string; account: string; status: string; connectedAccounts: number | null }[] };
    const pbxRow = async (tenant: string) => {
      const r = await t.gql<Rows>(q, undefined, as(tenant));
      expect(r.errors).toBeUndefined();
      expect(r.data!.accounts).toEqual([{ provider: 'PBX', name: 'default', isDefault: true }]);
      return r.data!.providers.filter((p) => p.provider === 'PBX');
    };
    expect(await pbxRow('acme')).toEqual([{ provider: 'PBX', account: 'default', status: 'CONNECTED', connectedAccounts: 2 }]);
    expect(await pbxRow('globex')).toEqual([{ provider: 'PBX', account: 'default', status: 'CONNECTED', connectedAccounts: 1 }]);
    expect(await pbxRow('initech')).toEqual([{ provider: 'PBX', account: 'default', status: 'NOT_CONNECTED', connectedAccounts: 0 }]);
    // An account name other than default is this tenant's question only.
    const named = await t.gql('{ agents(provider: PBX, account: "30") { id } }', undefined, as('acme'));
    expect(named.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(named.errors?.[0]?.message).toContain("this tenant's PBX accounts are default");
  });

  it("agents, calls and entity references answer from the tenant's own accounts only", async () => {
    const agents = async (tenant: string) =>
      (await t.gql<{ agents: { id: string }[] }>('{ agents(provider: PBX) { id } }', undefined, as(tenant))).data!.agents.map((a) => a.id);
    expect(await agents('acme')).toEqual(['1201', '1202', '1203']);
    expect(await agents('globex')).toEqual(['1301']);
    expect(await agents('initech')).toEqual([]);

    const acme = await t.gql<Calls>(CALLS, undefined, as('acme'));
    const globex = await t.gql<Calls>(CALLS, undefined, as('globex'));
    expect(acme.errors).toBeUndefined();
    expect(acme.data!.calls.nodes.map((c) => c.id).sort()).toEqual(callIdsOf(12));
    expect(globex.data!.calls.nodes.map((c) => c.id).sort()).toEqual(callIdsOf(13));
    // A ref names the platform, the account (`default`: the tenant's PBX) and the id, never the tenant.
    const acmeCall = acme.data!.calls.nodes[0]!;
    expect(acmeCall.ref).toBe(encodeRef('PBX', 'default', acmeCall.id));

    const r = await t.gql<{ _entities: unknown[] }>(
      ENTITIES,
      {
        r: [
          { __typename: 'PbxAccount', id: '30' },
          { __typename: 'PbxAccount', ref: encodeRef('PBX', 'default', '30') },
          { __typename: 'PbxAccount', ref: encodeRef('PBX', '30', '30') },
          { __typename: 'Agent', provider: 'PBX', id: '1301' },
          { __typename: 'Agent', ref: encodeRef('PBX', 'default', '1301') },
          { __typename: 'PbxAccount', ref: encodeRef('PBX', 'default', '21') },
          { __typename: 'Call', ref: globex.data!.calls.nodes[0]!.ref },
        ],
      },
      as('acme'),
    );
    expect(r.errors).toBeUndefined();
    // The PBX has no call by id: a call reference answers its key only, whoever's id it names.
    expect(r.data!._entities).toEqual([
      null,
      null,
      null,
      null,
      null,
      { id: '21', login: 'client1-supervisor' },
      { id: globex.data!.calls.nodes[0]!.id, startTime: null },
    ]);
    expect(r.raw).not.toContain('client2');
    expect(r.raw).not.toContain('Reception');
  });

  it("media links are the tenant's own: served from its accounts; another tenant's account ids find nothing", async () => {
    const acme = (await t.gql<Calls>(CALLS, undefined, as('acme'))).data!.calls.nodes.flatMap((c) => c.media);
    const globex = (await t.gql<Calls>(CALLS, undefined, as('globex'))).data!.calls.nodes.flatMap((c) => c.media);
    const tenantDefault = (await t.gql<Calls>(CALLS, undefined, as('default'))).data!.calls.nodes.flatMap((c) => c.media);
    expect(acme[0]!.downloadUrl).toMatch(new RegExp(`^${t.url}/media/@acme/default/pbx/2[01]/${acme[0]!.key}\\?exp=\\d+&sig=`));
    expect(globex[0]!.downloadUrl).toMatch(new RegExp(`^${t.url}/media/@globex/default/pbx/30/${globex[0]!.key}\\?`));
    expect(tenantDefault[0]!.downloadUrl).toMatch(new RegExp(`^${t.url}/media/pbx/20/${tenantDefault[0]!.key}\\?`));
    for (const m of [acme[0]!, globex[0]!, tenantDefault[0]!]) {
      const res = await fetch(m.downloadUrl);
      expect(res.status, m.downloadUrl).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }

    // Validly signed paths (the link check passes) that put acme's account or record under globex: globex's own
    // accounts answer, so account 20 is unknown there (no PBX request) and client 13's account cannot read client 12's record.
    const storageUrls = sim.server.count('storage_url');
    const crossed = await fetch(t.server.mediaLinks.url(`/media/@globex/default/pbx/20/${acme[0]!.key}`));
    expect(crossed.status).toBe(404);
    expect(await crossed.text()).toContain('No connected PBX account 20');
    expect(sim.server.count('storage_url')).toBe(storageUrls);
    expect((await fetch(t.server.mediaLinks.url(`/media/@globex/default/pbx/30/${acme[0]!.key}`))).status).toBe(404);
    // A link cannot be moved to another tenant: the signature covers the whole path.
    const moved = new URL(acme[0]!.downloadUrl);
    moved.pathname = moved.pathname.replace('/@acme/', '/@globex/');
    expect((await fetch(moved)).status).toBe(403);
  });

  it('a consent belongs to the tenant that began it: another tenant cannot finish, hijack or replay it', async () => {
    const tokens = () => sim.server.count('token');
    const before = { acme: await ids('acme'), globex: await ids('globex') };

    // acme begins; the callback comes back carrying globex's credentials: refused, the state spent, nothing stored.
    const hijacked = await consentAs('acme', 'client2');
    const sent = tokens();
    const asGlobex = await follow(hijacked, as('globex'));
    expect(asGlobex.status).toBe(403);
    expect(asGlobex.text).toContain('started for another organisation');
    expect(asGlobex.text).not.toContain('acme');
    expect(tokens()).toBe(sent);
    expect((await follow(hijacked)).status).toBe(400); // single use: not even its own browser can finish it now
    expect({ acme: await ids('acme'), globex: await ids('globex') }).toEqual(before);

    // A tampered state is unknown; a state never begun is unknown; neither reaches the PBX.
    const callback = await consentAs('acme', 'client2');
    const state = callback.searchParams.get('state')!;
    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`);
    const forged = new URL(callback);
    forged.searchParams.set('state', randomBytes(32).toString('base64url'));
    for (const u of [tampered, forged]) {
      const page = await follow(u, as('acme'));
      expect(page.status).toBe(400);
      expect(page.text).toContain('unknown, has expired (after 10 minutes) or was already used');
    }
    expect(tokens()).toBe(sent);

    // The genuine callback, with acme's own credentials this time, connects client2 for acme only.
    const done = await follow(callback, as('acme'));
    expect(done.status, done.text).toBe(200);
    expect(await ids('acme')).toEqual(['20', '21', '30']);
    expect(await ids('globex')).toEqual(['30']);
    expect(sim.trustedApps().filter((a) => a.userId === 30)).toHaveLength(2); // globex's app and acme's: two connections
    // Replayed: refused, nothing more asked of the PBX or stored.
    const after = tokens();
    expect((await follow(callback)).status).toBe(400);
    expect(tokens()).toBe(after);
    expect(t.logs.text).not.toContain(state);
  });

  it("disconnect acts on the caller tenant's accounts only", async () => {
    const disconnect = 'mutation ($id: ID!) { disconnectPbxAccount(id: $id) }';
    expect((await t.gql(disconnect, { id: '20' }, as('globex'))).data).toEqual({ disconnectPbxAccount: false });
    expect((await t.gql(disconnect, { id: '21' }, as('globex'))).data).toEqual({ disconnectPbxAccount: false });
    expect(await ids('acme')).toEqual(['20', '21', '30']);

    expect((await t.gql(disconnect, { id: '30' }, as('acme'))).data).toEqual({ disconnectPbxAccount: true });
    expect((await t.gql(disconnect, { id: '30' }, as('acme'))).data).toEqual({ disconnectPbxAccount: false });
    expect(await ids('acme')).toEqual(['20', '21']);
    expect(await ids('globex')).toEqual(['30']);
    expect((await t.gql<{ agents: { id: string }[] }>('{ agents(provider: PBX) { id } }', undefined, as('globex'))).data!.agents).toEqual([{ id: '1301' }]);
    expect((await keys()).filter((k) => k.endsWith(`t:acme:pbx:default:pbx:${host()}:account:30`))).toEqual([]);

    const bad = await t.gql(disconnect, { id: '20/../21' }, as('acme'));
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await ids('default')).toEqual(['20']);
  });
});

describe('consent states', () => {
  const PBX = 'https://pbx.example';
  const host = createHash('sha256').update(PBX).digest('hex').slice(0, 12);
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');

  it("name the tenant that began them, once; tenant default's are kept where earlier versions look, others' apart", async () => {
    const kv = new MemoryKvStore();
    const states = new PbxConsentStates(kv, PBX);
    const acme = await states.create('acme');
    const ours = await states.create();
    // A replica of an earlier version reads `state:` keys only: it never finds (so never finishes) acme's attempt.
    expect(await kv.get(`pbx:${host}:state:${sha(acme)}`)).toBeUndefined();
    expect(await kv.get(`pbx:${host}:tstate:${sha(acme)}`)).toMatchObject({ tenant: 'acme' });
    expect(await kv.get(`pbx:${host}:state:${sha(ours)}`)).toEqual({ createdAt: expect.any(Number) });
    expect(await states.claim(acme)).toBe('acme');
    expect(await states.claim(acme)).toBeUndefined();
    expect(await states.claim(ours)).toBe('default');
    expect(await states.claim(ours)).toBeUndefined();
  });

  it('kept in process while the store cannot take them, still bound to their tenant and single-use', async () => {
    const kv = new MemoryKvStore();
    const down: KvStore = Object.assign(Object.create(kv) as KvStore, {
      compareAndSet: async () => false,
      tryLock: async () => async () => {},
      read: async () => ({ status: 'unavailable' }) as const,
    });
    const states = new PbxConsentStates(down, PBX);
    const state = await states.create('globex');
    const claims = await Promise.all([states.claim(state), states.claim(state), states.claim(state)]);
    expect(claims.filter((c) => c !== undefined)).toEqual(['globex']);
  });
});
