/**
 * Long-lived parts shared by every request: the store, the token manager, the connection status and one
 * client per configured provider. Built once by createServer; contexts hold a reference.
 */
import { ConnectionStatus } from './auth/connection-status.js';
import { TokenManager, type Clock, type FetchLike } from './auth/token-manager.js';
import type { Config } from './config.js';
import { CircuitBreaker } from './http/circuit-breaker.js';
import { ConcurrencyLimit } from './http/concurrency-limit.js';
import { UpstreamClient } from './http/upstream-client.js';
import { createUpstreamFetch } from './http/upstream-fetch.js';
import type { Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';
import { CallJourneyClient } from './providers/calljourney/client.js';
import { registerCloudCx } from './providers/cloudcx/register.js';
import type { NvmClient } from './providers/nvm/client.js';
import { registerNvm } from './providers/nvm/register.js';
import { registerPbx } from './providers/pbx/register.js';
import type { PbxService } from './providers/pbx/service.js';
import type { SangomaClient } from './providers/sangoma/client.js';
import { registerSangoma } from './providers/sangoma/register.js';
import type { AgentDirectory, CallHistory, HttpRoute, UserDirectory } from './domain/capabilities.js';
import type { ProviderName } from './domain/provider-name.js';
import { createStore, type KvStore } from './store/kv-store.js';

export interface ServiceDeps {
  logger: Logger;
  metrics: Metrics;
  fetch?: FetchLike;
  clock?: Clock;
  store?: KvStore;
  random?: () => number;
}

export interface Services {
  config: Readonly<Config>;
  logger: Logger;
  metrics: Metrics;
  store: KvStore;
  tokens: TokenManager;
  status: ConnectionStatus;
  calljourney?: CallJourneyClient;
  /** NewVoiceMedia's client, for what is not a shared capability (agentAvailability). */
  nvm?: NvmClient;
  sangoma?: SangomaClient;
  /** Telphin PBX: connected accounts and the consent flow (beginPbxConnection, pbxAccounts). */
  pbx?: PbxService;
  /** Capabilities by provider: present only for configured providers that have them. */
  users: Partial<Record<ProviderName, UserDirectory>>;
  agents: Partial<Record<ProviderName, AgentDirectory>>;
  calls: Partial<Record<ProviderName, CallHistory>>;
  /** HTTP routes beside GraphQL contributed by providers (OAuth callbacks, media). */
  routes: HttpRoute[];
  close(): Promise<void>;
}

export function configuredProviders(config: Config): ProviderName[] {
  const out: ProviderName[] = [];
  if (config.calljourney) out.push('CALLJOURNEY');
  if (config.sangoma) out.push('SANGOMA');
  if (config.cloudcx) out.push('CLOUDCX');
  if (config.nvm) out.push('NEWVOICEMEDIA');
  if (config.pbx) out.push('PBX');
  return out;
}

export function createServices(config: Readonly<Config>, deps: ServiceDeps): Services {
  const { logger, metrics } = deps;
  const store =
    deps.store ??
    createStore({ redisUrl: config.redisUrl, redisClusterNodes: config.redisClusterNodes, namespace: config.redisPrefix, encryptionKeys: config.encryptionKeys, logger });
  // Production fetch: undici with a connect time limit; tests may inject their own.
  const upstreamFetch = deps.fetch ? undefined : createUpstreamFetch({ connectTimeoutMs: config.resilience.connectTimeoutMs });
  const fetchFn = deps.fetch ?? upstreamFetch?.fetch;
  metrics.storeDegraded.set(store.healthy ? 0 : 1);
  store.onHealthChange?.((healthy) => metrics.storeDegraded.set(healthy ? 0 : 1));
  const status = new ConnectionStatus(configuredProviders(config));
  const tokens = new TokenManager({
    store,
    logger,
    metrics,
    status,
    fetch: fetchFn,
    clock: deps.clock,
    random: deps.random,
    timeoutMs: config.limits.upstreamTimeoutMs,
  });
  // One breaker and one concurrency cap per provider, shared by all of its clients.
  const guards = new Map<ProviderName, { breaker: CircuitBreaker; limiter: ConcurrencyLimit }>();
  const guardsOf = (provider: ProviderName) => {
    let g = guards.get(provider);
    if (!g) {
      const r = config.resilience;
      metrics.circuitState.set({ provider }, 0);
      g = {
        breaker: new CircuitBreaker(provider, {
          failureThreshold: r.breakerFailures,
          windowMs: r.breakerWindowMs,
          coolDownMs: r.breakerCoolDownMs,
          onStateChange: (state) => {
            metrics.circuitState.set({ provider }, state === 'closed' ? 0 : 1);
            if (state === 'open') logger.warn({ provider, coolDownMs: r.breakerCoolDownMs }, 'circuit breaker open: failing fast until a probe succeeds');
            else if (state === 'closed') logger.info({ provider }, 'circuit breaker closed: provider answers again');
          },
        }),
        limiter: new ConcurrencyLimit(provider, { maxConcurrent: r.maxConcurrentPerProvider, maxQueued: r.maxQueuedPerProvider }),
      };
      guards.set(provider, g);
    }
    return g;
  };
  const http = (provider: ProviderName) =>
    new UpstreamClient(provider, {
      fetch: fetchFn,
      tokens,
      logger,
      metrics,
      status,
      timeoutMs: config.limits.upstreamTimeoutMs,
      retryAfterCapSeconds: config.limits.retryAfterCapSeconds,
      ...guardsOf(provider),
    });

  const services: Services = {
    config,
    logger,
    metrics,
    store,
    tokens,
    status,
    users: {},
    agents: {},
    calls: {},
    routes: [],
    async close() {
      // The store first: it releases the token locks this replica still holds.
      await store.close();
      await upstreamFetch?.close();
    },
  };
  const shared: ProviderSetup = { config, services, http, logger };

  // One block per provider: each registers its client and the capabilities it answers.
  if (config.calljourney) services.calljourney = new CallJourneyClient(config.calljourney, http('CALLJOURNEY'));
  registerSangoma(shared);
  registerCloudCx(shared);
  registerNvm(shared);
  registerPbx(shared);
  return services;
}

/** What a provider's register function gets to build its client and capabilities. */
export interface ProviderSetup {
  config: Readonly<Config>;
  services: Services;
  http: (provider: ProviderName) => UpstreamClient;
  logger: Logger;
}
