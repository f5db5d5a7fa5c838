/** Connected accounts and the consent flow: thin resolvers over the `accounts` capability (it checks the ids). */
import type { MutationResolvers, PbxAccountResolvers, QueryResolvers } from '../../__generated__/resolvers-types.js';
import { decodeRef, encodeRef } from '../../tenancy/entity-ref.js';

export const pbxQueries: Pick<QueryResolvers, 'pbxAccounts' | 'pbxAccount'> = {
  pbxAccounts: (_, __, ctx) => ctx.accounts.sole('accounts').listAccounts(),
  pbxAccount: (_, { id }, ctx) => ctx.loaders.pbxAccount.load(ctx.accounts.sole('accounts').checkId(id, 'id')),
};

export const pbxMutations: Pick<MutationResolvers, 'beginPbxConnection' | 'disconnectPbxAccount'> = {
  beginPbxConnection: (_, __, ctx) => ctx.accounts.sole('accounts').beginConnection(),
  disconnectPbxAccount: (_, { id }, ctx) => {
    const accounts = ctx.accounts.sole('accounts');
    return accounts.disconnect(accounts.checkId(id, 'id'));
  },
};

export const PbxAccount: PbxAccountResolvers = {
  // Through the per-request loader: a router's _entities request with N references reads each distinct account once.
  // async: a bad id must reject its own promise; a synchronous throw would fail the whole _entities batch.
  ref: (a, _, ctx) => encodeRef(ctx.services.soleProvider('accounts'), a.account, a.id),
  __resolveReference: async (rep, ctx) => {
    const given = (rep as { ref?: unknown }).ref;
    const accounts = ctx.accounts.sole('accounts');
    if (given === undefined) return ctx.loaders.pbxAccount.load(accounts.checkId(String((rep as { id?: unknown }).id), 'representation.id'));
    const key = decodeRef(given);
    if (!key || key.provider !== ctx.services.soleProvider('accounts') || key.account !== 'default') return null;
    return ctx.loaders.pbxAccount.load(accounts.checkId(key.id, 'representation.ref'));
  },
};
