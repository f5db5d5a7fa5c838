import type { QueryResolvers, UserResolvers } from '../../__generated__/resolvers-types.js';
import { badInput } from '../../errors/errors.js';
import type { UserModel } from '../../domain/models.js';
import { intInRange } from './dispatch.js';
import { encodeRef, referenced } from '../../tenancy/entity-ref.js';

export const userQueries: Pick<QueryResolvers, 'users'> = {
  users: (_, { provider, search, page, pageSize, account }, ctx) =>
    ctx.accounts.capability('users', provider, account).listUsers({
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
  ref: (u) => encodeRef(u.provider, u.account, u.id),
  __resolveReference: async (rep, ctx) => {
    const key = referenced(rep);
    // A ref this tenant has no account for finds nothing, as an id the platform does not know does.
    if (!key || (key.account !== undefined && !ctx.accounts.accountName(key.provider, key.account))) return null;
    ctx.accounts.capability('users', key.provider, key.account);
    const loader = ctx.loaders.user(key.provider, key.account);
    return loader ? loader.load(key.id) : ctx.accounts.stamp(keyOnlyUser(key.provider, key.id), ctx.accounts.accountName(key.provider, key.account));
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
