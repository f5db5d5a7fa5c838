/**
 * Scenarios 7–9: cxgraph as a fleet in front of a platform (issue 12). The platform's view is what counts: upstream
 * calls are counted by the simulator (7) or by the platform's front door in the simulator process (8, 9:
 * platform-front.ts, with arrival times).
 *
 * 7 · repeated recordings: a working set of 200 keys at 50 connections with the shared recording cache on, against
 *     the platform called directly and cxgraph with the cache off, at 20 ms upstream latency (a platform on loopback
 *     answering from memory in 0 ms would make any hop look slow; the cache's point is the calls it saves).
 * 8 · three replicas on one Redis with CXGRAPH_UPSTREAM_RATE_LIMITS=CALLJOURNEY:50 under 250 queries/s (5 × the
 *     limit, open loop, distinct keys), the platform enforcing 50/s itself: the most calls in any one-second window,
 *     429s from the platform, and every query answered or PROVIDER_RATE_LIMITED.
 * 9 · three busy replicas on one Redis, one 429 with Retry-After: 2: what reaches the platform during those 2 s.
 */
import { randomBytes } from 'node:crypto';
import { redisAnswers as ping } from '../../scripts/redis-ping.js';
import { Agent, request } from 'undici';
import { startCxgraph, type Cxgraph, type Runtime } from './cxgraph.js';
import { graphqlOk, runLoad } from './load.js';
import { freePort } from './processes.js';
import type { Row, TargetCheck } from './report.js';
import type { Sims } from './sims.js';
import { cxRecording, cxRecordings, directRecording, workingSet, type Key } from './workload.js';

export interface FleetContext {
  root: string;
  runtime: Runtime;
  sims: Sims;
  bearer: string;
  durationS: number;
  quick: boolean;
  rows: Row[];
  targets: TargetCheck[];
  extra: Record<string, unknown>;
  skipped: string[];
  log(msg: string): void;
  /** One measured load run with counters reset before (run.ts `measure`), as a row. */
  measureRow(
    scenario: string,
    system: Row['system'],
    label: string,
    url: string,
    pid: number | undefined,
    requests: ReturnType<typeof cxRecording>[],
    connections: number,
    verify: (b: string) => boolean,
  ): Promise<Row>;
}

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const fmt = (v: number, d = 0) => v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True when a Redis answers PING at REDIS_URL (scenarios 8 and 9 need one; 7 uses it when there is one). */
export const redisAnswers = (url = REDIS_URL): Promise<boolean> => ping(url);

/** Production requires values sealed at rest with Redis: one key per run, shared by its replicas. */
const ENCRYPTION_KEY = randomBytes(32).toString('base64');

/** A key prefix of this run's own: the Redis may be shared (never flushed; what is left expires). */
const prefix = (what: string) => `bench-${what}-${Date.now().toString(36)}`;

/** The most arrivals in any closed one-second window. */
export function maxPerSecond(times: readonly number[]): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (j < t.length && t[j]! - t[i]! <= 1000) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

async function replicas(ctx: FleetContext, n: number, env: Record<string, string>): Promise<Cxgraph[]> {
  const shared: Record<string, string> = env['REDIS_URL'] ? { CXGRAPH_ENCRYPTION_KEYS: ENCRYPTION_KEY } : {};
  return Promise.all(
    Array.from({ length: n }, async () =>
      startCxgraph({ root: ctx.root, runtime: ctx.runtime, port: await freePort(), providerEnv: ctx.sims.info.env, extraEnv: { ...shared, ...env } }),
    ),
  );
}

/** S7: 200 repeated keys, cache on, at 20 ms upstream latency. */
export async function scenarioRepeated(ctx: FleetContext, uncached: Cxgraph): Promise<void> {
  const latencyMs = 20;
  const withRedis = await redisAnswers();
  ctx.log(
    `scenario 7: 200 repeated recordings, 50 connections, ${latencyMs} ms upstream, shared cache on (${withRedis ? 'Redis' : 'memory: no Redis at REDIS_URL'})`,
  );
  const distinct: Key[] = workingSet(200).map(({ callId: _, ...k }) => k);
  const cx = (
    await replicas(ctx, 1, { CXGRAPH_RECORDING_CACHE_TTL_SECONDS: '600', ...(withRedis ? { REDIS_URL, CXGRAPH_REDIS_PREFIX: prefix('s7') } : {}) })
  )[0]!;
  await ctx.sims.setLatency('CALLJOURNEY', latencyMs, 'conversationexists');
  try {
    const cxReqs = distinct.map(cxRecording);
    const ok = (b: string) => graphqlOk(b) && b.includes('"exists":true');
    // Warm-up: every key once, in one batch (the cache fills), then load for a moment.
    const batch = cxRecordings(distinct);
    await runLoad({
      url: cx.url,
      connections: 1,
      amount: 1,
      requests: [batch],
      verify: (b) => graphqlOk(b) && (b.match(/"exists":true/g)?.length ?? 0) === distinct.length,
    });
    await runLoad({ url: cx.url, connections: 50, duration: 1, requests: cxReqs, verify: ok });
    const cached = await ctx.measureRow(
      '7 repeated 200 keys @20ms',
      'cxgraph',
      `cxgraph, shared cache on (${withRedis ? 'Redis' : 'memory'})`,
      cx.url,
      cx.child.pid,
      cxReqs,
      50,
      ok,
    );
    const off = await ctx.measureRow('7 repeated 200 keys @20ms', 'cxgraph', 'cxgraph, cache off', uncached.url, uncached.child.pid, cxReqs, 50, ok);
    const directReqs = distinct.map((k: Key) => directRecording(k, ctx.bearer));
    const direct = await ctx.measureRow(
      '7 repeated 200 keys @20ms',
      'direct',
      'direct (autocannon → simulator)',
      ctx.sims.info.urls.CALLJOURNEY,
      undefined,
      directReqs,
      50,
      (b) => b.includes('"exists":true'),
    );
    ctx.extra['scenario7'] = {
      latencyMs,
      store: withRedis ? 'redis' : 'memory',
      cachedRps: cached.rps,
      uncachedRps: off.rps,
      directRps: direct.rps,
      upstreamPerQuery: cached.upstreamPerRequest,
    };
    ctx.targets.push({
      scenario: '7 repeated recordings',
      target: 'upstream calls per query after warm-up = 0',
      measured: `${fmt(cached.upstreamPerRequest, 3)} (${cached.upstreamCalls} calls for ${fmt(cached.requests)} queries; cache off: ${fmt(off.upstreamPerRequest, 2)})`,
      met: cached.errors === 0 && cached.upstreamCalls === 0,
    });
    ctx.targets.push({
      scenario: '7 repeated recordings',
      target: 'more throughput than calling the platform directly',
      measured: `${fmt(cached.rps)} vs ${fmt(direct.rps)} req/s direct (${fmt(cached.rps / direct.rps, 2)} ×) at ${latencyMs} ms upstream; cache off ${fmt(off.rps)} req/s`,
      met: cached.errors === 0 && cached.rps > direct.rps,
    });
  } finally {
    await ctx.sims.setLatency('CALLJOURNEY', 0, 'conversationexists');
    await cx.stop();
  }
}

interface Outcome {
  answered: number;
  rateLimited: number;
  other: number;
  firstOther?: string;
}

/** Sends `total` distinct `recording` queries at `perSecond` (open loop), round robin over `urls`; counts outcomes. */
async function openLoop(urls: string[], perSecond: number, total: number, tag: string): Promise<Outcome> {
  const agent = new Agent({ connections: 2048 });
  const out: Outcome = { answered: 0, rateLimited: 0, other: 0 };
  const pending: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const req = cxRecording({ company: 'acme', organisation: 'support', folder: '2024/06/01', filename: `${tag}-${i}.wav` });
    pending.push(
      request(`${urls[i % urls.length]}/graphql`, { method: 'POST', headers: req.headers, body: req.body as string, dispatcher: agent })
        .then((r) => r.body.text())
        .then((body) => {
          if (graphqlOk(body)) out.answered++;
          else if (body.includes('"PROVIDER_RATE_LIMITED"') && body.includes('"retryAfter"')) out.rateLimited++;
          else {
            out.other++;
            out.firstOther ??= body.slice(0, 300);
          }
        })
        .catch((e: unknown) => {
          out.other++;
          out.firstOther ??= String(e);
        }),
    );
  }
  await Promise.all(pending);
  await agent.close();
  return out;
}

/** Replicas pointed at the platform's front door, tokens fetched, the front's counters reset. */
async function fleetOnFront(ctx: FleetContext, env: Record<string, string>): Promise<Cxgraph[]> {
  const fleet = await replicas(ctx, 3, { REDIS_URL, CXGRAPH_REDIS_PREFIX: prefix('fleet'), CALLJOURNEY_BASE_URL: ctx.sims.front.url, ...env });
  for (const cx of fleet) {
    const r = cxRecording({ company: 'acme', organisation: 'support', folder: '2024/06/01', filename: 'warm.wav' });
    await fetch(`${cx.url}/graphql`, { method: 'POST', headers: r.headers, body: r.body as string });
  }
  await sleep(1100);
  await ctx.sims.front.reset();
  return fleet;
}

/** S8: CALLJOURNEY:50 over three replicas, 5 × that offered. */
export async function scenarioFleetBudget(ctx: FleetContext): Promise<void> {
  const limit = 50;
  const offered = 5 * limit;
  const seconds = ctx.quick ? 4 : 10;
  if (!(await redisAnswers())) {
    ctx.skipped.push(`scenario 8: no Redis at ${REDIS_URL}`);
    ctx.targets.push({
      scenario: '8 fleet rate limit',
      target: `≤ ${limit} calls in any second at the platform`,
      measured: `not run: no Redis at ${REDIS_URL}`,
      met: null,
    });
    return;
  }
  ctx.log(`scenario 8: three replicas on one Redis, CALLJOURNEY:${limit}, ${offered} queries/s offered for ${seconds} s, the platform enforcing ${limit}/s`);
  const fleet = await fleetOnFront(ctx, { CXGRAPH_UPSTREAM_RATE_LIMITS: `CALLJOURNEY:${limit}` });
  try {
    await ctx.sims.front.config({ limitPerSecond: limit });
    const outcome = await openLoop(
      fleet.map((cx) => cx.url),
      offered,
      offered * seconds,
      's8',
    );
    const arrivals = await ctx.sims.front.arrivals();
    const worst = maxPerSecond(arrivals.map(([t]) => t));
    const refusedByPlatform = arrivals.filter(([, s]) => s === 429).length;
    const spanS = arrivals.length > 1 ? (arrivals.at(-1)![0] - arrivals[0]![0]) / 1000 : NaN;
    ctx.extra['scenario8'] = {
      limit,
      offeredPerSecond: offered,
      seconds,
      ...outcome,
      upstreamCalls: arrivals.length,
      maxInAnySecond: worst,
      platform429: refusedByPlatform,
      upstreamPerSecond: arrivals.length / spanS,
    };
    ctx.log(
      `  ${arrivals.length} calls reached the platform (${fmt(arrivals.length / spanS, 1)}/s), most in any second ${worst}, 429s ${refusedByPlatform}; queries: ${outcome.answered} answered, ${outcome.rateLimited} PROVIDER_RATE_LIMITED, ${outcome.other} other${outcome.firstOther ? ` (${outcome.firstOther})` : ''}`,
    );
    ctx.targets.push({
      scenario: '8 fleet rate limit',
      target: `≤ ${limit} calls in any second at the platform`,
      measured: `${worst} (${arrivals.length} calls in ${fmt(spanS, 1)} s = ${fmt(arrivals.length / spanS, 1)}/s)`,
      met: worst <= limit,
    });
    ctx.targets.push({
      scenario: '8 fleet rate limit',
      target: '0 responses 429 from the platform',
      measured: String(refusedByPlatform),
      met: refusedByPlatform === 0,
    });
    ctx.targets.push({
      scenario: '8 fleet rate limit',
      target: 'every query answered or PROVIDER_RATE_LIMITED',
      measured: `${outcome.answered} answered, ${outcome.rateLimited} PROVIDER_RATE_LIMITED (unsent, with retryAfter), ${outcome.other} other of ${offered * seconds}`,
      met: outcome.other === 0,
    });
  } finally {
    await ctx.sims.front.config({ limitPerSecond: null });
    await Promise.all(fleet.map((cx) => cx.stop()));
  }
}

/** S9: one 429 with Retry-After: 2 while three replicas are busy. */
export async function scenarioCoolDown(ctx: FleetContext): Promise<void> {
  const retryAfter = 2;
  /** Requests arriving this soon after the 429 were sent before the replicas could know of it. */
  const edgeMs = 50;
  if (!(await redisAnswers())) {
    ctx.skipped.push(`scenario 9: no Redis at ${REDIS_URL}`);
    ctx.targets.push({
      scenario: '9 shared 429 cool-down',
      target: `0 upstream requests in the ${retryAfter} s after the 429`,
      measured: `not run: no Redis at ${REDIS_URL}`,
      met: null,
    });
    return;
  }
  ctx.log(`scenario 9: three busy replicas on one Redis, one 429 with Retry-After: ${retryAfter}`);
  const fleet = await fleetOnFront(ctx, {});
  try {
    const req = cxRecording({ company: 'acme', organisation: 'support', folder: '2024/06/01', filename: 's9.wav' });
    const loads = fleet.map((cx) => runLoad({ url: cx.url, connections: 10, duration: retryAfter + 3, requests: [req], verify: graphqlOk }));
    await sleep(1000);
    await ctx.sims.front.config({ inject429: { retryAfterSec: retryAfter } });
    const results = await Promise.all(loads);
    const arrivals = await ctx.sims.front.arrivals();
    const limited = arrivals.find(([, s]) => s === 429);
    if (!limited) throw new Error('scenario 9: the injected 429 was not answered');
    const t429 = limited[0];
    const during = arrivals.filter(([t, s]) => t > t429 && t <= t429 + retryAfter * 1000 && !(t === t429 && s === 429));
    const inEdge = during.filter(([t]) => t <= t429 + edgeMs);
    const after = during.filter(([t]) => t > t429 + edgeMs);
    const resumedAt = arrivals.find(([t]) => t > t429 + edgeMs)?.[0];
    const errors = results.reduce((n, r) => n + r.errors, 0);
    const queries = results.reduce((n, r) => n + r.requests, 0);
    const before = arrivals.filter(([t]) => t < t429 && t >= t429 - 1000).length;
    ctx.extra['scenario9'] = {
      retryAfter,
      edgeMs,
      inEdge: inEdge.map(([t]) => Math.round((t - t429) * 10) / 10),
      after: after.length,
      resumedAfterMs: resumedAt === undefined ? null : resumedAt - t429,
      queries,
      errors,
      perSecondBefore: before,
    };
    ctx.log(
      `  ${before} calls in the second before the 429; in the ${retryAfter} s after it: ${inEdge.length} within ${edgeMs} ms (already sent), ${after.length} later; traffic resumed ${resumedAt === undefined ? 'never' : `${fmt(resumedAt - t429)} ms`} after; ${queries} queries, ${errors} errors`,
    );
    ctx.targets.push({
      scenario: '9 shared 429 cool-down',
      target: `0 upstream requests in the ${retryAfter} s after the 429 (those within ${edgeMs} ms were sent before any replica could know)`,
      measured: `${after.length} after ${edgeMs} ms; ${inEdge.length} within ${edgeMs} ms (at ${inEdge.map(([t]) => `${fmt(t - t429, 1)}`).join(', ') || '–'} ms); resumed at +${resumedAt === undefined ? '–' : fmt(resumedAt - t429)} ms; ${errors} errors of ${queries} queries`,
      met: after.length === 0 && errors === 0,
    });
  } finally {
    await Promise.all(fleet.map((cx) => cx.stop()));
  }
}
