import type { QueryResolvers, RecordingResolvers } from '../../__generated__/resolvers-types.js';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context.js';
import type { RecordingModel } from '../../domain/models.js';
import { cacheAtMost } from './cache-hints.js';
import { decodeRef, encodeRef } from '../../tenancy/entity-ref.js';

export const recordingQueries: Pick<QueryResolvers, 'recording' | 'recordings'> = {
  recording: (_, { key, account }, ctx) => ctx.loaders.recordingOf(account).load(ctx.accounts.sole('recordings', account).checkKey(key, 'key')),
  recordings: async (_, { keys, account }, ctx) => {
    const results = await ctx.loaders
      .recordingOf(account)
      .loadMany(ctx.accounts.sole('recordings', account).checkKeys(keys, ctx.services.config.limits.maxKeysPerBatch));
    // loadMany answers an Error in place of each failed key. graphql-js completes an Error list item as null
    // with that item's own error (path = its index), which is exactly the contract of `[Recording]!`; the
    // generated types cannot express that, hence the cast.
    return results as (RecordingModel | null)[];
  },
};

/** The dynamic cache hint the account that answered gives this answer (docs/supergraph.md, "Caching"). */
function restrict(r: RecordingModel, ctx: Context, info: GraphQLResolveInfo): void {
  const maxAge = ctx.accounts.sole('recordings', r.account).maxAge(r);
  if (maxAge !== undefined) cacheAtMost(info, maxAge);
}

export const Recording: RecordingResolvers = {
  exists: (r, _, ctx, info) => {
    restrict(r, ctx, info);
    return r.exists;
  },
  callId: (r, _, ctx, info) => {
    restrict(r, ctx, info);
    return r.callId;
  },
  // async: a bad representation must reject its own promise; a synchronous throw would fail the whole _entities batch.
  ref: (r, _, ctx) => encodeRef(ctx.services.soleProvider('recordings'), r.account, JSON.stringify([r.company, r.organisation, r.folder, r.filename])),
  __resolveReference: async (rep, ctx) => {
    const given = (rep as { ref?: unknown }).ref;
    if (given === undefined) return ctx.loaders.recording.load(ctx.accounts.sole('recordings').checkKey(rep as Record<string, unknown>, 'representation'));
    const key = decodeRef(given);
    const provider = ctx.services.soleProvider('recordings');
    if (!key || key.provider !== provider) return null;
    const account = key.account === 'default' ? undefined : key.account;
    if (account !== undefined && !ctx.accounts.accountName(provider, account)) return null;
    let parts: unknown;
    try {
      parts = JSON.parse(key.id);
    } catch {
      return null;
    }
    if (!Array.isArray(parts) || parts.length !== 4) return null;
    const [company, organisation, folder, filename] = parts as unknown[];
    return ctx.loaders
      .recordingOf(account)
      .load(ctx.accounts.sole('recordings', account).checkKey({ company, organisation, folder, filename }, 'representation'));
  },
};
