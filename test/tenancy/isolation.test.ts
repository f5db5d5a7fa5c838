/**
 * The isolation contract (docs/tenancy.md): two tenants × two NewVoiceMedia accounts each, four simulators with their
 * own credentials and users. A caller of one tenant never gets another tenant's data by a root field, an entity
 * reference (by `ref` or by the old key), a media link, an error text or a `providers` row.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNvmSimulator, DEFAULT_NVM_CLIENT, sampleNvmUsers as sampleUsers, type NvmSimulator } from '../../src/simulators/index.js';
import { encodeRef } from '../../src/tenancy/entity-ref.js';
import { startServer, type TestServer } from '../support/harness.js';

const ROUTER_SECRET = 'router-secret-for-tenancy-tests-0123456789';
const ACCOUNTS = [
  ['acme', 'emea'],
  ['acme', 'nam'],
  ['globex', 'emea'],
  ['globex', 'apac'],
] as const;
const label = (t: string, a: string) => `${t}-${a}`;

describe('tenant isolation (two tenants × two accounts)', () => {
  const sims = new Map<string, NvmSimulator>();
  let t: TestServer;

  const as = (tenant: string | undefined) => ({ 'x-router-secret': ROUTER_SECRET, ...(tenant ? { 'x-tenant-id': tenant } : {}) });

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cxgraph-tenancy-'));
    const tenants: Record<string, Record<string, Record<string, Record<string, unknown>>>> = {};
    for (const [tenant, account] of ACCOUNTS) {
      const l = label(tenant, account);
      const users = sampleUsers()
        .slice(0, 4)
        .map((u, i) => ({ ...u, userId: `${l}-user-${i}`, username: `user${i}@${l}.example`, name: `${l} person ${i}` }));
      const sim = createNvmSimulator({ clients: [{ ...DEFAULT_NVM_CLIENT, clientId: `${l}-id`, clientSecret: `${l}-secret` }], users });
      await sim.start();
      sims.set(l, sim);
      const secretFile = join(dir, `${l}.secret`);
      writeFileSync(secretFile, `${l}-secret\n`);
      ((tenants[tenant] ??= {}).NEWVOICEMEDIA ??= {})[account] = {
        ...(account === 'emea' ? { default: true } : {}),
        clientId: `${l}-id`,
        clientSecretFile: secretFile,
        authBaseUrl: sim.env().NVM_AUTH_BASE_URL,
        apiBaseUrl: sim.env().NVM_API_BASE_URL,
      };
    }
    const path = join(dir, 'accounts.json');
    writeFileSync(path, JSON.stringify({ tenants }));
    t = await startServer({
      CXGRAPH_AUTH: 'router-secret',
      CXGRAPH_ROUTER_SECRET: ROUTER_SECRET,
      CXGRAPH_TENANT_HEADER: 'x-tenant-id',
      CXGRAPH_ACCOUNTS_FILE: path,
      CXGRAPH_SIMULATORS: 'off',
    });
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all([...sims.values()].map((s) => s.stop()));
  });

  it('refuses a request that names no tenant (never served as default)', async () => {
    const r = await t.gql('{ accounts { name } }', undefined, as(undefined));
    expect(r.status).toBe(401);
    expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(r.errors?.[0]?.message).toContain('names no tenant');
  });

  it("lists only the caller tenant's accounts, and one providers row per account", async () => {
    const r = await t.gql<{
      accounts: { provider: string; name: string; isDefault: boolean }[];
      providers: { provider: string; account: string; status: string }[];
    }>('{ accounts { provider name isDefault } providers { provider account status } }', undefined, as('acme'));
    expect(r.errors).toBeUndefined();
    expect(r.data!.accounts).toEqual([
      { provider: 'NEWVOICEMEDIA', name: 'emea', isDefault: true },
      { provider: 'NEWVOICEMEDIA', name: 'nam', isDefault: false },
    ]);
    const nvmRows = r.data!.providers.filter((p) => p.provider === 'NEWVOICEMEDIA');
    expect(nvmRows.map((p) => p.account)).toEqual(['emea', 'nam']);
    expect(r.raw).not.toContain('globex');
    expect(r.raw).not.toContain('apac');
  });

  it('answers each account from its own platform, the default when account is omitted', async () => {
    const q = 'query($a: String) { users(provider: NEWVOICEMEDIA, account: $a) { nodes { id name ref } } }';
    for (const [tenant, account] of ACCOUNTS) {
      const r = await t.gql<{ users: { nodes: { id: string; ref: string }[] } }>(q, { a: account }, as(tenant));
      expect(r.errors).toBeUndefined();
      expect(r.data!.users.nodes.map((u) => u.id)).toEqual([0, 1, 2, 3].map((i) => `${label(tenant, account)}-user-${i}`));
      expect(r.data!.users.nodes[0]!.ref).toBe(encodeRef('NEWVOICEMEDIA', account, `${label(tenant, account)}-user-0`));
    }
    const byDefault = await t.gql<{ users: { nodes: { id: string }[] } }>(q, {}, as('globex'));
    expect(byDefault.data!.users.nodes[0]!.id).toBe('globex-emea-user-0');
  });

  it("an account of another tenant is unknown, and the message names only the caller's own accounts", async () => {
    const r = await t.gql('{ users(provider: NEWVOICEMEDIA, account: "apac") { nodes { id } } }', undefined, as('acme'));
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toContain("this tenant's NEWVOICEMEDIA accounts are emea, nam");
    expect(r.raw).not.toContain('globex');
    // A tenant with no account at all on a platform: not configured, and nothing of anyone else's.
    const none = await t.gql('{ users(provider: CLOUDCX) { nodes { id } } }', undefined, as('acme'));
    expect(none.errors?.[0]?.extensions?.code).toBe('PROVIDER_NOT_CONFIGURED');
  });

  it("_entities by ref resolves within the caller tenant only: a ref naming another tenant's account or ids finds nothing", async () => {
    const q = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name ref } } }';
    const own = encodeRef('NEWVOICEMEDIA', 'nam', 'acme-nam-user-1');
    const othersAccount = encodeRef('NEWVOICEMEDIA', 'apac', 'globex-apac-user-1');
    const othersIds = encodeRef('NEWVOICEMEDIA', 'emea', 'globex-emea-user-1');
    const r = await t.gql<{ _entities: ({ id: string; name: string } | null)[] }>(
      q,
      {
        r: [own, othersAccount, othersIds, 'not-a-ref']
          .map((ref) => ({ __typename: 'User', ref }))
          .concat([{ __typename: 'User', provider: 'NEWVOICEMEDIA', id: 'globex-emea-user-2' } as never]),
      },
      as('acme'),
    );
    expect(r.data!._entities[0]).toMatchObject({ id: 'acme-nam-user-1', name: 'acme-nam person 1' });
    expect(r.data!._entities.slice(1)).toEqual([null, null, null, null]);
    expect(r.raw).not.toContain('globex-');
  });

  it('tokens are per account: each simulator was asked only with its own credentials', async () => {
    for (const [tenant, account] of ACCOUNTS) {
      const sim = sims.get(label(tenant, account))!;
      // Every account was used above, each through its own simulator (which accepts only its own client).
      const counts = sim.server.counts();
      expect(
        Object.entries(counts)
          .filter(([k]) => /token/i.test(k))
          .reduce((n, [, v]) => n + v, 0),
      ).toBeGreaterThan(0);
    }
    expect(t.logs.text).not.toMatch(/(acme|globex)-(emea|nam|apac)-secret/);
  });
});
