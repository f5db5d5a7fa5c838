import type { QueryResolvers, RecordingResolvers } from '../../__generated__/resolvers-types.js';
import type { RecordingModel } from '../../domain/models.js';
import { validateRecordingKey, validateRecordingKeys } from '../../providers/calljourney/validation.js';
import { cacheAtMost } from './cache-hints.js';

export const recordingQueries: Pick<QueryResolvers, 'recording' | 'recordings'> = {
  recording: (_, { key }, ctx) => ctx.loaders.recording.load(validateRecordingKey(key)),
  recordings: async (_, { keys }, ctx) => {
    const results = await ctx.loaders.recording.loadMany(validateRecordingKeys(keys, ctx.services.config.limits.maxKeysPerBatch));
    // loadMany answers an Error in place of each failed key. graphql-js completes an Error list item as null
    // with that item's own error (path = its index), which is exactly the contract of `[Recording]!`; the
    // generated types cannot express that, hence the cast.
    return results as (RecordingModel | null)[];
  },
};

/** How long an answer saying a file is not there may be cached: the file may be uploaded right after the call. */
export const NOT_FOUND_MAX_AGE_SECONDS = 30;

export const Recording: RecordingResolvers = {
  // A found file is cached as long as the Recording type allows (schema/recording.graphql); "not there" briefly.
  exists: (r, _, __, info) => {
    if (!r.exists) cacheAtMost(info, NOT_FOUND_MAX_AGE_SECONDS);
    return r.exists;
  },
  callId: (r, _, __, info) => {
    if (!r.exists) cacheAtMost(info, NOT_FOUND_MAX_AGE_SECONDS);
    return r.callId;
  },
  // async: a bad representation must reject its own promise; a synchronous throw would fail the whole _entities batch.
  __resolveReference: async (ref, ctx) => ctx.loaders.recording.load(validateRecordingKey(ref, 'representation')),
};
