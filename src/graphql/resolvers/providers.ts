import type { QueryResolvers } from '../../__generated__/resolvers-types.js';
import { PROVIDERS } from '../../providers/names.js';

export const providerQueries: Pick<QueryResolvers, 'providers'> = {
  providers: (_, __, ctx) =>
    Promise.all(PROVIDERS.map(async (provider) => {
      const s = await ctx.services.status.report(provider);
      return {
        provider,
        status: s.status,
        tokenExpiresAt: s.tokenExpiresAt !== undefined && Number.isFinite(s.tokenExpiresAt) ? new Date(s.tokenExpiresAt).toISOString() : null,
        lastError: s.lastError ?? null,
      };
    })),
};
