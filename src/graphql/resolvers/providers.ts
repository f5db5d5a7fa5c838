import type { Provider, QueryResolvers } from '../../__generated__/resolvers-types.js';
import type { KvStore } from '../../store/kv-store.js';
import type { StoreStatusModel } from '../../domain/models.js';
import { DEFAULT_ACCOUNT, DEFAULT_TENANT, limitsScope } from '../../domain/tenant.js';

const STORE_KINDS = { memory: 'MEMORY', redis: 'REDIS', 'redis-cluster': 'REDIS_CLUSTER' } as const;

function storeStatus(store: KvStore): StoreStatusModel {
  return {
    kind: STORE_KINDS[store.kind],
    healthy: store.healthy,
    degradedSince: !store.healthy && store.degradedSince !== undefined ? new Date(store.degradedSince).toISOString() : null,
  };
}

export const providerQueries: Pick<QueryResolvers, 'providers' | 'accounts'> = {
  /**
   * One row per account of the caller's tenant, in module order; a platform it has no account on is one row,
   * NOT_CONFIGURED (as in single-tenant mode). Built accounts report their own state; one not used yet reports
   * CONNECTED with no token, as a configured provider does before its first request.
   */
  providers: (_, __, ctx) => {
    const store = storeStatus(ctx.services.store);
    const registry = ctx.services.accounts;
    const tenant = ctx.accounts.tenant;
    const rows = ctx.services.modules.flatMap(({ name: provider }) => {
      const list = registry.accounts(tenant, provider);
      return list.length ? list.map((a) => ({ provider, account: a.name, none: false })) : [{ provider, account: DEFAULT_ACCOUNT, none: true }];
    });
    return Promise.all(
      rows.map(async ({ provider, account, none }) => {
        const built = none ? undefined : registry.instance(tenant, provider, account);
        const s = built
          ? await built.status.report(provider)
          : tenant === DEFAULT_TENANT
            ? await ctx.services.status.report(provider)
            : { status: 'NOT_CONFIGURED' as const };
        return {
          provider,
          account,
          status: s.status,
          tokenExpiresAt: s.tokenExpiresAt !== undefined && Number.isFinite(s.tokenExpiresAt) ? new Date(s.tokenExpiresAt).toISOString() : null,
          lastError: s.lastError ?? null,
          connectedAccounts: s.connectedAccounts ?? null,
          store,
          // The row's own account's cool-downs: another's would name its hosts and client ids (docs/tenancy.md).
          coolDowns: (none ? [] : ctx.services.upstreamLimits.coolDowns(limitsScope(provider, { tenant, account }))).map((c) => ({
            host: c.host,
            account: c.account,
            until: new Date(c.until).toISOString(),
            remainingSeconds: Math.ceil(c.remainingMs / 1000),
            probing: c.probing,
          })),
        };
      }),
    );
  },
  accounts: (_, __, ctx) =>
    ctx.services.accounts.tenantAccounts(ctx.accounts.tenant).map((a) => ({ provider: a.provider as Provider, name: a.name, isDefault: a.isDefault })),
};
