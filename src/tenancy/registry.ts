/**
 * Which provider instance serves (tenant, provider, account) (docs/tenancy.md). Tenant `default`'s account `default`
 * of each provider is the instance its variables configure, created at start as before. Every account of the
 * accounts file gets an instance of its own the first time a request uses it: its own upstream client (breaker,
 * concurrency cap, throttle scope), token manager, connection status and part of the store — so tokens, caches,
 * cool-downs and connections never cross accounts — and nothing runs for an account nobody uses. A reload of the file
 * drops the instances of accounts that changed or left; the next request builds the new one.
 */
import { ConnectionStatus } from '../observability/connection-status.js';
import type { Clock } from '../domain/clock.js';
import type { CapabilityName, Capabilities } from '../domain/capabilities.js';
import type { ProviderInstance, ProviderModule } from '../providers/provider-module.js';
import type { ProviderName } from '../domain/provider-name.js';
import { DEFAULT_ACCOUNT, DEFAULT_TENANT, limitsScope, type Tenant } from '../domain/tenant.js';
import { badInput, notConfigured } from '../errors/errors.js';
import type { UpstreamClient } from '../upstream/upstream-client.js';
import type { TokenManager } from '../auth/token-manager.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { KvStore } from '../store/kv-store.js';
import type { AccountEntry, AccountsSnapshot } from './accounts-file.js';
import { scopedStore } from './scoped-store.js';

/** An account as a tenant sees it. */
export interface AccountInfo {
  provider: ProviderName;
  name: string;
  isDefault: boolean;
}

/** A built account: its instance and its own connection status. */
export interface BuiltAccount {
  instance: ProviderInstance;
  status: ConnectionStatus;
  fingerprint: string;
}

export interface RegistryDeps {
  modules: readonly ProviderModule[];
  /** The instances the variables configure: tenant `default`, account `default`. */
  fromVariables: ReadonlyMap<ProviderName, ProviderInstance>;
  variablesStatus: ConnectionStatus;
  /** Builds one account's own client and token manager (src/app/create-http.ts, `account`). */
  http: {
    account(
      provider: ProviderName,
      limitsScope: string,
      deps: { store: KvStore; status: ConnectionStatus; logger: Logger },
    ): { client: UpstreamClient; tokens: TokenManager };
  };
  store: KvStore;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
}

const key = (tenant: Tenant, provider: ProviderName, account: string) => `${tenant}\u0000${provider}\u0000${account}`;

export class AccountRegistry {
  private snapshot: AccountsSnapshot | undefined;
  private readonly built = new Map<string, BuiltAccount>();

  constructor(
    private readonly deps: RegistryDeps,
    snapshot?: AccountsSnapshot,
  ) {
    this.snapshot = snapshot;
  }

  /** A new good accounts file: instances of accounts that changed or left are dropped. */
  replace(snapshot: AccountsSnapshot): void {
    this.snapshot = snapshot;
    for (const [k, b] of this.built) {
      const [tenant, provider, account] = k.split('\u0000') as [string, string, string];
      const entry = snapshot.tenants.get(tenant)?.get(provider)?.get(account);
      if (!entry || entry.fingerprint !== b.fingerprint) this.built.delete(k);
    }
  }

  /** How many file accounts have an instance now (the benchmark's memory figure is per built account). */
  get builtCount(): number {
    return this.built.size;
  }

  /** The accounts `tenant` has on `provider`, the variables' one first. */
  accounts(tenant: Tenant, provider: ProviderName): AccountInfo[] {
    const out: AccountInfo[] = [];
    const fromFile = [...(this.snapshot?.tenants.get(tenant)?.get(provider)?.values() ?? [])];
    if (tenant === DEFAULT_TENANT && this.deps.fromVariables.has(provider)) out.push({ provider, name: DEFAULT_ACCOUNT, isDefault: true });
    for (const e of fromFile) out.push({ provider, name: e.ref.account, isDefault: e.isDefault });
    return out;
  }

  /** Every account of a tenant, in module order. */
  tenantAccounts(tenant: Tenant): AccountInfo[] {
    return this.deps.modules.flatMap((m) => this.accounts(tenant, m.name));
  }

  /** Every (tenant, account) known, for /readyz and `--check-accounts`. */
  tenants(): Tenant[] {
    const names = new Set<Tenant>([DEFAULT_TENANT, ...(this.snapshot?.tenants.keys() ?? [])]);
    return [...names];
  }

  /**
   * The account a request means: `account` when given (BAD_USER_INPUT naming the tenant's accounts when it has no
   * such account), else the provider's only or default one (BAD_USER_INPUT listing them when that is ambiguous).
   * PROVIDER_NOT_CONFIGURED when the tenant has no account on the provider. Never says anything of another tenant.
   */
  choose(tenant: Tenant, module: ProviderModule, account: string | null | undefined): string {
    const list = this.accounts(tenant, module.name);
    if (list.length === 0)
      throw notConfigured(
        module.name,
        tenant === DEFAULT_TENANT ? module.configuredBy : `an account in CXGRAPH_ACCOUNTS_FILE (or ${module.configuredBy} for tenant default)`,
      );
    const names = list.map((a) => a.name);
    if (account != null) {
      if (!names.includes(account))
        throw badInput(
          `no ${module.name} account named ${JSON.stringify(account.slice(0, 64))}; this tenant's ${module.name} accounts are ${names.join(', ')}`,
          'account',
          module.name,
        );
      return account;
    }
    const chosen = list.find((a) => a.isDefault);
    if (!chosen)
      throw badInput(
        `this tenant has several ${module.name} accounts and none is the default: say which with account (${names.join(', ')})`,
        'account',
        module.name,
      );
    return chosen.name;
  }

  /** The name of the account `account` means for the tenant (its default when undefined); undefined when there is none. */
  accountName(tenant: Tenant, provider: ProviderName, account: string | undefined): string | undefined {
    const list = this.accounts(tenant, provider);
    if (account !== undefined) return list.some((a) => a.name === account) ? account : undefined;
    return list.find((a) => a.isDefault)?.name;
  }

  /** The built instance of an account, made on first use; undefined when the tenant has no such account. */
  instance(tenant: Tenant, provider: ProviderName, account: string): BuiltAccount | undefined {
    if (tenant === DEFAULT_TENANT && account === DEFAULT_ACCOUNT) {
      const instance = this.deps.fromVariables.get(provider);
      return instance ? { instance, status: this.deps.variablesStatus, fingerprint: '' } : undefined;
    }
    const entry = this.snapshot?.tenants.get(tenant)?.get(provider)?.get(account);
    if (!entry) return undefined;
    const k = key(tenant, provider, account);
    let b = this.built.get(k);
    if (!b) {
      b = this.build(entry);
      this.built.set(k, b);
    }
    return b;
  }

  private build(entry: AccountEntry): BuiltAccount {
    const { tenant, provider, account } = entry.ref;
    const logger = this.deps.logger.child({ tenant, account });
    const store = scopedStore(this.deps.store, `${tenant}:${provider.toLowerCase()}:${account}`);
    const status = new ConnectionStatus([provider]);
    const { client, tokens } = this.deps.http.account(provider, limitsScope(provider, entry.ref), { store, status, logger });
    const instance = entry.module.create(entry.config, { http: client, tokens, store, status, logger, clock: this.deps.clock, metrics: this.deps.metrics });
    if (instance.status) status.refine(provider, instance.status);
    logger.info({ provider }, 'account ready (first use)');
    return { instance, status, fingerprint: entry.fingerprint };
  }

  /** The capability `kind` of one account of the tenant (BAD_USER_INPUT when the platform cannot answer it). */
  capability<K extends CapabilityName>(
    tenant: Tenant,
    kind: K,
    provider: ProviderName,
    account: string | null | undefined,
  ): { capability: Capabilities[K]; account: string } {
    const capable = this.deps.modules.filter((m) => m.capabilities.includes(kind));
    const module = capable.find((m) => m.name === provider);
    if (!module) throw badInput(`${kind} are available for ${names(capable.map((m) => m.name))}, not ${provider}`, 'provider', provider);
    const chosen = this.choose(tenant, module, account);
    const c = this.instance(tenant, provider, chosen)?.instance.capabilities[kind];
    if (!c) throw notConfigured(provider, module.configuredBy);
    return { capability: c, account: chosen };
  }

  /** A capability only one platform offers: that platform's account of the tenant. */
  sole<K extends CapabilityName>(
    tenant: Tenant,
    kind: K,
    account: string | null | undefined,
  ): { capability: Capabilities[K]; account: string; provider: ProviderName } {
    const capable = this.deps.modules.filter((m) => m.capabilities.includes(kind));
    const withAccounts = capable.find((m) => this.accounts(tenant, m.name).length > 0) ?? capable[0];
    if (!withAccounts) throw new Error(`no provider module offers ${kind}`);
    return { ...this.capability(tenant, kind, withAccounts.name, account), provider: withAccounts.name };
  }
}

function names(list: readonly string[]): string {
  return list.length <= 1 ? (list[0] ?? '') : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
}
