import type { QueryResolvers, RecordingResolvers } from '../../__generated__/resolvers-types.js';
import type { RecordingModel } from '../../domain/models.js';
import { validateRecordingKey, validateRecordingKeys } from '../../providers/calljourney/validation.js';
import { cacheAtMost } from './cache-hints.js';
import type { GraphQLResolveInfo } from 'graphql';
import { providerConfig } from '../../config.js';
import type { Context } from '../../context.js';
import type { CallJourneyConfig } from '../../providers/calljourney/config.js';
import { decodeRef, encodeRef } from '../../tenancy/entity-ref.js';

export const recordingQueries: Pick<QueryResolvers, 'recording' | 'recordings'> = {
  recording: (_, { key, account }, ctx) => ctx.loaders.recordingOf(account).load(validateRecordingKey(key)),
  recordings: async (_, { keys, account }, ctx) => {
    const results = await ctx.loaders.recordingOf(account).loadMany(validateRecordingKeys(keys, ctx.services.config.limits.maxKeysPerBatch));
    // loadMany answers an Error in place of each failed key. graphql-js completes an Error list item as null
    // with that item's own error (path = its index), which is exactly the contract of `[Recording]!`; the
    // generated types cannot express that, hence the cast.
    return results as (RecordingModel | null)[];
  },
};

/** How long an answer saying a file is not there may be cached: the file may be uploaded right after the call. */
export const NOT_FOUND_MAX_AGE_SECONDS = 30;

/**
 * What an answer holding CallJourney's data about a file may be cached for: as long as the Recording type allows
 * (schema/recording.graphql), "not there" briefly — and, with the shared recording cache on, never longer than
 * cxgraph itself keeps the answer (CXGRAPH_RECORDING_CACHE_TTL_SECONDS), so a router or CDN and cxgraph agree.
 */
function restrict(r: RecordingModel, ctx: Context, info: GraphQLResolveInfo): void {
  const ttl = providerConfig<CallJourneyConfig>(ctx.services.config, 'CALLJOURNEY')?.recordingCache.ttlSeconds ?? 0;
  if (r.exists) {
    if (ttl > 0) cacheAtMost(info, ttl);
  } else cacheAtMost(info, ttl > 0 ? Math.min(ttl, NOT_FOUND_MAX_AGE_SECONDS) : NOT_FOUND_MAX_AGE_SECONDS);
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
  ref: (r) => encodeRef('CALLJOURNEY', r.account, JSON.stringify([r.company, r.organisation, r.folder, r.filename])),
  __resolveReference: async (rep, ctx) => {
    const given = (rep as { ref?: unknown }).ref;
    if (given === undefined) return ctx.loaders.recording.load(validateRecordingKey(rep as Record<string, unknown>, 'representation'));
    const key = decodeRef(given);
    if (!key || key.provider !== 'CALLJOURNEY') return null;
    const account = key.account === 'default' ? undefined : key.account;
    if (account !== undefined && !ctx.accounts.accountName('CALLJOURNEY', account)) return null;
    let parts: unknown;
    try {
      parts = JSON.parse(key.id);
    } catch {
      return null;
    }
    if (!Array.isArray(parts) || parts.length !== 4) return null;
    const [company, organisation, folder, filename] = parts as unknown[];
    return ctx.loaders.recordingOf(account).load(validateRecordingKey({ company, organisation, folder, filename }, 'representation'));
  },
};
