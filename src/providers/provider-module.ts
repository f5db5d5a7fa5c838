/**
 * A platform cxgraph speaks to, as one module: its name, the variables that configure it, how it reads them,
 * and what it provides once created. Modules are listed once, in src/providers/index.ts (PROVIDERS); the
 * configuration report, `providers`, `/readyz`, the capability dispatch and the HTTP routes are derived from
 * that list. CONTRIBUTING.md walks through adding one.
 */
import type { ConnectionStatus } from '../observability/connection-status.js';
import type { TokenManager } from '../auth/token-manager.js';
import type { Clock } from '../domain/clock.js';
import type { UpstreamClient } from '../upstream/upstream-client.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { KvStore } from '../store/kv-store.js';
import type { Capabilities, CapabilityName, HttpRoute } from '../domain/capabilities.js';
import type { ConfigReader } from '../domain/config-reader.js';
import type { ProviderState } from '../domain/connection-state.js';
import type { ProviderName } from '../domain/provider-name.js';
import type { Tenant } from '../domain/tenant.js';

/** What a module is given to build its clients: never the whole service container. */
export interface Ports {
  /** The one upstream client of this provider (tokens, time limits, size caps, resilience policy, metrics, error mapping). */
  http: UpstreamClient;
  tokens: TokenManager;
  store: KvStore;
  /** Connection state of every provider; a module reads and refines its own. */
  status: ConnectionStatus;
  logger: Logger;
  clock: Clock;
  /** Loader batch sizes and the like; upstream metrics are the http port's. */
  metrics: Metrics;
  /**
   * Platforms whose accounts come from consent (src/tenancy/tenancy-config.ts, CONSENT_PROVIDERS): one app the
   * variables configure, shared by every tenant, and one instance per tenant holding that tenant's connections.
   */
  tenancy?: TenancyPorts;
}

export interface TenancyPorts {
  /** The tenant this instance serves: `default` for the instance the variables configure. */
  tenant: Tenant;
  /**
   * This module's instance serving `tenant` (built on first use): where a callback that learns its tenant from the
   * request itself (a consent state), not from a caller, finishes.
   */
  instanceOf(tenant: Tenant): ProviderInstance | undefined;
}

/** What a created module provides. */
export interface ProviderInstance {
  capabilities: Partial<Capabilities>;
  /** HTTP routes beside GraphQL (OAuth callbacks); media streaming is the `media` capability's route. */
  routes?: HttpRoute[];
  /**
   * What `providers` and `/readyz` report when the connection is more than the last call (PBX: one trusted
   * application per connected account); `base` is the state of the last token request or API call.
   */
  status?(base: ProviderState): Promise<ProviderState>;
}

export interface ProviderModule<C = unknown> {
  /** The GraphQL `Provider` enum value. */
  readonly name: ProviderName;
  /** How people call the platform, for messages and logs. */
  readonly title: string;
  /** What it can answer when configured; the dispatch says BAD_USER_INPUT for anything else. */
  readonly capabilities: readonly CapabilityName[];
  /** The variables that configure it, as PROVIDER_NOT_CONFIGURED says them ("A, B and C"). */
  readonly configuredBy: string;
  /** Every variable it reads (.env.example and docs/configuration.md's table document each). */
  readonly variables: readonly string[];
  /** Its configuration, or undefined when it is not configured; problems go to the reader. */
  loadConfig(env: ConfigReader): C | undefined;
  /** A summary safe to log at start-up: where it points, never a credential. */
  describe(config: C): Record<string, unknown>;
  create(config: C, ports: Ports): ProviderInstance;
}

/**
 * Defines a module with its configuration type checked between loadConfig, describe and create. The type is then
 * erased: the configuration only ever flows from a module's own loadConfig to its own create, so the list can
 * hold modules of different configuration types.
 */
export function defineProvider<C>(module: ProviderModule<C>): ProviderModule {
  return module as unknown as ProviderModule;
}

/** A module with its loaded configuration, as `Config.providers` holds them (configured ones only). */
export interface ConfiguredProvider<C = unknown> {
  module: ProviderModule<C>;
  config: C;
}
