import type { QueryResolvers } from '../../__generated__/resolvers-types.js';
import { PROVIDERS } from '../../providers/names.js';

export const providerQueries: Pick<QueryResolvers, 'providers'> = {
  providers: (_, __, ctx) =>
    PROVIDERS.map((provider) => {
      const s = ctx.services.status.get(provider);
      return {
        provider,
        status: s.status,
        tokenExpiresAt: s.tokenExpiresAt !== undefined && Number.isFinite(s.tokenExpiresAt) ? new Date(s.tokenExpiresAt).toISOString() : null,
        lastError: s.lastError ?? null,
      };
    }),
};
