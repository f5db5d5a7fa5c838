/** How cxgraph treats platforms having a bad day, and its fleet-wide budgets (docs/reliability.md). */
import type { ProviderName } from '../domain/provider-name.js';
import { NAME_PATTERN } from '../domain/tenant.js';
import type { RedisTarget } from './redis-target.js';
import type { EnvReader } from './env-reader.js';

export interface ResilienceConfig {
  /** Time limit of the TCP/TLS connect to an upstream, within the request's total upstreamTimeoutMs. */
  connectTimeoutMs: number;
  /** Requests in flight per provider, and requests waiting behind them. */
  maxConcurrentPerProvider: number;
  maxQueuedPerProvider: number;
  /** The circuit breaker per provider: consecutive failures that open it, their window, and the cool-down before a probe. */
  breakerFailures: number;
  breakerWindowMs: number;
  breakerCoolDownMs: number;
  /**
   * CXGRAPH_REQUEST_DEADLINE_MS: the time a GraphQL request has, retries and waits included (src/observability/deadline.ts);
   * a deadline the router forwards in x-cxgraph-deadline-ms only shortens it.
   */
  requestDeadlineMs: number;
  /** How long SIGTERM waits for in-flight requests before cutting connections. */
  shutdownGraceMs: number;
  /**
   * CXGRAPH_UPSTREAM_RATE_LIMITS: requests per second by `PROVIDER` (for each of its accounts) or `PROVIDER@tenant/account`,
   * across every replica on the shared Redis (src/upstream/limits/upstream-limits.ts).
   */
  upstreamRateLimits: Readonly<Record<string, number>>;
  /** CXGRAPH_UPSTREAM_RATE_LIMIT_WAIT_MS: the longest a request waits for its turn before PROVIDER_RATE_LIMITED. */
  rateLimitWaitMs: number;
  /** CXGRAPH_COOL_DOWN_MAX_SECONDS: the longest one 429 holds a host and account back, whatever its Retry-After (cool-down.ts). */
  coolDownMaxSeconds: number;
  /** CXGRAPH_RATE_LIMIT_REDIS_MAX_RTT_MS: past this Redis round trip, rate limits are counted per process (redis-latency.ts). */
  redisMaxRttMs: number;
  /** The Redis that rate limits and 429 cool-downs are shared through (the store's, under CXGRAPH_REDIS_PREFIX); unset: per process. */
  fleet?: { target: RedisTarget; prefix: string };
}

/**
 * CXGRAPH_UPSTREAM_RATE_LIMITS: `PROVIDER:N,…`, N requests per second (1–100000) for each account of a provider named as
 * in `providers` (each its own budget), and `PROVIDER@tenant/account:N` for one account (docs/tenancy.md). Token
 * requests count too: they go through the account's policy like any other request. Keys are kept as written
 * (provider upper-cased): the throttles look them up so (src/upstream/limits/upstream-limits.ts). Whether a named
 * account exists is checked against the accounts file once both are read (src/tenancy/account-limits.ts).
 */
function upstreamRateLimitsOf(r: EnvReader, modules: readonly { readonly name: ProviderName }[]): Record<string, number> {
  const variable = 'CXGRAPH_UPSTREAM_RATE_LIMITS';
  const raw = r.str(variable);
  const limits: Record<string, number> = {};
  if (!raw) return limits;
  const names = modules.map((m) => m.name);
  for (const entry of raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z_]+)(?:@([^/:\s]*)\/([^:\s]*))?\s*:\s*(\d+)$/.exec(entry);
    const provider = m?.[1]!.toUpperCase();
    const account = m?.[2] !== undefined ? { tenant: m[2], account: m[3]! } : undefined;
    const key = provider && (account ? `${provider}@${account.tenant}/${account.account}` : provider);
    const n = Number(m?.[4]);
    if (!m || !provider || !key)
      r.fail(
        variable,
        `expected PROVIDER:requests-per-second (each account of the provider) or PROVIDER@tenant/account:requests-per-second (one account), comma-separated (e.g. CALLJOURNEY:20,NEWVOICEMEDIA@acme/emea:10), got ${r.shown(variable, entry)}`,
      );
    else if (!names.includes(provider)) r.fail(variable, `${provider} is not a provider; expected one of ${names.join(', ')}`);
    else if (account && !(NAME_PATTERN.test(account.tenant) && NAME_PATTERN.test(account.account)))
      r.fail(
        variable,
        `${key}: expected tenant/account names of letters, digits, \`-\` and \`_\` (at most 63 each, starting with a letter or digit), got ${JSON.stringify(`${account.tenant}/${account.account}`)}`,
      );
    else if (key in limits) r.fail(variable, `${key} is given twice`);
    else if (!(n >= 1 && n <= 100_000)) r.fail(variable, `${key}: expected 1 to 100000 requests per second, got ${m[4]}`);
    else limits[key] = n;
  }
  return limits;
}

export function resilienceOf(r: EnvReader, modules: readonly { readonly name: ProviderName }[], fleet: ResilienceConfig['fleet']): ResilienceConfig {
  return {
    upstreamRateLimits: upstreamRateLimitsOf(r, modules),
    rateLimitWaitMs: r.int('CXGRAPH_UPSTREAM_RATE_LIMIT_WAIT_MS', 5_000, 0, 300_000),
    coolDownMaxSeconds: r.int('CXGRAPH_COOL_DOWN_MAX_SECONDS', 60, 1, 3600),
    redisMaxRttMs: r.int('CXGRAPH_RATE_LIMIT_REDIS_MAX_RTT_MS', 200, 1, 60_000),
    ...(fleet ? { fleet } : {}),
    connectTimeoutMs: r.int('CXGRAPH_UPSTREAM_CONNECT_TIMEOUT_MS', 3_000, 50, 60_000),
    maxConcurrentPerProvider: r.int('CXGRAPH_UPSTREAM_CONCURRENCY', 32, 1, 10_000),
    // Large enough for a cold stampede of a few thousand queries (each waits at most the upstream time limit);
    // the cap is against unbounded memory under sustained overload, not against bursts.
    maxQueuedPerProvider: r.int('CXGRAPH_UPSTREAM_QUEUE', 4096, 0, 1_000_000),
    breakerFailures: r.int('CXGRAPH_BREAKER_FAILURES', 5, 1, 1000),
    breakerWindowMs: r.int('CXGRAPH_BREAKER_WINDOW_MS', 30_000, 100, 3_600_000),
    breakerCoolDownMs: r.int('CXGRAPH_BREAKER_COOLDOWN_MS', 10_000, 100, 3_600_000),
    // Under the router's 30 s default subgraph timeout with room to spare (docs/reliability.md).
    requestDeadlineMs: r.int('CXGRAPH_REQUEST_DEADLINE_MS', 8_000, 100, 600_000),
    shutdownGraceMs: r.int('CXGRAPH_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
  };
}
