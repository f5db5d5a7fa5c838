/**
 * The HTTP side of the services, built once: the production fetch (undici, src/upstream/upstream-fetch.ts) unless one is
 * injected, one resilience policy and one UpstreamClient per provider (made on first use, then shared by every
 * client of the provider and by its token requests), and the token manager whose token requests go through them.
 */
import type { ConnectionStatus } from '../observability/connection-status.js';
import { TokenManager } from '../auth/token-manager.js';
import type { Clock } from '../domain/clock.js';
import type { ProviderName } from '../domain/provider-name.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { KvStore } from '../store/kv-store.js';
import { ResiliencePolicy } from '../upstream/limits/resilience.js';
import type { TimerClock } from '../upstream/limits/limits-clock.js';
import { UpstreamLimits } from '../upstream/limits/throttle.js';
import type { ResilienceConfig } from '../config/resilience-config.js';
import { UpstreamClient } from '../upstream/upstream-client.js';
import { createUpstreamFetch, type FetchLike } from '../upstream/upstream-fetch.js';

/** The resilience settings (config.resilience) the HTTP path uses; the rate limits may be left out (none). */
export type HttpResilience = Omit<
  ResilienceConfig,
  'shutdownGraceMs' | 'requestDeadlineMs' | 'upstreamRateLimits' | 'rateLimitWaitMs' | 'coolDownMaxSeconds' | 'redisMaxRttMs'
> &
  Partial<Pick<ResilienceConfig, 'upstreamRateLimits' | 'rateLimitWaitMs' | 'coolDownMaxSeconds' | 'redisMaxRttMs'>>;

/** The upstream limits (config.limits). */
export interface HttpLimits {
  /** Time limit of one attempt (CXGRAPH_UPSTREAM_TIMEOUT_MS). */
  upstreamTimeoutMs: number;
  retryAfterCapSeconds: number;
  /** Longest JSON or token body read (CXGRAPH_MAX_RESPONSE_BYTES, default 4 MiB). */
  maxResponseBytes?: number;
}

export interface HttpDeps {
  resilience: HttpResilience;
  limits: HttpLimits;
  logger: Logger;
  metrics?: Metrics;
  status?: ConnectionStatus;
  /** Where tokens are cached and locked across replicas. */
  store: KvStore;
  /** Injected fetch (tests); default the production fetch, closed by close(). */
  fetch?: FetchLike;
  clock?: Clock;
  /** The clock of the rate limits and 429 cool-downs (default the system's). */
  limitsClock?: TimerClock;
  /** 0..1 random source (token renewal jitter). */
  random?: () => number;
}

export interface Http {
  tokens: TokenManager;
  /** The provider's client (one per provider, shared). */
  client(provider: ProviderName): UpstreamClient;
  /** Rate limits and 429 cool-downs (`providers { coolDowns }`, /readyz). */
  limits: UpstreamLimits;
  /**
   * One account's own client and token manager (docs/tenancy.md): its own breaker and concurrency cap, the throttle
   * scope `limitsScope` (src/domain/tenant.ts) gives it, and tokens kept in `store` (the account's part of the store),
   * over the one shared fetch. Made when the account is first used; nothing runs for an account nobody uses.
   */
  account(
    provider: ProviderName,
    limitsScope: string,
    deps: { store: KvStore; status: ConnectionStatus; logger: Logger },
  ): { client: UpstreamClient; tokens: TokenManager };
  /** Cuts the connections left (after the HTTP server has drained). */
  close(): Promise<void>;
}

export function createHttp(deps: HttpDeps): Http {
  const { resilience: r, limits, logger, metrics, status } = deps;
  const upstreamFetch = deps.fetch ? undefined : createUpstreamFetch({ connectTimeoutMs: r.connectTimeoutMs });
  const fetch = deps.fetch ?? upstreamFetch!.fetch;
  const clients = new Map<ProviderName, UpstreamClient>();
  // Rate limits and 429 cool-downs, shared by every replica on the Redis (src/upstream/limits/throttle.ts).
  const upstreamLimits = new UpstreamLimits({
    rateLimits: r.upstreamRateLimits ?? {},
    rateLimitWaitMs: Math.min(r.rateLimitWaitMs ?? 5_000, limits.upstreamTimeoutMs),
    coolDownMaxWaitMs: Math.min(limits.retryAfterCapSeconds * 1000, limits.upstreamTimeoutMs),
    coolDownMaxSeconds: r.coolDownMaxSeconds,
    redisMaxRttMs: r.redisMaxRttMs,
    // A probe that dies with its replica frees the claim after one attempt's time limit and a margin.
    probeLeaseMs: limits.upstreamTimeoutMs + 5_000,
    clock: deps.limitsClock,
    shared: r.fleet,
    logger,
    metrics,
  });

  // One provider's (or one account's) resilience policy: the same settings, its own breaker, bulkhead and throttle scope.
  const policyOf = (provider: ProviderName, throttleScope: string, log: Logger): ResiliencePolicy =>
    new ResiliencePolicy(provider, {
      timeoutMs: limits.upstreamTimeoutMs,
      retryAfterCapSeconds: limits.retryAfterCapSeconds,
      breakerFailures: r.breakerFailures,
      breakerWindowMs: r.breakerWindowMs,
      breakerCoolDownMs: r.breakerCoolDownMs,
      maxConcurrent: r.maxConcurrentPerProvider,
      maxQueued: r.maxQueuedPerProvider,
      throttle: upstreamLimits.throttle(throttleScope),
      onStateChange: (state) => {
        if (state === 'open') log.warn({ provider, coolDownMs: r.breakerCoolDownMs }, 'circuit breaker open: failing fast until a probe succeeds');
        else if (state === 'closed') log.info({ provider }, 'circuit breaker closed: provider answers again');
      },
    });

  const clientOf = (
    provider: ProviderName,
    own: { tokens: TokenManager; logger: Logger; status: ConnectionStatus | undefined; policy: ResiliencePolicy },
  ): UpstreamClient =>
    new UpstreamClient(provider, {
      fetch,
      tokens: own.tokens,
      logger: own.logger,
      metrics,
      status: own.status,
      timeoutMs: limits.upstreamTimeoutMs,
      maxResponseBytes: limits.maxResponseBytes,
      policy: own.policy,
    });

  const tokenManagerOf = (
    own: { store: KvStore; logger: Logger; status: ConnectionStatus | undefined },
    http: (provider: ProviderName) => UpstreamClient,
  ): TokenManager =>
    new TokenManager({
      store: own.store,
      logger: own.logger,
      metrics,
      status: own.status,
      http,
      clock: deps.clock,
      random: deps.random,
      timeoutMs: limits.upstreamTimeoutMs,
      // The lease outlives a token request that is sent once (refresh, authorization code): a wait for a slot and one
      // attempt, each within the time limit. Retried requests (client credentials, password) may outlive it, and then
      // another replica may ask too — harmless for exactly those grants.
      lockLeaseMs: 2 * limits.upstreamTimeoutMs + 5_000,
    });

  const client = (provider: ProviderName): UpstreamClient => {
    let c = clients.get(provider);
    if (c) return c;
    const policy = policyOf(provider, provider, logger);
    metrics?.watchCircuit(provider, () => policy.state);
    c = clientOf(provider, { tokens, logger, status, policy });
    clients.set(provider, c);
    return c;
  };

  const tokens = tokenManagerOf({ store: deps.store, logger, status }, client);

  const account: Http['account'] = (provider, limitsScope, own) => {
    const policy = policyOf(provider, limitsScope, own.logger);
    // The account's token manager sends its token requests through the account's client, made just below.
    const accountTokens = tokenManagerOf(own, () => accountClient);
    const accountClient = clientOf(provider, { tokens: accountTokens, logger: own.logger, status: own.status, policy });
    return { client: accountClient, tokens: accountTokens };
  };

  return {
    tokens,
    client,
    limits: upstreamLimits,
    account,
    async close() {
      await upstreamLimits.close();
      await upstreamFetch?.close();
    },
  };
}
