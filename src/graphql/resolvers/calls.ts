import type { CallMediaResolvers, CallResolvers, PageInfoResolvers, QueryResolvers } from '../../__generated__/resolvers-types.js';
import { badInput } from '../../errors/errors.js';
import type { CallModel } from '../../domain/models.js';
import { cacheAtMost } from './cache-hints.js';
import { intInRange } from './dispatch.js';
import { encodeRef, referenced } from '../../tenancy/entity-ref.js';

export const callQueries: Pick<QueryResolvers, 'calls'> = {
  // `from` and `to` arrive as Dates: the DateTime scalar (graphql-scalars) refused anything else before this runs.
  calls: async (_, { provider, from, to, first, after, account }, ctx) => {
    const history = ctx.accounts.capability('calls', provider, account);
    if (to <= from) throw badInput('to must be after from', 'to', provider);
    const page = await history.listCalls({ from, to, first: intInRange(first, 50, 1, 100, 'first'), after: after ?? undefined });
    // A cursor is only handed out after a page of calls, so a page asked for with one has calls before it.
    return { ...page, pageInfo: { ...page.pageInfo, hasPreviousPage: after != null } };
  },
};

export const Call: CallResolvers = {
  recording: (call, { key }, ctx) => {
    const filename = key.filename ?? call.media.find((m) => m.kind === 'callRecording' && m.filename)?.filename ?? `${call.id}.wav`;
    // The caller tenant's default recordings account: a call's platform and account say nothing of where its recording is filed.
    return ctx.loaders.recording.load(ctx.accounts.sole('recordings').checkKey({ ...key, filename }, 'key'));
  },
  ref: (c) => encodeRef(c.provider, c.account, c.id),
  /**
   * Through the per-request call loader (N references, one deduplicated batch). A platform without a get-by-id
   * endpoint (the PBX) answers what the key says, as the schema describes.
   */
  __resolveReference: async (rep, ctx) => {
    const key = referenced(rep);
    if (!key || (key.account !== undefined && !ctx.accounts.accountName(key.provider, key.account))) return null;
    ctx.accounts.capability('calls', key.provider, key.account);
    const loader = ctx.loaders.call(key.provider, key.account);
    return loader ? loader.load(key.id) : ctx.accounts.stamp(callStub(key.provider, key.id), ctx.accounts.accountName(key.provider, key.account));
  },
};

/** Key-only call: what can be said of a reference the platform cannot look up by id. */
export function callStub(provider: CallModel['provider'], id: string): CallModel {
  return { provider, id, startTime: null, direction: null, from: null, to: null, durationSeconds: null, agents: [], media: [] };
}

/** Relay fields a forward-only page knows without the provider's help. */
export const PageInfo: PageInfoResolvers = {
  hasPreviousPage: (p) => p.hasPreviousPage ?? false,
  startCursor: () => null,
};

export const CallMedia: CallMediaResolvers = {
  // Absolute on CXGRAPH_PUBLIC_URL, signed for this path and a few minutes (src/security/media-links.ts): usable as <audio src>.
  // A cached answer must not hand out links that expire before it does: at most half their lifetime.
  downloadUrl: (media, _, ctx, info) => {
    cacheAtMost(info, Math.floor(ctx.services.config.media.ttlSeconds / 2));
    return ctx.mediaUrl(media.downloadPath);
  },
};
