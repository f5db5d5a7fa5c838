import type { QueryResolvers, RecordingResolvers } from '../../__generated__/resolvers-types.js';
import type { RecordingModel } from '../../domain/models.js';
import { validateRecordingKey, validateRecordingKeys } from '../../providers/calljourney/validation.js';

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

export const Recording: RecordingResolvers = {
  // async: a bad representation must reject its own promise; a synchronous throw would fail the whole _entities batch.
  __resolveReference: async (ref, ctx) => ctx.loaders.recording.load(validateRecordingKey(ref, 'representation')),
};
