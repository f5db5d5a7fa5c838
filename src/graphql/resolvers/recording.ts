import type { QueryResolvers, RecordingResolvers } from '../../__generated__/resolvers-types.js';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context.js';
import type { RecordingModel } from '../../domain/models.js';
import { cacheAtMost } from './cache-hints.js';

export const recordingQueries: Pick<QueryResolvers, 'recording' | 'recordings'> = {
  recording: (_, { key }, ctx) => ctx.loaders.recording.load(ctx.services.sole('recordings').checkKey(key, 'key')),
  recordings: async (_, { keys }, ctx) => {
    const results = await ctx.loaders.recording.loadMany(ctx.services.sole('recordings').checkKeys(keys, ctx.services.config.limits.maxKeysPerBatch));
    // loadMany answers an Error in place of each failed key. graphql-js completes an Error list item as null
    // with that item's own error (path = its index), which is exactly the contract of `[Recording]!`; the
    // generated types cannot express that, hence the cast.
    return results as (RecordingModel | null)[];
  },
};

/** The dynamic cache hint the recordings provider gives this answer (README, "Caching"). */
function restrict(r: RecordingModel, ctx: Context, info: GraphQLResolveInfo): void {
  const maxAge = ctx.services.sole('recordings').maxAge(r);
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
  __resolveReference: async (ref, ctx) => ctx.loaders.recording.load(ctx.services.sole('recordings').checkKey(ref, 'representation')),
};
