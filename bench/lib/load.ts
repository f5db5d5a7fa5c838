/**
 * One load run with autocannon. Latencies are collected per response (autocannon's own histogram rounds to whole
 * milliseconds, too coarse for the direct baseline), and every body is checked: a GraphQL error comes with
 * HTTP 200, so status codes alone would count failures as successes.
 */
import autocannon, { type AutocannonRequest } from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds; ignored when `amount` is set. */
  duration?: number;
  /** Total requests, spread over the connections. */
  amount?: number;
  requests: AutocannonRequest[];
  /** True when a response body is a correct answer. */
  verify: (body: string) => boolean;
  timeoutS?: number;
}

export interface LoadResult {
  requests: number;
  /** Completed requests per second over the run. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  /** Connection errors, timeouts, non-2xx answers and wrong bodies. */
  errors: number;
  wallMs: number;
  /** The first wrong body, to say what went wrong. */
  firstBadBody?: string;
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let firstBadBody: string | undefined;
  const started = performance.now();
  const instance = autocannon({
    url: opts.url,
    connections: opts.connections,
    ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.duration ?? 5 }),
    timeout: opts.timeoutS ?? 30,
    requests: opts.requests,
    excludeErrorStats: true,
    verifyBody: (body) => {
      const ok = opts.verify(body);
      if (!ok) firstBadBody ??= body.slice(0, 500);
      return ok;
    },
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
    latencies.push(ms);
  });
  const r = await instance;
  const wallMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const done = latencies.length;
  const errors = r.errors + r.timeouts + r.non2xx + r.mismatches;
  return {
    requests: done,
    rps: done / (r.duration || wallMs / 1000),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    meanMs: done ? latencies.reduce((s, v) => s + v, 0) / done : NaN,
    maxMs: latencies[done - 1] ?? NaN,
    errors,
    wallMs,
    ...(firstBadBody !== undefined ? { firstBadBody } : {}),
  };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A GraphQL answer with data and no error (cheap enough to run on every response of the load generator). */
export const graphqlOk = (body: string): boolean => body.startsWith('{"data":') && !body.includes('"errors":');
