/** Connected accounts and the consent flow: thin resolvers over the `accounts` capability (it checks the ids). */
import type { MutationResolvers, PbxAccountResolvers, QueryResolvers } from '../../__generated__/resolvers-types.js';

export const pbxQueries: Pick<QueryResolvers, 'pbxAccounts' | 'pbxAccount'> = {
  pbxAccounts: (_, __, ctx) => ctx.services.sole('accounts').listAccounts(),
  pbxAccount: (_, { id }, ctx) => ctx.loaders.pbxAccount.load(ctx.services.sole('accounts').checkId(id, 'id')),
};

export const pbxMutations: Pick<MutationResolvers, 'beginPbxConnection'> = {
  beginPbxConnection: (_, __, ctx) => ctx.services.sole('accounts').beginConnection(),
};

export const PbxAccount: PbxAccountResolvers = {
  // Through the per-request loader: a router's _entities request with N references reads each distinct account once.
  // async: a bad id must reject its own promise; a synchronous throw would fail the whole _entities batch.
  __resolveReference: async (ref, ctx) => ctx.loaders.pbxAccount.load(ctx.services.sole('accounts').checkId(String(ref.id), 'representation.id')),
};
