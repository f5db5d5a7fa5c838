import type { QueryResolvers, UserResolvers } from '../../__generated__/resolvers-types.js';
import { badInput } from '../../errors/errors.js';
import type { UserModel } from '../../domain/models.js';
import { intInRange } from './dispatch.js';

export const userQueries: Pick<QueryResolvers, 'users'> = {
  users: (_, { provider, search, page, pageSize }, ctx) =>
    ctx.services.capability('users', provider).listUsers({
      search: searchTerm(search),
      page: intInRange(page, 1, 1, 1_000_000, 'page'),
      pageSize: intInRange(pageSize, 25, 1, 500, 'pageSize'),
    }),
};

/** Key-only user: what can be said of a reference the platform cannot look up by id. */
export function keyOnlyUser(provider: UserModel['provider'], id: string): UserModel {
  return { provider, id, login: null, firstName: null, lastName: null, name: null, email: null, phoneNumber: null, roles: [], active: null };
}

export const User: UserResolvers = {
  /**
   * Through the per-request user loader (N references, one deduplicated batch). A platform without a get-by-id
   * endpoint (CloudCX) answers the key fields only; a provider without users, or not configured, says so.
   */
  __resolveReference: async (ref, ctx) => {
    ctx.services.capability('users', ref.provider);
    const loader = ctx.loaders.user(ref.provider);
    return loader ? loader.load(ref.id) : keyOnlyUser(ref.provider, ref.id);
  },
};

/** Search keywords travel in the upstream URL: bound them so a huge string is bad input, not an upstream 431. */
const MAX_SEARCH_LENGTH = 200;
function searchTerm(search: string | null | undefined): string | undefined {
  const s = search?.trim();
  if (!s) return undefined;
  if (s.length > MAX_SEARCH_LENGTH) throw badInput(`search may be at most ${MAX_SEARCH_LENGTH} characters, got ${s.length}`, 'search');
  return s;
}
