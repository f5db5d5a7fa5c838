/**
 * `npm run bench`: cxgraph against calling the upstreams directly and against GraphQL Mesh / Hive Gateway, in one
 * run, on the simulators. Each system under test is its own process; load comes from autocannon in this one.
 * Prints a table, writes bench/results/latest.json and latest.svg. See the README, "Performance".
 *
 * Options: `npm run bench -- --help` (USAGE below).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderChart, type Panel } from './lib/chart.js';
import { buildCompiled, startCxgraph, type Cxgraph, type Runtime } from './lib/cxgraph.js';
import { graphqlOk, percentile, runLoad, type LoadResult } from './lib/load.js';
import { scenarioCoolDown, scenarioFleetBudget, scenarioRepeated, type FleetContext } from './lib/fleet.js';
import { composeMesh, ensureMeshInstalled, startMesh, type Mesh } from './lib/mesh.js';
import { connectPbxAccount } from './lib/pbx-consent.js';
import { cpuMsOf, freePort, memoryOf, resetPeak, spawnChild, stopAll, waitFor, type Child } from './lib/processes.js';
import { formatTable, formatTargets, type Results, type Row, type System, type TargetCheck } from './lib/report.js';
import { startSims, type Sims } from './lib/sims.js';
import { scenarioTenants } from './lib/tenants.js';
import { parseCommandLine, usageError } from '../scripts/cli.js';
import {
  CONVERSATION_EXISTS_PATH,
  HOT_KEY,
  cxMixed,
  cxRecording,
  cxRecordings,
  cxStartAgentCall,
  directRecording,
  meshRecording,
  meshRecordings,
  repeatedKeys,
  type Key,
} from './lib/workload.js';
import type { AutocannonRequest } from 'autocannon';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench', 'results');

// --- options -----------------------------------------------------------------------

const USAGE = `Usage: npm run bench -- [options]

Runs the simulators, cxgraph, a minimal Node proxy and GraphQL Mesh + Hive Gateway as separate processes, drives
them with autocannon, prints the tables and (full runs only) writes bench/results/latest.json, latest.svg and
latest.md. About 4 minutes on 2 cores. Method and scenarios: bench/README.md. Scenarios 8 and 9 need a Redis at
REDIS_URL (default redis://127.0.0.1:6379; keys under a prefix of the run's own, never flushed).

  --quick               shorter runs (results are not written)
  --only=<n,…>          these scenarios only, 1 to 10 (results are not written)
  --no-mesh             skip the GraphQL Mesh baseline
  --runtime=<r>         the main cxgraph instance: compiled (default, node dist/) or tsx (the sources)
  --duration=<s>        seconds of load per measurement (default 5, 3 with --quick)
  --connections=<n>     connections of scenario 1 (default 50)
  --profile             V8 CPU profile of the main instance into bench/results/profiles/
  --no-build            reuse bench/.build from the previous run instead of compiling
  --chart-only          re-draw latest.svg and latest.md from latest.json, run nothing
  -h, --help            print this and exit
`;

const args = parseCommandLine(USAGE, {
  quick: { type: 'boolean' },
  only: { type: 'string' },
  'no-mesh': { type: 'boolean' },
  runtime: { type: 'string' },
  duration: { type: 'string' },
  connections: { type: 'string' },
  profile: { type: 'boolean' },
  'no-build': { type: 'boolean' },
  'chart-only': { type: 'boolean' },
});
/** A positive number given to --<name>, or the default; anything else is a usage error. */
const positive = (name: 'duration' | 'connections', fallback: number): number => {
  const raw = args[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!(n > 0) || (name === 'connections' && !Number.isInteger(n)))
    usageError(USAGE, `--${name}=${raw}: expected a positive ${name === 'connections' ? 'integer' : 'number'}`);
  return n;
};
const quick = args.quick ?? false;
const only = args.only?.split(',').map((s) => s.trim());
if (only && (only.length === 0 || only.some((n) => !/^([1-9]|10)$/.test(n))))
  usageError(USAGE, `--only=${args.only}: expected scenario numbers from 1 to 10, comma-separated`);
const wants = (n: number) => !only || only.includes(String(n));
const withMesh = !args['no-mesh'] && (wants(1) || wants(2));
if (args.runtime !== undefined && args.runtime !== 'compiled' && args.runtime !== 'tsx')
  usageError(USAGE, `--runtime=${args.runtime}: expected compiled or tsx`);
const runtime: Runtime = args.runtime === 'tsx' ? 'tsx' : 'compiled';
const profile = args.profile ?? false;
/** Reuse bench/.build from the previous run (profiling experiments on the compiled output). */
const noBuild = args['no-build'] ?? false;
const chartOnly = args['chart-only'] ?? false;
const DURATION = positive('duration', quick ? 3 : 5);
const WARMUP = quick ? 1 : 2;
const CONNECTIONS = positive('connections', 50);
const S2_TOTAL = 200;
const S2_DISTINCT = 50;
const S2_LATENCY_MS = 20;
const S2_REQUESTS = quick ? 10 : 30;
const STAMPEDE = 1000;
const STAMPEDE_TOKEN_LATENCY_MS = 100;
const S4_CONNECTIONS = 20;
const S5_AMOUNT = quick ? 20_000 : 100_000;
const S5_CONNECTIONS = 100;
/** Queries before the measured ones, so the heap has grown to its size under this load (a leak is growth after that). */
const S5_WARMUP = quick ? 5_000 : 20_000;
const COLD_STARTS = quick ? 1 : 3;
/** What cxgraph uses unless CXGRAPH_RECORDING_CONCURRENCY says otherwise (src/app/config.ts). */
const RECORDING_CONCURRENCY = Number(process.env['CXGRAPH_RECORDING_CONCURRENCY'] ?? 16);

const rows: Row[] = [];
const targets: TargetCheck[] = [];
const extra: Record<string, unknown> = {};
const skipped: string[] = [];
const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

// --- helpers -------------------------------------------------------------------------

async function fetchBearer(sims: Sims): Promise<string> {
  const t = sims.info.calljourneyToken;
  const res = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: t.clientId, client_secret: t.clientSecret, scope: t.scope }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`the CallJourney simulator gave no token: ${JSON.stringify(body)}`);
  return `Bearer ${body.access_token}`;
}

/** Sends one request outside the load run and checks its answer (the token is fetched here, not during the run). */
async function probe(baseUrl: string, req: AutocannonRequest, ok: (body: string) => boolean, what: string): Promise<string> {
  const res = await fetch(`${baseUrl}${req.path ?? '/'}`, { method: req.method ?? 'GET', headers: req.headers, body: req.body });
  const text = await res.text();
  if (!res.ok || !ok(text)) throw new Error(`${what}: unexpected answer ${res.status} ${text.slice(0, 400)}`);
  return text;
}

interface Measured {
  load: LoadResult;
  upstream: number;
  tokens: number;
  peakRssMb?: number;
  /** CPU ms the process under test used per completed request. */
  cpuMsPerRequest?: number;
  /** CPU ms the simulator process used per completed request. */
  simCpuMsPerRequest: number;
}

/** One measured load run: counters reset before, simulator counts and the process's peak memory read after. */
async function measure(sims: Sims, pid: number | undefined, opts: Parameters<typeof runLoad>[0]): Promise<Measured> {
  await sims.reset();
  if (pid !== undefined) resetPeak(pid);
  const cpu0 = pid !== undefined ? cpuMsOf(pid) : 0;
  const simCpu0 = cpuMsOf(sims.child.pid);
  const load = await runLoad(opts);
  const cpu = pid !== undefined ? cpuMsOf(pid) - cpu0 : 0;
  const simCpu = cpuMsOf(sims.child.pid) - simCpu0;
  const counts = await sims.counts();
  if (load.firstBadBody) log(`  a wrong answer: ${load.firstBadBody}`);
  const per = (ms: number) => (load.requests ? ms / load.requests : NaN);
  return {
    load,
    upstream: counts.upstream,
    tokens: counts.tokens,
    simCpuMsPerRequest: per(simCpu),
    ...(pid !== undefined ? { peakRssMb: memoryOf(pid).peakMb, cpuMsPerRequest: per(cpu) } : {}),
  };
}

function addRow(scenario: string, system: System, label: string, connections: number, m: Measured, note?: string): Row {
  const row: Row = {
    scenario,
    system,
    label,
    connections,
    requests: m.load.requests,
    rps: m.load.rps,
    p50Ms: m.load.p50Ms,
    p99Ms: m.load.p99Ms,
    errors: m.load.errors,
    upstreamCalls: m.upstream,
    upstreamPerRequest: m.load.requests ? m.upstream / m.load.requests : NaN,
    tokenRequests: m.tokens,
    ...(m.peakRssMb !== undefined ? { peakRssMb: m.peakRssMb } : {}),
    ...(m.cpuMsPerRequest !== undefined ? { cpuMsPerRequest: m.cpuMsPerRequest } : {}),
    simCpuMsPerRequest: m.simCpuMsPerRequest,
    ...(note ? { note } : {}),
  };
  rows.push(row);
  log(
    `  ${label}: ${Math.round(row.rps)} req/s, p50 ${row.p50Ms.toFixed(2)} ms, p99 ${row.p99Ms.toFixed(2)} ms, ${row.errors} errors, ` +
      `${row.upstreamPerRequest.toFixed(2)} upstream/req, CPU ${row.cpuMsPerRequest?.toFixed(3) ?? '–'} ms/req (simulators ${row.simCpuMsPerRequest?.toFixed(3)})`,
  );
  return row;
}

const find = (scenario: string, system: System) => rows.find((r) => r.scenario === scenario && r.system === system);
const fmt = (v: number, d = 0) => v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

// --- scenarios ---------------------------------------------------------------------------

/** S6: from spawn() to the first correct answer of a `recording` query (token fetch included). */
async function scenarioColdStart(sims: Sims): Promise<void> {
  log('scenario 6: cold start to first answer');
  const req = cxRecording(HOT_KEY);
  const measures: Record<Runtime, number[]> = { compiled: [], tsx: [] };
  for (let i = 0; i < COLD_STARTS; i++) {
    for (const rt of ['compiled', 'tsx'] as const) {
      const port = await freePort();
      const cx = await startCxgraph({ root: ROOT, runtime: rt, port, providerEnv: sims.info.env, waitReady: false });
      try {
        const ms = await waitFor(
          'the first answer',
          async () => {
            const res = await fetch(`${cx.url}/graphql`, { method: 'POST', headers: req.headers, body: req.body });
            return graphqlOk(await res.text()) ? performance.now() - cx.child.spawnedAt : undefined;
          },
          30_000,
          5,
        );
        measures[rt].push(ms);
      } finally {
        await cx.stop();
      }
    }
  }
  const median = (xs: number[]) =>
    percentile(
      [...xs].sort((a, b) => a - b),
      0.5,
    );
  const compiled = median(measures.compiled);
  const tsx = median(measures.tsx);
  extra['coldStartMs'] = { compiled: measures.compiled, tsx: measures.tsx, medianCompiled: compiled, medianTsx: tsx };
  log(`  compiled (node dist): median ${fmt(compiled)} ms; node --import tsx src/index.ts: median ${fmt(tsx)} ms`);
  targets.push({
    scenario: '6 cold start',
    target: 'process start → first answer < 1 500 ms',
    measured: `${fmt(compiled)} ms compiled (node), ${fmt(tsx)} ms with the tsx loader (sources, as npm start); median of ${COLD_STARTS}`,
    met: compiled < 1500,
  });
}

/**
 * S3: a fresh process, 1000 queries at once, the token endpoint slowed so they all wait on the one token request.
 * Default settings: the per-provider upstream queue (CXGRAPH_UPSTREAM_QUEUE, 4096) admits the whole burst.
 */
async function scenarioStampede(sims: Sims): Promise<void> {
  log(`scenario 3: cold stampede of ${STAMPEDE} concurrent queries`);
  const cx = await startCxgraph({ root: ROOT, runtime, port: await freePort(), providerEnv: sims.info.env, extraEnv: {} });
  let row: Row;
  try {
    await sims.setLatency('CALLJOURNEY', STAMPEDE_TOKEN_LATENCY_MS, 'token');
    const m = await measure(sims, cx.child.pid, {
      url: cx.url,
      connections: STAMPEDE,
      amount: STAMPEDE,
      requests: [cxRecording(HOT_KEY)],
      verify: graphqlOk,
      timeoutS: 60,
    });
    row = addRow('3 stampede', 'cxgraph', `cxgraph (${runtime}, defaults)`, STAMPEDE, m, `cold process, token endpoint +${STAMPEDE_TOKEN_LATENCY_MS} ms`);
  } finally {
    await sims.setLatency('CALLJOURNEY', 0, 'token');
    await cx.stop();
  }
  targets.push({
    scenario: '3 stampede',
    target: 'exactly 1 token request, 0 errors',
    measured: `${row.tokenRequests} token request(s), ${row.errors} errors of ${STAMPEDE}`,
    met: row.tokenRequests === 1 && row.errors === 0 && row.requests === STAMPEDE,
  });
}

/** S1: one `recording`, hot token, no upstream latency — direct, cxgraph, Mesh at the same concurrency. */
async function scenarioHotRecording(sims: Sims, cx: Cxgraph, mesh: Mesh | undefined, bearer: string): Promise<void> {
  log(`scenario 1: one recording, hot token, 0 ms upstream, ${CONNECTIONS} connections, ${DURATION} s each`);
  const cjUrl = sims.info.urls.CALLJOURNEY;
  const direct = directRecording(HOT_KEY, bearer);
  const directBody = await probe(cjUrl, direct, (b) => b.includes('"exists":true'), 'direct call');
  const run = async (url: string, req: AutocannonRequest, verify: (b: string) => boolean, pid: number | undefined) => {
    await runLoad({ url, connections: CONNECTIONS, duration: WARMUP, requests: [req], verify });
    return measure(sims, pid, { url, connections: CONNECTIONS, duration: DURATION, requests: [req], verify });
  };
  addRow('1 hot recording', 'direct', 'direct (autocannon → simulator)', CONNECTIONS, await run(cjUrl, direct, (b) => b === directBody, undefined));

  // The floor of any Node service in between: the same call through node:http + undici, nothing else.
  const hop = await startHop(sims, bearer);
  try {
    const hopReq = { ...direct, path: '/' };
    addRow('1 hot recording', 'hop', 'minimal Node hop (node:http + undici)', CONNECTIONS, await run(hop.url, hopReq, (b) => b === directBody, hop.child.pid));
  } finally {
    await hop.stop();
  }

  const cxReq = cxRecording(HOT_KEY);
  const cxBody = await probe(cx.url, cxReq, (b) => graphqlOk(b) && b.includes('"exists":true'), 'cxgraph recording');
  addRow('1 hot recording', 'cxgraph', `cxgraph (${runtime})`, CONNECTIONS, await run(cx.url, cxReq, (b) => b === cxBody, cx.child.pid));

  if (mesh) {
    const meshReq = meshRecording(HOT_KEY, bearer);
    const meshBody = await probe(mesh.url, meshReq, (b) => graphqlOk(b) && b.includes('"exists":true'), 'Mesh recording');
    addRow('1 hot recording', 'mesh', 'GraphQL Mesh + Hive Gateway', CONNECTIONS, await run(mesh.url, meshReq, (b) => b === meshBody, mesh.child.pid));
  }
  const d = find('1 hot recording', 'direct')!;
  const c = find('1 hot recording', 'cxgraph')!;
  const h = find('1 hot recording', 'hop');
  targets.push({
    scenario: '1 hot recording',
    target: 'throughput ≥ 0.7 × direct at the same concurrency',
    measured:
      `${fmt(c.rps / d.rps, 2)} × (${fmt(c.rps)} vs ${fmt(d.rps)} req/s at ${CONNECTIONS} connections)` +
      (h ? `; the minimal Node hop reaches ${fmt(h.rps / d.rps, 2)} ×, cxgraph ${fmt(c.rps / h.rps, 2)} × the hop` : ''),
    met: c.errors === 0 && c.rps >= 0.7 * d.rps,
  });
  if (h?.cpuMsPerRequest && c.cpuMsPerRequest) {
    targets.push({
      scenario: '1 hot recording',
      target: 'CPU per request ≤ 3 × the minimal Node hop, side by side',
      measured: `${fmt(c.cpuMsPerRequest, 3)} vs ${fmt(h.cpuMsPerRequest, 3)} ms = ${fmt(c.cpuMsPerRequest / h.cpuMsPerRequest, 2)} × (uncached path: recording cache off)`,
      met: c.cpuMsPerRequest <= 3 * h.cpuMsPerRequest,
    });
  }
  const m = find('1 hot recording', 'mesh');
  targets.push({
    scenario: '1 hot recording',
    target: 'more throughput than GraphQL Mesh',
    measured: m ? `${fmt(c.rps)} vs ${fmt(m.rps)} req/s (${fmt(c.rps / m.rps, 2)} ×)` : 'Mesh not run',
    met: m ? c.rps > m.rps : null,
  });
}

async function startHop(sims: Sims, bearer: string): Promise<{ child: Child; url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const upstream = `${sims.info.urls.CALLJOURNEY}${CONVERSATION_EXISTS_PATH}`;
  const child = spawnChild('direct proxy', process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'direct-proxy.ts'), String(port), upstream], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'], BENCH_BEARER: bearer, NODE_ENV: 'production' },
  });
  await child.firstLine();
  return { child, url: `http://127.0.0.1:${port}`, stop: () => child.stop() };
}

/** S2: `recordings` with 200 keys, 50 distinct, 20 ms upstream latency — one query at a time, so latency = wall time. */
async function scenarioBatch(sims: Sims, cx: Cxgraph, mesh: Mesh | undefined, bearer: string): Promise<void> {
  log(`scenario 2: recordings, ${S2_TOTAL} keys / ${S2_DISTINCT} distinct, ${S2_LATENCY_MS} ms upstream, ${S2_REQUESTS} queries one after another`);
  const { keys, distinct } = repeatedKeys(S2_TOTAL, S2_DISTINCT);
  const allowedMs = Math.ceil(S2_DISTINCT / RECORDING_CONCURRENCY) * S2_LATENCY_MS + 15;
  await sims.setLatency('CALLJOURNEY', S2_LATENCY_MS);
  try {
    const checkList = (field: string) => (b: string) => graphqlOk(b) && (b.match(new RegExp(`"${field}"`, 'g'))?.length ?? 0) === S2_TOTAL;
    const cxReq = cxRecordings(keys);
    const cxBody = await probe(cx.url, cxReq, checkList('exists'), 'cxgraph recordings');
    await runLoad({ url: cx.url, connections: 1, amount: 3, requests: [cxReq], verify: (b) => b === cxBody });
    const c = addRow(
      '2 batch 200/50 @20ms',
      'cxgraph',
      `cxgraph (${runtime})`,
      1,
      await measure(sims, cx.child.pid, { url: cx.url, connections: 1, amount: S2_REQUESTS, requests: [cxReq], verify: (b) => b === cxBody }),
    );

    // Direct: the best any client can do — the 50 distinct calls, 16 at a time, on kept-alive connections.
    const d = await directBatch(sims, distinct, bearer);
    rows.push(d);
    log(`  ${d.label}: p50 ${d.p50Ms.toFixed(1)} ms, ${d.upstreamPerRequest} upstream/req`);

    let m: Row | undefined;
    if (mesh) {
      const meshReq = meshRecordings(keys, bearer);
      const meshBody = await probe(mesh.url, meshReq, checkList('exists'), 'Mesh recordings');
      await runLoad({ url: mesh.url, connections: 1, amount: 3, requests: [meshReq], verify: (b) => b === meshBody });
      m = addRow(
        '2 batch 200/50 @20ms',
        'mesh',
        'GraphQL Mesh + Hive Gateway',
        1,
        await measure(sims, mesh.child.pid, { url: mesh.url, connections: 1, amount: S2_REQUESTS, requests: [meshReq], verify: (b) => b === meshBody }),
        '200 aliased fields',
      );
    }
    targets.push({
      scenario: '2 batch',
      target: `upstream calls per query = distinct keys (${S2_DISTINCT})`,
      measured: `${fmt(c.upstreamPerRequest, 2)} per query`,
      met: c.errors === 0 && c.upstreamPerRequest === S2_DISTINCT,
    });
    targets.push({
      scenario: '2 batch',
      target: `wall time ≤ ceil(${S2_DISTINCT}/${RECORDING_CONCURRENCY}) × ${S2_LATENCY_MS} + 15 = ${allowedMs} ms`,
      measured: `p50 ${fmt(c.p50Ms, 1)} ms, p99 ${fmt(c.p99Ms, 1)} ms (direct, 16 at a time: p50 ${fmt(d.p50Ms, 1)} ms)`,
      met: c.p50Ms <= allowedMs,
    });
    targets.push({
      scenario: '2 batch',
      target: 'fewer upstream calls than GraphQL Mesh',
      measured: m ? `${fmt(c.upstreamPerRequest)} vs ${fmt(m.upstreamPerRequest)} per query` : 'Mesh not run',
      met: m ? c.upstreamPerRequest < m.upstreamPerRequest : null,
    });
  } finally {
    await sims.setLatency('CALLJOURNEY', 0);
  }
}

async function directBatch(sims: Sims, distinct: Key[], bearer: string): Promise<Row> {
  const url = `${sims.info.urls.CALLJOURNEY}${CONVERSATION_EXISTS_PATH}`;
  const once = async () => {
    let next = 0;
    const worker = async () => {
      while (next < distinct.length) {
        const key = distinct[next++]!;
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: bearer }, body: JSON.stringify(key) });
        if (!res.ok) throw new Error(`direct call answered ${res.status}`);
        await res.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: RECORDING_CONCURRENCY }, worker));
  };
  await once();
  await sims.reset();
  const walls: number[] = [];
  const started = performance.now();
  for (let i = 0; i < S2_REQUESTS; i++) {
    const t0 = performance.now();
    await once();
    walls.push(performance.now() - t0);
  }
  const elapsed = performance.now() - started;
  const counts = await sims.counts();
  walls.sort((a, b) => a - b);
  return {
    scenario: '2 batch 200/50 @20ms',
    system: 'direct',
    label: `direct (${S2_DISTINCT} distinct calls, ${RECORDING_CONCURRENCY} at a time)`,
    connections: 1,
    requests: walls.length,
    rps: walls.length / (elapsed / 1000),
    p50Ms: percentile(walls, 0.5),
    p99Ms: percentile(walls, 0.99),
    errors: 0,
    upstreamCalls: counts.upstream,
    upstreamPerRequest: counts.upstream / walls.length,
    tokenRequests: counts.tokens,
  };
}

/** S4: a query touching CallJourney, CloudCX, NewVoiceMedia and PBX, alternating with a Sangoma call mutation. */
async function scenarioMixed(sims: Sims, cx: Cxgraph): Promise<void> {
  log(`scenario 4: mixed query over four providers + a Sangoma mutation, ${S4_CONNECTIONS} connections, ${DURATION} s`);
  await connectPbxAccount(cx.url);
  const q = cxMixed();
  const mut = cxStartAgentCall();
  await probe(cx.url, q, (b) => graphqlOk(b) && b.includes('"pbx":[{'), 'cxgraph mixed query');
  await probe(cx.url, mut, (b) => graphqlOk(b) && b.includes('"accepted":true'), 'cxgraph startAgentCall');
  await runLoad({ url: cx.url, connections: S4_CONNECTIONS, duration: WARMUP, requests: [q, mut], verify: graphqlOk });
  const m = await measure(sims, cx.child.pid, { url: cx.url, connections: S4_CONNECTIONS, duration: DURATION, requests: [q, mut], verify: graphqlOk });
  const counts = await sims.counts();
  extra['mixedUpstreamByProvider'] = counts.byProvider;
  addRow('4 mixed 5 providers', 'cxgraph', `cxgraph (${runtime})`, S4_CONNECTIONS, m, 'query (4 providers) and mutation (Sangoma) alternate');
}

/**
 * S5: 100 000 `recording` queries in a row after a 20 000-query warm-up at the same load. RSS is sampled every 250 ms;
 * it saws up and down with each young-generation GC, so growth is measured between the lows (right after a GC) of
 * the first and of the last quarter of the run: what is still held, not what is waiting to be collected.
 */
async function scenarioMemory(sims: Sims, cx: Cxgraph): Promise<void> {
  log(`scenario 5: ${S5_AMOUNT.toLocaleString('en-US')} queries in a row at ${S5_CONNECTIONS} connections`);
  const req = cxRecording(HOT_KEY);
  const body = await probe(cx.url, req, graphqlOk, 'cxgraph recording');
  await runLoad({ url: cx.url, connections: S5_CONNECTIONS, amount: S5_WARMUP, requests: [req], verify: (b) => b === body });
  const samples: number[] = [];
  const sample = () => samples.push(Math.round(memoryOf(cx.child.pid).rssMb * 10) / 10);
  sample();
  const timer = setInterval(sample, 250);
  const m = await measure(sims, cx.child.pid, { url: cx.url, connections: S5_CONNECTIONS, amount: S5_AMOUNT, requests: [req], verify: (b) => b === body });
  clearInterval(timer);
  sample();
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const before = Math.min(...samples.slice(0, quarter));
  const after = Math.min(...samples.slice(-quarter));
  const growth = after - before;
  extra['memory'] = { lowFirstQuarterMb: before, lowLastQuarterMb: after, growthMb: growth, peakMb: m.peakRssMb, sampleEveryMs: 250, samplesMb: samples };
  addRow('5 memory 100k', 'cxgraph', `cxgraph (${runtime})`, S5_CONNECTIONS, m, `RSS lows ${fmt(before)} → ${fmt(after)} MB`);
  targets.push({
    scenario: '5 memory',
    target: `RSS growth over ${S5_AMOUNT.toLocaleString('en-US')} queries < 30 MB`,
    measured: `${fmt(growth, 1)} MB (RSS after GC ${fmt(before, 1)} MB in the first quarter of the run, ${fmt(after, 1)} MB in the last; peak ${fmt(m.peakRssMb ?? NaN)} MB)`,
    met: m.load.errors === 0 && m.load.requests === S5_AMOUNT && growth < 30,
  });
}

// --- main ----------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (chartOnly) {
    // Re-draws latest.svg from latest.json (after a change to the chart, without running again).
    const saved = JSON.parse(readFileSync(join(RESULTS, 'latest.json'), 'utf8')) as Results;
    writeFileSync(join(RESULTS, 'latest.svg'), await renderChart('cxgraph benchmark', subtitleOf(saved), panelsOf(saved)));
    writeFileSync(join(RESULTS, 'latest.md'), `${subtitleOf(saved)}\n\n${formatTable(saved.rows)}\n\n${formatTargets(saved.targets)}\n`);
    return;
  }
  const startedAt = performance.now();
  const loadAtStart = loadavg().map((x) => Math.round(x * 100) / 100);
  if (loadAtStart[0]! > cpus().length / 2) {
    log(
      `other work kept ${loadAtStart[0]} of ${cpus().length} CPUs busy over the last minute: throughput and latency will read worse (CPU per request barely moves)`,
    );
  }
  mkdirSync(RESULTS, { recursive: true });
  const mainPort = await freePort();
  log('starting the simulators (own process) and compiling cxgraph (tsc → bench/.build)');
  const [sims, buildMs] = await Promise.all([startSims(ROOT, `http://127.0.0.1:${mainPort}`), noBuild ? 0 : buildCompiled(ROOT)]);
  extra['buildMs'] = buildMs;

  if (wants(6)) await scenarioColdStart(sims);
  if (wants(3)) await scenarioStampede(sims);

  let meshPending: Promise<Mesh | undefined> | undefined;
  if (withMesh) {
    // Installed, composed and started while the main instance starts (after the cold-start and stampede scenarios,
    // which it would disturb).
    meshPending = (async () => {
      try {
        const installMs = await ensureMeshInstalled(ROOT);
        if (installMs) extra['meshInstallMs'] = installMs;
        await composeMesh(ROOT, sims.info.urls.CALLJOURNEY);
        return await startMesh(ROOT, await freePort());
      } catch (e) {
        skipped.push(`GraphQL Mesh baseline: ${(e as Error).message.split('\n')[0]}`);
        log(`GraphQL Mesh baseline unavailable: ${(e as Error).message}`);
        return undefined;
      }
    })();
  } else skipped.push('GraphQL Mesh baseline (--no-mesh or not needed by --only)');

  const mainNodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${join(RESULTS, 'profiles')}`] : [];
  const cx = await startCxgraph({ root: ROOT, runtime, port: mainPort, providerEnv: sims.info.env, nodeArgs: mainNodeArgs });
  const bearer = await fetchBearer(sims);
  const mesh: Mesh | undefined = await meshPending;
  if (wants(1)) await scenarioHotRecording(sims, cx, mesh, bearer);
  if (wants(2)) await scenarioBatch(sims, cx, mesh, bearer);
  await mesh?.stop();
  if (wants(4)) await scenarioMixed(sims, cx);
  if (wants(5)) await scenarioMemory(sims, cx);
  const fleet: FleetContext = {
    root: ROOT,
    runtime,
    sims,
    bearer,
    durationS: DURATION,
    quick,
    rows,
    targets,
    extra,
    skipped,
    log,
    async measureRow(scenario, system, label, url, pid, requests, connections, verify) {
      await runLoad({ url, connections, duration: WARMUP, requests, verify });
      return addRow(scenario, system, label, connections, await measure(sims, pid, { url, connections, duration: DURATION, requests, verify }));
    },
  };
  if (wants(7)) await scenarioRepeated(fleet, cx);
  await cx.stop();
  if (wants(8)) await scenarioFleetBudget(fleet);
  if (wants(9)) await scenarioCoolDown(fleet);
  await sims.child.stop();
  // Its own simulators (one per platform, every account's credentials) and its own cxgraph.
  if (wants(10)) await scenarioTenants({ root: ROOT, runtime, quick, targets, extra, log });

  const results: Results = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      // Other work on the machine lowers throughput and raises latency; CPU ms per request is barely affected.
      loadAverage: { atStart: loadAtStart, atEnd: loadavg().map((x) => Math.round(x * 100) / 100) },
    },
    settings: {
      runtime,
      quick,
      durationS: DURATION,
      connections: CONNECTIONS,
      recordingConcurrency: RECORDING_CONCURRENCY,
      scenario2: { keys: S2_TOTAL, distinct: S2_DISTINCT, latencyMs: S2_LATENCY_MS, queries: S2_REQUESTS },
      scenario3: { queries: STAMPEDE, tokenLatencyMs: STAMPEDE_TOKEN_LATENCY_MS },
      scenario5: { queries: S5_AMOUNT, connections: S5_CONNECTIONS },
      only: only ?? 'all',
    },
    rows,
    targets,
    extra,
    skipped,
    totalSeconds: (performance.now() - startedAt) / 1000,
  };
  if (!only && !quick) {
    writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(RESULTS, 'latest.svg'), await renderChart('cxgraph benchmark', subtitleOf(results), panelsOf(results)));
    writeFileSync(join(RESULTS, 'latest.md'), `${subtitleOf(results)}\n\n${formatTable(rows)}\n\n${formatTargets(targets)}\n`);
  } else {
    // Partial or quick runs do not replace the published results.
    writeFileSync(join(RESULTS, 'partial.json.tmp'), `${JSON.stringify(results, null, 2)}\n`);
  }
  process.stdout.write(`\n${formatTable(rows)}\n\n${formatTargets(targets)}\n`);
  if (skipped.length) process.stdout.write(`\nskipped: ${skipped.join('; ')}\n`);
  process.stdout.write(
    `\n${results.machine.cpus} × ${results.machine.cpuModel}, Node ${results.machine.node}, load average ${loadAtStart[0]} at start, ` +
      `${results.machine.loadAverage.atEnd[0]} at end; ${fmt(results.totalSeconds)} s in all.\n`,
  );
  if (!only && !quick) process.stdout.write('Written: bench/results/latest.json, latest.svg (chart) and latest.md (these tables)\n');
}

function subtitleOf(r: Results): string {
  return `${r.date.slice(0, 16).replace('T', ' ')} UTC · ${r.machine.cpus} × ${r.machine.cpuModel} · Node ${r.machine.node} · cxgraph ${r.settings['runtime']} · bench/results/latest.json`;
}

function panelsOf(r: Results): Panel[] {
  const panels: Panel[] = [];
  const s1 = r.rows.filter((x) => x.scenario === '1 hot recording');
  const kind = (s: System) => (s === 'cxgraph' ? 'cxgraph' : s === 'mesh' ? 'peer' : 'direct') as 'cxgraph' | 'direct' | 'peer';
  const short = (x: Row) => ({ cxgraph: 'cxgraph', direct: 'direct (limit)', hop: 'minimal Node hop', mesh: 'Mesh + Hive Gateway' })[x.system];
  const direct1 = s1.find((x) => x.system === 'direct');
  if (s1.length) {
    panels.push({
      title: `1 · one recording, hot token: requests/s at ${s1[0]!.connections} connections (higher is better)`,
      bars: s1.map((x) => ({ label: short(x), value: x.rps, kind: kind(x.system) })),
      ...(direct1 ? { target: { value: 0.7 * direct1.rps, label: 'target 0.7 × direct' } } : {}),
    });
    panels.push({ title: '1 · p99 latency, ms (lower is better)', bars: s1.map((x) => ({ label: short(x), value: x.p99Ms, kind: kind(x.system) })) });
    const hop1 = s1.find((x) => x.system === 'hop');
    const withCpu = s1.filter((x) => x.cpuMsPerRequest !== undefined);
    if (hop1?.cpuMsPerRequest && withCpu.length) {
      panels.push({
        title: '1 · CPU ms per request of the process in between (lower is better)',
        bars: withCpu.map((x) => ({ label: short(x), value: x.cpuMsPerRequest!, kind: kind(x.system) })),
        target: { value: 3 * hop1.cpuMsPerRequest, label: 'target 3 × the hop' },
      });
    }
  }
  const s2 = r.rows.filter((x) => x.scenario.startsWith('2 '));
  if (s2.length) {
    panels.push({
      title: '2 · recordings, 200 keys / 50 distinct: upstream calls per query (lower is better)',
      bars: s2.map((x) => ({ label: short(x), value: x.upstreamPerRequest, kind: kind(x.system) })),
      target: { value: S2_DISTINCT, label: `target ${S2_DISTINCT}` },
    });
    panels.push({
      title: `2 · wall time per query at ${S2_LATENCY_MS} ms upstream, p50 ms (lower is better)`,
      bars: s2.map((x) => ({ label: short(x), value: x.p50Ms, kind: kind(x.system) })),
      target: { value: Math.ceil(S2_DISTINCT / RECORDING_CONCURRENCY) * S2_LATENCY_MS + 15, label: 'target' },
    });
  }
  const stampede = r.rows.filter((x) => x.scenario === '3 stampede');
  if (stampede.length) {
    const which = (x: Row) => (x.label.includes('QUEUE') ? `queue ${STAMPEDE}` : 'defaults');
    panels.push({
      title: `3 · ${STAMPEDE} cold queries at once: errors (target 0) and token requests (target 1)`,
      bars: stampede.flatMap((x) => [
        { label: `errors (${which(x)})`, value: x.errors, kind: 'cxgraph' as const },
        { label: `tokens (${which(x)})`, value: x.tokenRequests, kind: 'other' as const },
      ]),
    });
  }
  const others = r.rows.filter((x) => x.system === 'cxgraph' && /^[45] /.test(x.scenario));
  if (others.length) {
    panels.push({
      title: 'cxgraph in scenarios 4 and 5: requests/s',
      bars: others.map((x) => ({ label: x.scenario, value: x.rps, kind: 'cxgraph' as const })),
    });
  }
  const mem = r.extra['memory'] as { growthMb: number } | undefined;
  if (mem)
    panels.push({
      title: '5 · RSS growth over 100 000 queries, MB',
      bars: [{ label: 'cxgraph', value: mem.growthMb, kind: 'cxgraph' }],
      target: { value: 30, label: 'limit 30 MB' },
    });
  const cold = r.extra['coldStartMs'] as { medianCompiled: number; medianTsx: number } | undefined;
  if (cold) {
    panels.push({
      title: '6 · cold start to first answer, ms',
      bars: [
        { label: 'node (compiled, as Docker)', value: cold.medianCompiled, kind: 'cxgraph' },
        { label: 'tsx loader (sources)', value: cold.medianTsx, kind: 'other' },
      ],
      target: { value: 1500, label: 'limit 1 500 ms' },
    });
  }
  const s7 = r.rows.filter((x) => x.scenario.startsWith('7 '));
  if (s7.length) {
    const label7 = (x: Row) =>
      x.system === 'direct' ? 'direct (limit of a client)' : x.label.includes('cache on') ? 'cxgraph, cache on' : 'cxgraph, cache off';
    panels.push({
      title: '7 · 200 repeated recordings, 20 ms upstream, 50 connections: requests/s (higher is better)',
      bars: s7.map((x) => ({ label: label7(x), value: x.rps, kind: kind(x.system) })),
    });
    panels.push({
      title: '7 · upstream calls per query after warm-up (target 0)',
      bars: s7.map((x) => ({ label: label7(x), value: x.upstreamPerRequest, kind: kind(x.system) })),
    });
  }
  const s8 = r.extra['scenario8'] as
    { limit: number; maxInAnySecond: number; platform429: number; answered: number; rateLimited: number; other: number } | undefined;
  if (s8) {
    panels.push({
      title: `8 · three replicas, CALLJOURNEY:${s8.limit}, 5 × offered: most calls in any second at the platform`,
      bars: [{ label: 'cxgraph fleet', value: s8.maxInAnySecond, kind: 'cxgraph' }],
      target: { value: s8.limit, label: `limit ${s8.limit}` },
    });
    panels.push({
      title: '8 · outcome of every query (target: no 429 from the platform, nothing else)',
      bars: [
        { label: 'answered', value: s8.answered, kind: 'cxgraph' },
        { label: 'RATE_LIMITED, unsent', value: s8.rateLimited, kind: 'other' },
        { label: '429 from the platform', value: s8.platform429, kind: 'peer' },
        { label: 'anything else', value: s8.other, kind: 'peer' },
      ],
    });
  }
  const s10 = r.extra['scenario10'] as { accounts: number; idleCpuMsPer5s: { noAccountBuilt: number; allBuilt: number } } | undefined;
  if (s10) {
    panels.push({
      title: `10 · idle CPU ms over 5 s, no account built vs all ${s10.accounts} built (target: no more)`,
      bars: [
        { label: 'no account built', value: s10.idleCpuMsPer5s.noAccountBuilt, kind: 'direct' },
        { label: `${s10.accounts} accounts built`, value: s10.idleCpuMsPer5s.allBuilt, kind: 'cxgraph' },
      ],
    });
  }
  const s9 = r.extra['scenario9'] as { retryAfter: number; edgeMs: number; inEdge: number[]; after: number; perSecondBefore: number } | undefined;
  if (s9) {
    panels.push({
      title: `9 · one 429 Retry-After: ${s9.retryAfter}, three busy replicas: requests reaching the platform in those ${s9.retryAfter} s (target 0)`,
      bars: [
        { label: 'the second before', value: s9.perSecondBefore, kind: 'direct' },
        { label: `first ${s9.edgeMs} ms (in flight)`, value: s9.inEdge.length, kind: 'other' },
        { label: `after ${s9.edgeMs} ms`, value: s9.after, kind: 'cxgraph' },
      ],
    });
  }
  return panels;
}

// Interrupted: the child processes must not outlive the run.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void stopAll().finally(() => process.exit(130));
  });
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
