/**
 * CXGRAPH_SIMULATORS=multi-tenant, as `npm start` runs it (src/index.ts): the embedded simulators start twice, the
 * second set for tenant demo-b with its own credentials and data, and the tenant comes from `x-tenant-id`. A newcomer
 * sees isolation: each tenant gets its own users, recordings and accounts, and a request naming no tenant is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { PROVIDERS } from '../../src/providers/index.js';
import { createServer } from '../../src/server/server.js';
import { startEmbeddedSimulators, type DefaultSimulators, type EmbeddedSimulators } from '../../src/simulators/embedded.js';
import { SAMPLE_RECORDINGS } from '../../src/simulators/index.js';
import { DEMO_TENANT } from '../../src/tenancy/tenancy-config.js';
import { graphql } from '../support/harness.js';
import { LogCapture } from '../support/log-capture.js';

const ENV = { NODE_ENV: 'test', LOG_LEVEL: 'debug', CXGRAPH_SIMULATORS: 'multi-tenant', CXGRAPH_RECORDING_CACHE_TTL_SECONDS: '0' };
const { company, organisation, folder, filename } = SAMPLE_RECORDINGS[0]!;
const QUERY = `query ($key: RecordingKey!) {
  accounts { provider name isDefault }
  nvm: users(provider: NEWVOICEMEDIA, pageSize: 3) { nodes { id name email } }
  cloudcx: users(provider: CLOUDCX, search: "simon") { nodes { id name email } }
  recording(key: $key) { exists callId }
}`;

interface Answer {
  accounts: { provider: string; name: string; isDefault: boolean }[];
  nvm: { nodes: { id: string; name: string; email: string }[] };
  cloudcx: { nodes: { id: string; name: string; email: string }[] };
  recording: { exists: boolean; callId: string | null };
}

describe('CXGRAPH_SIMULATORS=multi-tenant: two demo tenants on simulators of their own', () => {
  let sims: EmbeddedSimulators;
  let url: string;
  let close: () => Promise<void>;
  const logs = new LogCapture();
  const ask = (tenant: string | undefined) =>
    graphql<Answer>(url, QUERY, { key: { company, organisation, folder, filename } }, tenant ? { 'x-tenant-id': tenant } : {});

  beforeAll(async () => {
    // What src/index.ts does: read the configuration, start both sets of simulators, read it again over them.
    const first = loadConfig(ENV);
    expect(first.embeddedSimulators).toBe(true);
    expect(first.demoTenants).toBe(true);
    sims = await startEmbeddedSimulators<DefaultSimulators>(undefined, undefined, undefined, { demoTenant: DEMO_TENANT });
    const config = loadConfig({ ...ENV, ...sims.env }, PROVIDERS, { demoAccounts: sims.demo!.accounts });
    const server = await createServer(config, { logger: logs.logger });
    url = await server.listen(0, '127.0.0.1');
    close = () => server.close();
  });

  afterAll(async () => {
    await close?.();
    await sims?.stop();
  });

  it('serves tenant default from the variables and demo-b from its own accounts, each with its own data', async () => {
    const a = await ask('default');
    const b = await ask(DEMO_TENANT);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    const credential = ['CALLJOURNEY', 'SANGOMA', 'CLOUDCX', 'NEWVOICEMEDIA'];
    expect(a.data!.accounts).toEqual([...credential, 'PBX'].map((provider) => ({ provider, name: 'default', isDefault: true })));
    // demo-b has an account `main` on each credential platform, and its own PBX connection (consent: none connected yet).
    expect(b.data!.accounts).toEqual([
      ...credential.map((provider) => ({ provider, name: 'main', isDefault: true })),
      { provider: 'PBX', name: 'default', isDefault: true },
    ]);

    // Different people behind the same query: no id, name or address in common.
    const people = (r: typeof a) => [...r.data!.nvm.nodes, ...r.data!.cloudcx.nodes];
    const inA = people(a);
    const inB = people(b);
    expect(inA.length).toBeGreaterThan(1);
    expect(inB).toHaveLength(inA.length);
    for (const field of ['id', 'name', 'email'] as const) {
      const ofA = new Set(inA.map((p) => p[field]));
      expect(
        inB.filter((p) => ofA.has(p[field])),
        field,
      ).toEqual([]);
    }
    expect(inB.every((p) => p.email.endsWith(`@${DEMO_TENANT}.example`))).toBe(true);
    // The same file, held by each tenant's own CallJourney under its own call id.
    expect(a.data!.recording).toEqual({ exists: true, callId: SAMPLE_RECORDINGS[0]!.callId });
    expect(b.data!.recording.exists).toBe(true);
    expect(b.data!.recording.callId).not.toBe(SAMPLE_RECORDINGS[0]!.callId);
  });

  it("asks each tenant's platforms with that tenant's credentials only", () => {
    // Tenant default's token requests reached the first set, demo-b's the second: each set accepts only its own client.
    expect(sims.nvm.server.count('token')).toBeGreaterThan(0);
    expect(sims.demo!.urls['NEWVOICEMEDIA']).not.toBe(sims.urls.NEWVOICEMEDIA);
    expect(Object.keys(sims.demo!.urls).sort()).toEqual(['CALLJOURNEY', 'CLOUDCX', 'NEWVOICEMEDIA', 'SANGOMA']);
    expect(logs.text).not.toContain(`${DEMO_TENANT}-nvm-secret-local`);
  });

  it('refuses a request that names no tenant, or a malformed one: 401 UNAUTHENTICATED, never served as default', async () => {
    for (const tenant of [undefined, 'no spaces allowed']) {
      const r = await ask(tenant);
      expect(r.status).toBe(401);
      expect(r.data ?? undefined).toBeUndefined();
      expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(r.errors?.[0]?.message).toContain('no usable x-tenant-id header');
    }
  });

  it('a tenant with no accounts gets PROVIDER_NOT_CONFIGURED, nothing of the demo tenants', async () => {
    const r = await ask('someone-else');
    // Only its own, empty PBX connection (every tenant may connect PBX users by consent).
    expect(r.data?.accounts).toEqual([{ provider: 'PBX', name: 'default', isDefault: true }]);
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['PROVIDER_NOT_CONFIGURED', 'PROVIDER_NOT_CONFIGURED', 'PROVIDER_NOT_CONFIGURED']);
    expect(r.raw).not.toContain(DEMO_TENANT);
  });

  it('opens Sandbox with the tenant header filled in', async () => {
    const res = await fetch(`${url}/`, { headers: { accept: 'text/html' } });
    const page = await res.text();
    expect(page).toContain('new window.EmbeddedSandbox(');
    expect(page).toMatch(/x-tenant-id/);
  });
});

describe('CXGRAPH_SIMULATORS=multi-tenant is a local demo only', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (e) {
      if (e instanceof ConfigError) return e.problems.map((p) => `${p.variable}: ${p.problem}`);
      throw e;
    }
    return [];
  };

  it('is refused in production, however the rest is set', () => {
    const found = problems({ NODE_ENV: 'production', CXGRAPH_AUTH: 'none', CXGRAPH_SIMULATORS: 'multi-tenant' });
    expect(found.some((p) => p.startsWith('CXGRAPH_SIMULATORS: multi-tenant is a local demo'))).toBe(true);
    // Not even with a router: the demo's simulators and accounts have no place in production.
    const routed = problems({ NODE_ENV: 'production', CXGRAPH_ROUTER_SECRET: 'router-secret-0123456789abcdef', CXGRAPH_SIMULATORS: 'multi-tenant' });
    expect(routed.some((p) => p.startsWith('CXGRAPH_SIMULATORS: multi-tenant is a local demo'))).toBe(true);
  });

  it('takes the header as sent only in the demo: elsewhere CXGRAPH_TENANT_HEADER still needs router-secret', () => {
    expect(problems({ CXGRAPH_AUTH: 'none', CXGRAPH_TENANT_HEADER: 'x-tenant-id' }).join('\n')).toMatch(
      /CXGRAPH_TENANT_HEADER: .*needs CXGRAPH_AUTH=router-secret/,
    );
    const demo = loadConfig({ CXGRAPH_SIMULATORS: 'multi-tenant' });
    expect(demo.auth.mode).toBe('none');
    expect(demo.tenancy).toMatchObject({ multiTenant: true, header: 'x-tenant-id', demoTenant: DEMO_TENANT });
    // A router-secret demo works as production does: the header counts only with the secret (src/server/caller-auth.ts).
    const routed = loadConfig({ CXGRAPH_SIMULATORS: 'multi-tenant', CXGRAPH_ROUTER_SECRET: 'router-secret-0123456789abcdef', CXGRAPH_TENANT_HEADER: 'x-org' });
    expect(routed.tenancy.header).toBe('x-org');
  });

  it('brings its own accounts: an accounts file beside it is refused', () => {
    expect(problems({ CXGRAPH_SIMULATORS: 'multi-tenant', CXGRAPH_ACCOUNTS_FILE: '/nonexistent.yaml' }).join('\n')).toMatch(
      /CXGRAPH_ACCOUNTS_FILE: CXGRAPH_SIMULATORS=multi-tenant brings its own demo accounts/,
    );
  });

  it('leaves the other values alone: on and auto start one tenant, as before', () => {
    expect(loadConfig({ CXGRAPH_SIMULATORS: 'on' })).toMatchObject({ embeddedSimulators: true, demoTenants: false, tenancy: { multiTenant: false } });
  });
});
