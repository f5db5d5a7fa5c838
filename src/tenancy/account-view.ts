/**
 * What a request sees of the accounts: only its own tenant's (docs/tenancy.md). Models answered by an account other
 * than the variables' one are stamped with the account's name (so `ref`, nested fields and entity references stay in
 * that account), and their media paths are put under `/media/@<tenant>/<account>/`, a prefix only that account's
 * media route answers (the link is signed over the whole path, so it cannot be pointed elsewhere).
 */
import type { CapabilityName, Capabilities } from '../domain/capabilities.js';
import type { ProviderInstance } from '../providers/provider-module.js';
import type { ProviderName } from '../domain/provider-name.js';
import { DEFAULT_ACCOUNT, DEFAULT_TENANT, type Tenant } from '../domain/tenant.js';
import type { AccountRegistry } from './registry.js';

export const ACCOUNT_MEDIA_PREFIX = '/media/@';

export interface AccountView {
  readonly tenant: Tenant;
  /** The capability of the chosen account, its answers stamped. */
  capability<K extends CapabilityName>(kind: K, provider: ProviderName, account?: string | null): Capabilities[K];
  /** A capability only one platform offers, of the chosen account. */
  sole<K extends CapabilityName>(kind: K, account?: string | null): Capabilities[K];
  /** The name of the account `sole(kind, account)` answers from (BAD_USER_INPUT / PROVIDER_NOT_CONFIGURED as sole). */
  soleAccount(kind: CapabilityName, account?: string | null): string;
  /** The instance of one named account; undefined when the tenant has none by that name. */
  instance(provider: ProviderName, account: string | undefined): ProviderInstance | undefined;
  /** The account `account` means (the default when undefined); undefined when the tenant has none such. */
  accountName(provider: ProviderName, account: string | undefined): string | undefined;
  /** Stamps models of `account` (no-op for the variables' account). */
  stamp<T>(value: T, account: string | undefined): T;
}

export function accountView(services: { accounts: AccountRegistry }, tenant: Tenant | undefined): AccountView {
  const t = tenant ?? DEFAULT_TENANT;
  const registry = services.accounts;
  const stamp = <T>(value: T, account: string | undefined): T => {
    if (account === undefined || (t === DEFAULT_TENANT && account === DEFAULT_ACCOUNT)) return value;
    stampDeep(value, t, account, 0);
    return value;
  };
  const wrap = <C extends object>(c: C, account: string): C => {
    if (t === DEFAULT_TENANT && account === DEFAULT_ACCOUNT) return c;
    return new Proxy(c, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function' || prop === 'loader') return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        return (...args: unknown[]) => {
          const out = (v as (...a: unknown[]) => unknown).apply(target, args);
          return out instanceof Promise ? out.then((r) => stamp(r, account)) : stamp(out, account);
        };
      },
    });
  };
  return {
    tenant: t,
    capability(kind, provider, account) {
      const got = registry.capability(t, kind, provider, account);
      return wrap(got.capability as object, got.account) as never;
    },
    sole(kind, account) {
      const got = registry.sole(t, kind, account);
      return wrap(got.capability as object, got.account) as never;
    },
    soleAccount: (kind, account) => registry.sole(t, kind, account).account,
    instance(provider, account) {
      const name = registry.accountName(t, provider, account);
      return name === undefined ? undefined : registry.instance(t, provider, name)?.instance;
    },
    accountName: (provider, account) => registry.accountName(t, provider, account),
    stamp,
  };
}

/** Sets `account` on every model (an object with a `provider`) reachable in a few levels, and scopes media paths. */
function stampDeep(v: unknown, tenant: Tenant, account: string, depth: number): void {
  if (depth > 5 || v === null || typeof v !== 'object' || v instanceof Date) return;
  if (Array.isArray(v)) {
    for (const x of v) stampDeep(x, tenant, account, depth + 1);
    return;
  }
  const o = v as Record<string, unknown>;
  if (typeof o.provider === 'string' && o.account === undefined) o.account = account;
  if (typeof o.downloadPath === 'string' && o.downloadPath.startsWith('/media/') && !o.downloadPath.startsWith(ACCOUNT_MEDIA_PREFIX)) {
    o.downloadPath = `${ACCOUNT_MEDIA_PREFIX}${tenant}/${account}${o.downloadPath.slice('/media'.length)}`;
  }
  for (const x of Object.values(o)) if (x && typeof x === 'object') stampDeep(x, tenant, account, depth + 1);
}
