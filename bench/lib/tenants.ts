/**
 * Scenario 10 · many tenants in one process (issue 19): 200 tenants × 5 accounts (CallJourney, Sangoma, CloudCX and two
 * NewVoiceMedia accounts; the PBX's accounts connect through consent, not the accounts file, so a second NewVoiceMedia
 * account stands in for it) in one compiled cxgraph, configured as a deployment behind a router (NODE_ENV=production,
 * CXGRAPH_AUTH=router-secret, the tenant in x-tenant-id, secrets in files). The platforms are one simulator each in
 * this process (src/simulators/fleet.ts), every account with credentials of its own, so the simulators count token
 * requests per account.
 *
 * (a) memory per built account: RSS and V8 heap after a full GC (bench/lib/gc-on-signal.mjs), before any account is
 *     built and after each was built by one query, ten tenants at a time, divided by the accounts;
 * (c) idle CPU: the same process's CPU time over 5 s of no traffic (its connections closed and settled first), with
 *     no account built and with all of them built (accounts have no timers of their own, so the two should not differ);
 * (b) a cold stampede, in a fresh process: every tenant's queries at once, five per account, the token endpoints
 *     slowed by 100 ms so they all wait on the first → token requests per account and scope (exactly one is the target).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { SECRET_VARIABLES } from '../../src/config/env-reader.js';
import { startFleet, type Fleet, type FleetAccount } from '../../src/simulators/fleet.js';
import { SAMPLE_RECORDINGS } from '../../src/simulators/index.js';
import { startCxgraph, type Cxgraph, type Runtime } from './cxgraph.js';
import { graphqlOk } from './load.js';
import { cpuMsOf, freePort, memoryOf } from './processes.js';
import type { TargetCheck } from './report.js';

export interface TenantsContext {
  root: string;
  runtime: Runtime;
  quick: boolean;
  targets: TargetCheck[];
  extra: Record<string, unknown>;
  log(msg: string): void;
}

const ROUTER_SECRET = 'bench-router-secret-0123456789abcdef';
const TENANT_HEADER = 'x-tenant-id';
/** Concurrent queries per account in the stampede. */
const PER_ACCOUNT = 5;
const TOKEN_LATENCY_MS = 100;
const IDLE_MS = 5_000;
/** Past the keep-alive of the load's connections (closed first) and of cxgraph's upstream ones (undici: 4 s). */
const SETTLE_MS = 5_000;
/** Tenants whose accounts are built at once for the memory figure: one query per account, a gentle pace. */
const BUILD_TENANTS_AT_ONCE = 10;
const GC_HOOK = fileURLToPath(new URL('./gc-on-signal.mjs', import.meta.url));

const { company, organisation, folder, filename } = SAMPLE_RECORDINGS[0]!;
/** Four of a tenant's accounts in one operation; Sangoma, which has mutations only, in another. */
const QUERY = JSON.stringify({
  query: `query ($key: RecordingKey!) {
    recording(key: $key) { exists }
    cloudcx: users(provider: CLOUDCX, pageSize: 1) { totalCount }
    emea: users(provider: NEWVOICEMEDIA, account: "emea", pageSize: 1) { totalCount }
    nam: users(provider: NEWVOICEMEDIA, account: "nam", pageSize: 1) { totalCount }
  }`,
  variables: { key: { company, organisation, folder, filename } },
});
const MUTATION = JSON.stringify({
  query: 'mutation { startAgentCall(agentName: "alice", destination: "+15550100199", tenantDomain: "acme.cx.example.com") { accepted } }',
});

const fmt = (v: number, d = 0) => v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The fleet's accounts document as a production accounts file: every secret in a file of its own, named by `<VARIABLE>File`. */
function writeAccountsFile(fleet: Fleet, dir: string): string {
  const secrets = join(dir, 'secrets');
  mkdirSync(secrets);
  let n = 0;
  const tenants = Object.fromEntries(
    Object.entries(fleet.accounts.tenants).map(([tenant, providers]) => [
      tenant,
      Object.fromEntries(
        Object.entries(providers).map(([provider, accounts]) => [
          provider,
          Object.fromEntries(
            Object.entries(accounts).map(([account, env]) => [
              account,
              Object.fromEntries(
                Object.entries(env).map(([variable, value]) => {
                  if (!SECRET_VARIABLES.test(variable)) return [variable, value];
                  const file = join(secrets, String(n++));
                  writeFileSync(file, value, { mode: 0o600 });
                  return [`${variable}File`, file];
                }),
              ),
            ]),
          ),
        ]),
      ),
    ]),
  );
  const path = join(dir, 'accounts.json');
  writeFileSync(path, JSON.stringify({ tenants }));
  return path;
}

/** RSS (from /proc) and V8 heap in use (cxgraph's /metrics) right after a full garbage collection, MB. */
async function memoryAfterGc(cx: Cxgraph): Promise<{ rssMb: number; heapMb: number }> {
  process.kill(cx.child.pid, 'SIGUSR2');
  await sleep(500);
  const metrics = await (await fetch(`${cx.url}/metrics`)).text();
  const heap = Number(/^cxgraph_nodejs_heap_size_used_bytes (\S+)$/m.exec(metrics)?.[1]);
  return { rssMb: memoryOf(cx.child.pid).rssMb, heapMb: heap / 1024 / 1024 };
}

/** CPU ms the process used over IDLE_MS of no traffic. */
async function idleCpuMs(pid: number): Promise<number> {
  const before = cpuMsOf(pid);
  await sleep(IDLE_MS);
  return cpuMsOf(pid) - before;
}

/** Sends `body` to cxgraph for `tenant`; undefined when answered without error, else what came. */
function poster(cx: Cxgraph, agent: Agent) {
  return async (tenant: string, body: string): Promise<string | undefined> => {
    const res = await request(`${cx.url}/graphql`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', 'x-router-secret': ROUTER_SECRET, [TENANT_HEADER]: tenant },
      body,
    });
    const text = await res.body.text();
    return res.statusCode === 200 && graphqlOk(text) ? undefined : `${res.statusCode} ${text.slice(0, 300)}`;
  };
}

export async function scenarioTenants(ctx: TenantsContext): Promise<void> {
  const tenantCount = ctx.quick ? 50 : 200;
  const tenants = Array.from({ length: tenantCount }, (_, i) => `tenant-${String(i).padStart(3, '0')}`);
  const accounts: FleetAccount[] = tenants.flatMap((tenant) => [
    { tenant, provider: 'CALLJOURNEY', account: 'main' },
    { tenant, provider: 'SANGOMA', account: 'main' },
    { tenant, provider: 'CLOUDCX', account: 'main' },
    { tenant, provider: 'NEWVOICEMEDIA', account: 'emea' },
    { tenant, provider: 'NEWVOICEMEDIA', account: 'nam' },
  ]);
  ctx.log(`scenario 10: ${tenantCount} tenants × 5 accounts (${accounts.length}) in one process`);
  const started = performance.now();
  const fleet = await startFleet(accounts);
  const dir = mkdtempSync(join(tmpdir(), 'cxgraph-bench-tenants-'));
  const running: Cxgraph[] = [];
  try {
    const accountsFile = writeAccountsFile(fleet, dir);
    const start = async (extraEnv: Record<string, string> = {}) => {
      const cx = await startCxgraph({
        root: ctx.root,
        runtime: ctx.runtime,
        port: await freePort(),
        providerEnv: {},
        nodeArgs: ['--expose-gc', '--import', GC_HOOK],
        extraEnv: {
          CXGRAPH_AUTH: 'router-secret',
          CXGRAPH_ROUTER_SECRET: ROUTER_SECRET,
          CXGRAPH_TENANT_HEADER: TENANT_HEADER,
          CXGRAPH_ACCOUNTS_FILE: accountsFile,
          ...extraEnv,
        },
      });
      running.push(cx);
      return cx;
    };

    // --- (a) and (c): one process, every account built by one query each, a few tenants at a time.
    const cx = await start();
    let agent = new Agent({ keepAliveTimeout: 10_000 });
    let post = poster(cx, agent);
    // Warm the GraphQL path without building an account (`accounts` only lists them).
    for (let i = 0; i < 50; i++) await post(tenants[i % tenantCount]!, JSON.stringify({ query: '{ accounts { provider name } }' }));
    await agent.close();
    await sleep(SETTLE_MS);
    const before = await memoryAfterGc(cx);
    const idleNone = await idleCpuMs(cx.child.pid);
    agent = new Agent({ keepAliveTimeout: 10_000 });
    post = poster(cx, agent);
    const buildFailures: string[] = [];
    for (let i = 0; i < tenantCount; i += BUILD_TENANTS_AT_ONCE) {
      const outcomes = await Promise.all(tenants.slice(i, i + BUILD_TENANTS_AT_ONCE).flatMap((t) => [post(t, QUERY), post(t, MUTATION)]));
      buildFailures.push(...outcomes.filter((o): o is string => o !== undefined));
    }
    if (buildFailures.length) ctx.log(`  building: ${buildFailures.length} failed, e.g. ${buildFailures[0]}`);
    // Idle means idle: the load's connections closed, and the upstream ones past their keep-alive.
    await agent.close();
    await sleep(SETTLE_MS);
    const after = await memoryAfterGc(cx);
    const idleBuilt = await idleCpuMs(cx.child.pid);
    await cx.stop();

    // --- (b): a fresh process, every query at once, each account's callers waiting on its one slow token request.
    // The deadline is raised: on 2 cores the last of thousands of simultaneous requests waits seconds for the event
    // loop, and this counts token requests (scenario 3 measures a stampede's latency).
    const cold = await start({ CXGRAPH_REQUEST_DEADLINE_MS: '60000' });
    for (const sim of Object.values(fleet.sims)) {
      sim.server.resetCounts();
      sim.server.setLatency('token', TOKEN_LATENCY_MS);
    }
    agent = new Agent({ keepAliveTimeout: 10_000 });
    post = poster(cold, agent);
    const cpu0 = cpuMsOf(cold.child.pid);
    const t0 = performance.now();
    const outcomes = await Promise.all(
      tenants.flatMap((tenant) => Array.from({ length: PER_ACCOUNT }, () => [post(tenant, QUERY), post(tenant, MUTATION)]).flat()),
    );
    const stampedeMs = performance.now() - t0;
    const stampedeCpuMs = cpuMsOf(cold.child.pid) - cpu0;
    await agent.close();
    for (const sim of Object.values(fleet.sims)) sim.server.setLatency('token', 0);
    const failures = outcomes.filter((o): o is string => o !== undefined);
    if (failures.length) ctx.log(`  stampede: ${failures.length} failed, e.g. ${failures[0]}`);
    const perAccount = fleet.tokenRequests().map(({ byScope }) => Object.values(byScope));
    const scopes = perAccount.reduce((n, v) => n + v.length, 0);
    const tokens = perAccount.reduce((n, v) => n + v.reduce((a, b) => a + b, 0), 0);
    const notExactlyOne = perAccount.filter((v) => v.length === 0 || v.some((n) => n !== 1)).length;
    const maxPerScope = Math.max(0, ...perAccount.flat());

    const perKb = (mb: number) => (mb * 1024) / accounts.length;
    const result = {
      tenants: tenantCount,
      accounts: accounts.length,
      build: { failed: buildFailures.length },
      memory: {
        before,
        after,
        rssKbPerAccount: Math.round(perKb(after.rssMb - before.rssMb)),
        heapKbPerAccount: Math.round(perKb(after.heapMb - before.heapMb)),
      },
      idleCpuMsPer5s: { noAccountBuilt: idleNone, allBuilt: idleBuilt },
      stampede: {
        perAccountConcurrentQueries: PER_ACCOUNT,
        tokenLatencyMs: TOKEN_LATENCY_MS,
        requests: outcomes.length,
        failed: failures.length,
        wallMs: Math.round(stampedeMs),
        cpuMs: stampedeCpuMs,
        tokenRequests: tokens,
        accountScopes: scopes,
        accountsNotExactlyOne: notExactlyOne,
        maxPerAccountScope: maxPerScope,
      },
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
    ctx.extra['scenario10'] = result;
    ctx.log(
      `  memory per built account: ${fmt(result.memory.rssKbPerAccount)} KB RSS, ${fmt(result.memory.heapKbPerAccount)} KB heap (after GC: RSS ${fmt(before.rssMb)} → ${fmt(after.rssMb)} MB, heap ${fmt(before.heapMb, 1)} → ${fmt(after.heapMb, 1)} MB)`,
    );
    ctx.log(`  idle CPU over ${IDLE_MS / 1000} s: ${idleNone} ms with no account built, ${idleBuilt} ms with ${accounts.length} built`);
    ctx.log(
      `  stampede: ${outcomes.length} requests in ${fmt(stampedeMs)} ms (${fmt(stampedeCpuMs)} ms CPU), ${failures.length} failed; ${tokens} token requests for ${scopes} (account, scope) pairs, at most ${maxPerScope} for one`,
    );
    ctx.targets.push({
      scenario: '10 tenants',
      target: `cold stampede (${PER_ACCOUNT} queries per account at once, ${accounts.length} accounts): exactly 1 token request per account and scope, 0 errors`,
      measured: `${tokens} token requests for ${scopes} (account, scope) pairs, ${notExactlyOne} accounts not exactly 1; ${failures.length} errors of ${outcomes.length}`,
      met: notExactlyOne === 0 && failures.length === 0 && scopes >= accounts.length,
    });
    ctx.targets.push({
      scenario: '10 tenants',
      target: `idle CPU with ${accounts.length} accounts built ≤ with none + 20 ms per ${IDLE_MS / 1000} s (no per-account timers)`,
      measured: `${idleBuilt} ms with ${accounts.length} built, ${idleNone} ms with none; ${fmt(result.memory.rssKbPerAccount)} KB RSS, ${fmt(result.memory.heapKbPerAccount)} KB heap per built account`,
      met: buildFailures.length === 0 && idleBuilt <= idleNone + 20,
    });
  } finally {
    await Promise.all(running.map((c) => c.stop()));
    await fleet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
