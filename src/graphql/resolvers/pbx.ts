/** Telphin PBX accounts and the consent flow: thin resolvers over the `accounts` capability (src/providers/pbx/). */
import type { MutationResolvers, PbxAccountResolvers, QueryResolvers } from '../../__generated__/resolvers-types.js';
import { badInput } from '../../errors.js';
import { decodeRef, encodeRef } from '../../tenancy/entity-ref.js';

/** PBX user ids are numbers; anything that could not be one is refused before the store is read. */
function accountId(id: string, field: string): string {
  const v = id.trim();
  if (!/^[\w.-]{1,64}$/.test(v)) throw badInput(`${field} must be a PBX user id such as "20", got ${JSON.stringify(id.slice(0, 40))}`, field, 'PBX');
  return v;
}

export const pbxQueries: Pick<QueryResolvers, 'pbxAccounts' | 'pbxAccount'> = {
  pbxAccounts: (_, __, ctx) => ctx.accounts.sole('accounts').listAccounts(),
  pbxAccount: (_, { id }, ctx) => ctx.loaders.pbxAccount.load(accountId(id, 'id')),
};

export const pbxMutations: Pick<MutationResolvers, 'beginPbxConnection'> = {
  beginPbxConnection: (_, __, ctx) => ctx.accounts.sole('accounts').beginConnection(),
};

export const PbxAccount: PbxAccountResolvers = {
  // Through the per-request loader: a router's _entities request with N references reads each distinct account once.
  // async: a bad id must reject its own promise; a synchronous throw would fail the whole _entities batch.
  ref: (a) => encodeRef('PBX', a.account, a.id),
  __resolveReference: async (rep, ctx) => {
    const given = (rep as { ref?: unknown }).ref;
    if (given === undefined) return ctx.loaders.pbxAccount.load(accountId(String((rep as { id?: unknown }).id), 'representation.id'));
    const key = decodeRef(given);
    if (!key || key.provider !== 'PBX' || key.account !== 'default') return null;
    return ctx.loaders.pbxAccount.load(accountId(key.id, 'representation.ref'));
  },
};
