/**
 * The entries of CXGRAPH_UPSTREAM_RATE_LIMITS that name one account (`PROVIDER@tenant/account:N`), checked at start
 * against the accounts there are: a typo would otherwise leave an account on the provider's budget without a word.
 * An account's limit is given in one place — its `rateLimit` in the accounts file or its entry in the variable — so
 * both at once is refused. A later reload is not refused for these: it may drop an account the variable names (the
 * entry then counts for nothing), and where a reloaded file gives a `rateLimit` the variable also gives, the file's is
 * counted (docs/tenancy.md, "Rate limits").
 */
import type { EnvReader } from '../config/env-reader.js';
import type { ProviderModule } from '../providers/provider-module.js';
import type { ProviderName } from '../domain/provider-name.js';
import { DEFAULT_ACCOUNT, DEFAULT_TENANT } from '../domain/tenant.js';
import { ACCOUNTS_FILE_VARIABLE, RATE_LIMIT_SETTING, type AccountsSnapshot } from './accounts-file.js';
import { CONSENT_PROVIDERS } from './tenancy-config.js';

const VARIABLE = 'CXGRAPH_UPSTREAM_RATE_LIMITS';

export function checkAccountRateLimits(
  r: EnvReader,
  opts: {
    rateLimits: Readonly<Record<string, number>>;
    modules: readonly ProviderModule[];
    /** Providers configured by their variables: tenant default's account default. */
    fromVariables: readonly ProviderName[];
    /** The accounts file as read at start; undefined without one. */
    snapshot: AccountsSnapshot | undefined;
    /** CXGRAPH_ACCOUNTS_FILE is set (when it is but `snapshot` is not, the file has problems of its own, said already). */
    fileSet: boolean;
  },
): void {
  for (const [key, n] of Object.entries(opts.rateLimits)) {
    const m = /^([^@]+)@([^/]+)\/(.+)$/.exec(key);
    if (!m) continue;
    const [, provider, tenant, account] = m as unknown as [string, ProviderName, string, string];
    const module = opts.modules.find((x) => x.name === provider);
    if (CONSENT_PROVIDERS.includes(provider)) {
      r.fail(
        VARIABLE,
        `${key}: ${module?.title ?? provider} accounts connect through consent, not by name here; ${provider}:N is the budget of its app, every account together`,
      );
      continue;
    }
    const variables = tenant === DEFAULT_TENANT && account === DEFAULT_ACCOUNT && opts.fromVariables.includes(provider);
    if (variables) continue;
    if (!opts.snapshot) {
      if (!opts.fileSet)
        r.fail(
          VARIABLE,
          tenant === DEFAULT_TENANT && account === DEFAULT_ACCOUNT
            ? `${key}: names tenant default's account default of ${provider}, which its variables (${module?.configuredBy ?? provider}) do not configure`
            : `${key}: names an account of the accounts file, but ${ACCOUNTS_FILE_VARIABLE} is not set`,
        );
      continue;
    }
    const accounts = opts.snapshot.tenants.get(tenant)?.get(provider);
    const entry = accounts?.get(account);
    if (!entry) {
      const has = accounts
        ? `tenant ${tenant}'s ${provider} accounts are ${[...accounts.keys()].join(', ')}`
        : opts.snapshot.tenants.has(tenant)
          ? `tenant ${tenant} has no ${provider} account`
          : `it has no tenant ${tenant}`;
      r.fail(VARIABLE, `${key}: no such account in ${ACCOUNTS_FILE_VARIABLE} (${has})`);
    } else if (entry.rateLimit !== undefined)
      r.fail(
        `${ACCOUNTS_FILE_VARIABLE} tenants.${tenant}.${provider}.${account}.${RATE_LIMIT_SETTING}`,
        `also given by ${VARIABLE} (${key}:${n}): give this account's limit in one place`,
      );
  }
}
