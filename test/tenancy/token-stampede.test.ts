/**
 * A cold stampede across many accounts (docs/tenancy.md, "What is isolated"): 20 tenants × 4 credential platforms, every
 * account built on first use by concurrent queries while its token endpoint is slow. Each account still asks its
 * platform for exactly one token per scope — counted at the simulators by client id — whatever the number of callers
 * waiting, over real HTTP and a real Redis under a prefix of the test's own. bench/README.md (scenario 10) measures
 * the same at 200 tenants.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_RECORDINGS } from '../../src/simulators/index.js';
import { startFleet, type Fleet, type FleetAccount } from '../../src/simulators/fleet.js';
import { startServer, type TestServer } from '../support/harness.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';

const TENANTS = Array.from({ length: 20 }, (_, i) => `t${String(i).padStart(2, '0')}`);
const PLATFORMS = ['CALLJOURNEY', 'SANGOMA', 'CLOUDCX', 'NEWVOICEMEDIA'];
/** Concurrent queries per account, all arriving before its first token. */
const PER_ACCOUNT = 5;
const TOKEN_LATENCY_MS = 150;
const ROUTER_SECRET = 'router-secret-for-stampede-tests-0123456789';
const { company, organisation, folder, filename } = SAMPLE_RECORDINGS[0]!;
const QUERY = `query ($key: RecordingKey!) {
  recording(key: $key) { exists }
  cloudcx: users(provider: CLOUDCX, pageSize: 1) { totalCount }
  nvm: users(provider: NEWVOICEMEDIA, pageSize: 1) { totalCount }
}`;
const MUTATION = 'mutation { startAgentCall(agentName: "alice", destination: "+15550100199", tenantDomain: "acme.cx.example.com") { accepted } }';

describe.skipIf(!HAS_REDIS)(`cold stampede over ${TENANTS.length} tenants × ${PLATFORMS.length} platforms`, () => {
  let fleet: Fleet;
  let t: TestServer;
  const accounts: FleetAccount[] = TENANTS.flatMap((tenant) => PLATFORMS.map((provider) => ({ tenant, provider, account: 'main' })));

  beforeAll(async () => {
    fleet = await startFleet(accounts);
    const path = join(mkdtempSync(join(tmpdir(), 'cxgraph-stampede-')), 'accounts.json');
    writeFileSync(path, JSON.stringify(fleet.accounts));
    t = await startServer({
      CXGRAPH_AUTH: 'router-secret',
      CXGRAPH_ROUTER_SECRET: ROUTER_SECRET,
      CXGRAPH_TENANT_HEADER: 'x-tenant-id',
      CXGRAPH_ACCOUNTS_FILE: path,
      CXGRAPH_SIMULATORS: 'off',
      REDIS_URL,
      CXGRAPH_REDIS_PREFIX: uniqueNamespace(),
      LOG_LEVEL: 'warn',
    });
    // Every caller of an account arrives while its one token request is still on its way.
    for (const sim of Object.values(fleet.sims)) sim.server.setLatency('token', TOKEN_LATENCY_MS);
  });

  afterAll(async () => {
    await t?.close();
    await fleet?.stop();
  });

  it('asks each account’s platform for exactly one token per scope, and answers every query', async () => {
    const as = (tenant: string) => ({ 'x-router-secret': ROUTER_SECRET, 'x-tenant-id': tenant });
    const answers = await Promise.all(
      TENANTS.flatMap((tenant) =>
        Array.from({ length: PER_ACCOUNT }, () => [
          t.gql(QUERY, { key: { company, organisation, folder, filename } }, as(tenant)),
          t.gql(MUTATION, undefined, as(tenant)),
        ]).flat(),
      ),
    );
    expect(answers).toHaveLength(TENANTS.length * PER_ACCOUNT * 2);
    expect(answers.filter((a) => a.status !== 200 || a.errors).map((a) => a.raw.slice(0, 300))).toEqual([]);

    const counts = fleet.tokenRequests();
    expect(counts).toHaveLength(accounts.length);
    const notOne = counts.filter(({ byScope }) => Object.keys(byScope).length === 0 || Object.values(byScope).some((n) => n !== 1));
    expect(notOne.map(({ account, byScope }) => `${account.tenant}/${account.provider}: ${JSON.stringify(byScope)}`)).toEqual([]);
    // One scope per account here (NewVoiceMedia's users scope; CloudCX's password grant names none).
    expect(counts.reduce((n, { byScope }) => n + Object.values(byScope).reduce((a, b) => a + b, 0), 0)).toBe(accounts.length);
    expect(t.server.services.accounts.builtCount).toBe(accounts.length);
  });
});
