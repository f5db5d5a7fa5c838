/**
 * Long-lived parts shared by every request: the store, the token manager, the connection status, and one
 * instance per configured provider module, created from the module list in the configuration. Built once by
 * createServer; contexts hold a reference.
 */
import { ConnectionStatus } from '../observability/connection-status.js';
import { systemClock, type Clock } from '../domain/clock.js';
import type { TokenManager } from '../auth/token-manager.js';
import type { FetchLike } from '../upstream/upstream-fetch.js';
import type { Config } from './config.js';
import type { Capabilities, CapabilityName, HttpRoute } from '../domain/capabilities.js';
import type { ProviderInstance, ProviderModule } from '../providers/provider-module.js';
import type { ProviderName } from '../domain/provider-name.js';
import { badInput, notConfigured } from '../errors/errors.js';
import { createHttp } from './create-http.js';
import type { TimerClock } from '../upstream/limits/limits-clock.js';
import type { UpstreamLimits } from '../upstream/limits/upstream-limits.js';
import type { CircuitStateName } from '../upstream/limits/resilience.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { createStore } from '../store/create-store.js';
import type { KvStore } from '../store/kv-store.js';
import { accountMediaRoute, startAccounts } from './services-accounts.js';
import type { AccountRegistry } from '../tenancy/registry.js';
import { CONSENT_PROVIDERS } from '../tenancy/tenancy-config.js';
import { DEFAULT_ACCOUNT, DEFAULT_TENANT } from '../domain/tenant.js';

export interface ServiceDeps {
  logger: Logger;
  metrics: Metrics;
  fetch?: FetchLike;
  clock?: Clock;
  store?: KvStore;
  random?: () => number;
  /** The clock of the rate limits and 429 cool-downs (tests drive it); default the system's. */
  limitsClock?: TimerClock;
}

export interface Services {
  config: Readonly<Config>;
  logger: Logger;
  metrics: Metrics;
  store: KvStore;
  tokens: TokenManager;
  status: ConnectionStatus;
  /** Upstream rate limits and 429 cool-downs (src/upstream/limits/upstream-limits.ts): `providers { coolDowns }`, /readyz. */
  upstreamLimits: UpstreamLimits;
  /** The breaker of a provider's variables' account, or of a built file account (/readyz); undefined when not built. */
  circuit(provider: ProviderName, account?: { tenant: string; account: string }): CircuitStateName | undefined;
  /** Every module cxgraph knows, configured or not, in list order. */
  modules: readonly ProviderModule[];
  /** The created instance of each configured provider. */
  instances: ReadonlyMap<ProviderName, ProviderInstance>;
  /** HTTP routes beside GraphQL contributed by providers (OAuth callbacks, media). */
  routes: HttpRoute[];
  /**
   * The capability `kind` of `provider`: BAD_USER_INPUT when that platform cannot answer it at all,
   * PROVIDER_NOT_CONFIGURED (naming its variables) when it could but is not configured.
   */
  capability<K extends CapabilityName>(kind: K, provider: ProviderName): Capabilities[K];
  /** A capability only one platform offers (recordings, callPlacement…): the configured one, else PROVIDER_NOT_CONFIGURED. */
  sole<K extends CapabilityName>(kind: K): Capabilities[K];
  /** The provider `sole(kind)` answers from (the first configured one offering it), e.g. to name it in an entity ref. */
  soleProvider(kind: CapabilityName): ProviderName;
  /** Every tenant's accounts and their instances (docs/tenancy.md); tenant `default`'s account `default` is `instances`. */
  accounts: AccountRegistry;
  close(): Promise<void>;
}

/** Names a list for messages: "A", "A and B", "A, B and C". */
function names(list: readonly string[]): string {
  return list.length <= 1 ? (list[0] ?? '') : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
}

export function createServices(config: Readonly<Config>, deps: ServiceDeps): Services {
  const { logger, metrics } = deps;
  const store =
    deps.store ??
    createStore({
      redisUrl: config.redisUrl,
      redisClusterNodes: config.redisClusterNodes,
      namespace: config.redisPrefix,
      encryptionKeys: config.encryptionKeys,
      logger,
    });
  metrics.storeDegraded.set(store.healthy ? 0 : 1);
  store.onHealthChange?.((healthy) => metrics.storeDegraded.set(healthy ? 0 : 1));
  const status = new ConnectionStatus(config.providers.map((p) => p.module.name));
  const clock = deps.clock ?? systemClock;

  // The token manager, and one upstream client and resilience policy per provider (src/app/create-http.ts).
  const {
    tokens,
    client: http,
    limits: upstreamLimits,
    account,
    dropAccount,
    circuit,
    close: closeHttp,
  } = createHttp({
    resilience: config.resilience,
    limits: config.limits,
    logger,
    metrics,
    status,
    store,
    fetch: deps.fetch,
    clock: deps.clock,
    limitsClock: deps.limitsClock,
    random: deps.random,
  });

  const instances = new Map<ProviderName, ProviderInstance>();
  // Consent platforms: the variables' app serves every tenant, each tenant with an instance of its own (docs/tenancy.md).
  const perTenant = new Map(config.providers.filter((p) => CONSENT_PROVIDERS.includes(p.module.name)).map((p) => [p.module.name, p] as const));
  let registry: AccountRegistry | undefined;
  for (const { module, config: own } of config.providers) {
    const tenancyPorts = perTenant.has(module.name)
      ? {
          tenancy: {
            tenant: DEFAULT_TENANT,
            instanceOf: (t: string) => (t === DEFAULT_TENANT ? instance : registry?.instance(t, module.name, DEFAULT_ACCOUNT)?.instance),
          },
        }
      : {};
    const instance: ProviderInstance = module.create(own, { http: http(module.name), tokens, store, status, logger, clock, metrics, ...tenancyPorts });
    if (instance.status) status.refine(module.name, instance.status);
    instances.set(module.name, instance);
  }
  const modules = config.modules;
  const tenancy = startAccounts(config, { modules, instances, perTenant, status, http: { account, dropAccount }, store, logger, metrics, clock });
  registry = tenancy.registry;

  return {
    config,
    logger,
    metrics,
    store,
    tokens,
    status,
    upstreamLimits,
    circuit,
    modules,
    instances,
    // A provider's own routes, the route streaming its media when it offers media, and the media route of accounts other
    // than the variables' ones (the file's, and every tenant's own PBX).
    routes: [
      ...[...instances.values()].flatMap((i) => [...(i.routes ?? []), ...(i.capabilities.media ? [i.capabilities.media.route] : [])]),
      ...(config.tenancy.accountsFile || config.tenancy.multiTenant ? [accountMediaRoute(tenancy.registry, modules)] : []),
    ],
    accounts: tenancy.registry,
    capability(kind, provider) {
      const capable = modules.filter((m) => m.capabilities.includes(kind));
      const module = capable.find((m) => m.name === provider);
      if (!module) throw badInput(`${kind} are available for ${names(capable.map((m) => m.name))}, not ${provider}`, 'provider', provider);
      const c = instances.get(provider)?.capabilities[kind];
      if (!c) throw notConfigured(provider, module.configuredBy);
      return c;
    },
    soleProvider(kind) {
      const capable = modules.filter((m) => m.capabilities.includes(kind));
      const m = capable.find((c) => instances.get(c.name)?.capabilities[kind]) ?? capable[0];
      if (!m) throw new Error(`no provider module offers ${kind}`);
      return m.name;
    },
    sole(kind) {
      const capable = modules.filter((m) => m.capabilities.includes(kind));
      for (const m of capable) {
        const c = instances.get(m.name)?.capabilities[kind];
        if (c) return c;
      }
      const first = capable[0];
      if (!first) throw new Error(`no provider module offers ${kind}`);
      throw notConfigured(first.name, first.configuredBy);
    },
    async close() {
      tenancy.stop();
      // The store first: it releases the token locks this replica still holds.
      await store.close();
      await closeHttp();
    },
  };
}
