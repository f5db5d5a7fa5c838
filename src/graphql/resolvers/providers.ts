import type { QueryResolvers } from '../../__generated__/resolvers-types.js';
import type { KvStore } from '../../store/kv-store.js';
import type { StoreStatusModel } from '../../domain/models.js';

const STORE_KINDS = { memory: 'MEMORY', redis: 'REDIS', 'redis-cluster': 'REDIS_CLUSTER' } as const;

function storeStatus(store: KvStore): StoreStatusModel {
  return {
    kind: STORE_KINDS[store.kind],
    healthy: store.healthy,
    degradedSince: !store.healthy && store.degradedSince !== undefined ? new Date(store.degradedSince).toISOString() : null,
  };
}

export const providerQueries: Pick<QueryResolvers, 'providers'> = {
  providers: (_, __, ctx) => {
    const store = storeStatus(ctx.services.store);
    return Promise.all(ctx.services.modules.map(async ({ name: provider }) => {
      const s = await ctx.services.status.report(provider);
      return {
        provider,
        status: s.status,
        tokenExpiresAt: s.tokenExpiresAt !== undefined && Number.isFinite(s.tokenExpiresAt) ? new Date(s.tokenExpiresAt).toISOString() : null,
        lastError: s.lastError ?? null,
        connectedAccounts: s.connectedAccounts ?? null,
        store,
        coolDowns: ctx.services.upstreamLimits.coolDowns(provider).map((c) => ({
          host: c.host,
          account: c.account,
          until: new Date(c.until).toISOString(),
          remainingSeconds: Math.ceil(c.remainingMs / 1000),
          probing: c.probing,
        })),
      };
    }));
  },
};
