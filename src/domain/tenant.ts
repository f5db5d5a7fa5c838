/**
 * Tenants and accounts (docs/tenancy.md). A tenant is the organisation a request acts for; an account is one of its
 * connections to a platform, named uniquely within the tenant and provider. Single-tenant is the default: tenant
 * `default`, whose `default` account of each provider comes from today's variables.
 */
import type { ProviderName } from './provider-name.js';

export type Tenant = string;

/** The tenant every request acts for when cxgraph is not multi-tenant. */
export const DEFAULT_TENANT: Tenant = 'default';
/** The account a provider's variables (NVM_CLIENT_ID …) configure. */
export const DEFAULT_ACCOUNT = 'default';

/** One account of one tenant on one platform. */
export interface AccountRef {
  tenant: Tenant;
  provider: ProviderName;
  account: string;
}

/** Tenant and account names: short, and safe in store keys, metric labels and log fields. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/i;
