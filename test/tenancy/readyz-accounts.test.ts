/**
 * /readyz and the breaker gauge per account (docs/operating.md, "Health"; docs/tenancy.md). Tenant default's
 * CallJourney comes from its variables; acme's two NewVoiceMedia accounts share one simulator, globex's has its own,
 * so globex's platform can fail alone.
 *
 * - /readyz lists each account this replica built (and the variables' ones, built at start): tenant, provider,
 *   account, connection status, breaker, cool-downs and the rate limit counted with where it comes from — no secret.
 * - One account's platform failing opens that account's breaker only; the replica stays ready (200, `ready`).
 * - `cxgraph_circuit_breaker_open` carries tenant and account for file accounts only, and an account removed from
 *   the file leaves neither a /readyz row nor a series behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallJourneySimulator, createNvmSimulator, type CallJourneySimulator, type NvmSimulator } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';
import { parseExposition } from '../observability/prometheus-text.js';
import { accountsFile, nvmAccount, type Tenants } from './accounts-fixture.js';

const ROUTER_SECRET = 'router-secret-for-readyz-account-tests-01';
const as = (tenant: string) => ({ 'x-router-secret': ROUTER_SECRET, 'x-tenant-id': tenant });
const USERS = 'query($a: String) { users(provider: NEWVOICEMEDIA, account: $a) { nodes { id } } }';

interface Readyz {
  status: string;
  providers: string[];
  accounts: { known: number; built: number; failing: number; states: Record<string, unknown>[] };
}

describe('/readyz and the breaker gauge, per account', () => {
  let cj: CallJourneySimulator;
  let acmeSim: NvmSimulator;
  let globexSim: NvmSimulator;
  let t: TestServer;
  const file = accountsFile();
  let tenants: Tenants;

  const readyz = async (): Promise<{ status: number; body: Readyz; raw: string }> => {
    const res = await fetch(`${t.url}/readyz`);
    const raw = await res.text();
    return { status: res.status, body: JSON.parse(raw) as Readyz, raw };
  };
  const breakers = async () =>
    parseExposition(await (await fetch(`${t.url}/metrics`)).text())
      .find('cxgraph_circuit_breaker_open')
      .map((s): Record<string, string | number> => ({ ...s.labels, open: s.value }));
  const row = (tenant: string, provider: string, account: string, rest: Record<string, unknown>) => ({ tenant, provider, account, ...rest });

  beforeAll(async () => {
    cj = createCallJourneySimulator();
    acmeSim = createNvmSimulator();
    globexSim = createNvmSimulator();
    await Promise.all([cj.start(), acmeSim.start(), globexSim.start()]);
    tenants = {
      acme: { NEWVOICEMEDIA: { emea: nvmAccount(acmeSim, { default: true }), nam: nvmAccount(acmeSim, { rateLimit: 7 }) } },
      globex: { NEWVOICEMEDIA: { emea: nvmAccount(globexSim) } },
    };
    file.write(tenants);
    t = await startServer({
      ...cj.env(),
      CXGRAPH_AUTH: 'router-secret',
      CXGRAPH_ROUTER_SECRET: ROUTER_SECRET,
      CXGRAPH_TENANT_HEADER: 'x-tenant-id',
      CXGRAPH_ACCOUNTS_FILE: file.path,
      CXGRAPH_SIMULATORS: 'off',
      CXGRAPH_UPSTREAM_RATE_LIMITS: 'NEWVOICEMEDIA:10',
      CXGRAPH_BREAKER_FAILURES: '2',
    });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([cj, acmeSim, globexSim].map((s) => s?.stop()));
  });

  it("lists the accounts built so far: at start, only the variables' ones", async () => {
    const r = await readyz();
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ready', providers: ['CALLJOURNEY'] });
    expect(r.body.accounts).toEqual({
      known: 4,
      built: 1,
      failing: 0,
      states: [row('default', 'CALLJOURNEY', 'default', { status: 'CONNECTED', circuit: 'closed', coolDowns: 0 })],
    });
  });

  it('reports each account used, with the limit it counts; one platform failing opens that account alone and the replica stays ready', async () => {
    for (const [tenant, account] of [
      ['acme', 'emea'],
      ['acme', 'nam'],
      ['globex', 'emea'],
    ] as const)
      expect((await t.gql(USERS, { a: account }, as(tenant))).errors).toBeUndefined();

    // globex's platform fails: two failed requests open globex/emea's breaker (retries included in each).
    globexSim.server.inject({ kind: 'status', status: 503, route: 'users', times: 1_000 });
    for (let i = 0; i < 2; i++) expect((await t.gql(USERS, {}, as('globex'))).errors?.[0]?.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    expect((await t.gql(USERS, {}, as('globex'))).errors?.[0]?.extensions).toMatchObject({ circuitOpen: true });
    // acme's accounts, on their own breakers, still answer.
    expect((await t.gql(USERS, {}, as('acme'))).errors).toBeUndefined();

    const r = await readyz();
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('ready');
    const perProvider = { perSecond: 10, from: 'CXGRAPH_UPSTREAM_RATE_LIMITS', entry: 'NEWVOICEMEDIA' };
    expect(r.body.accounts).toEqual({
      known: 4,
      built: 4,
      failing: 1,
      states: [
        row('default', 'CALLJOURNEY', 'default', { status: 'CONNECTED', circuit: 'closed', coolDowns: 0 }),
        row('acme', 'NEWVOICEMEDIA', 'emea', { status: 'CONNECTED', circuit: 'closed', coolDowns: 0, rateLimit: perProvider }),
        row('acme', 'NEWVOICEMEDIA', 'nam', {
          status: 'CONNECTED',
          circuit: 'closed',
          coolDowns: 0,
          rateLimit: { perSecond: 7, from: 'CXGRAPH_ACCOUNTS_FILE' },
        }),
        row('globex', 'NEWVOICEMEDIA', 'emea', { status: 'UNAVAILABLE', circuit: 'open', coolDowns: 0, rateLimit: perProvider }),
      ],
    });
    // Names and states only: no credential of any account, no upstream error text.
    for (const secret of [cj.env().CALLJOURNEY_CLIENT_SECRET, acmeSim.env().NVM_CLIENT_SECRET, globexSim.env().NVM_CLIENT_SECRET])
      expect(r.raw).not.toContain(secret);
    expect(r.raw).not.toMatch(/503|Injected/);

    // The gauge: the variables' provider as before (provider only), file accounts with tenant and account.
    expect(await breakers()).toEqual(
      expect.arrayContaining([
        { provider: 'CALLJOURNEY', open: 0 },
        { provider: 'NEWVOICEMEDIA', tenant: 'acme', account: 'emea', open: 0 },
        { provider: 'NEWVOICEMEDIA', tenant: 'acme', account: 'nam', open: 0 },
        { provider: 'NEWVOICEMEDIA', tenant: 'globex', account: 'emea', open: 1 },
      ]),
    );
    expect(await breakers()).toHaveLength(4);
  });

  it('an account removed from the file leaves no /readyz row and no breaker series', async () => {
    file.write({ acme: tenants.acme! });
    // What SIGHUP does (the file watcher too, after its debounce): read the file again.
    process.emit('SIGHUP', 'SIGHUP');
    const r = await readyz();
    expect(r.body.accounts).toMatchObject({ known: 3, built: 3, failing: 0 });
    expect(r.body.accounts.states.map((s) => `${String(s.tenant)}/${String(s.account)}`)).toEqual(['default/default', 'acme/emea', 'acme/nam']);
    expect((await breakers()).filter((b) => b.tenant === 'globex')).toEqual([]);
    expect(await breakers()).toHaveLength(3);
  });
});
