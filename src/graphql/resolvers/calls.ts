import type { CallMediaResolvers, CallResolvers, QueryResolvers } from '../../__generated__/resolvers-types.js';
import { badInput } from '../../errors.js';
import { validateRecordingKey } from '../validation.js';
import { capability, intInRange, isoDate } from './dispatch.js';

export const callQueries: Pick<QueryResolvers, 'calls'> = {
  calls: (_, { provider, from, to, first, after }, ctx) => {
    const history = capability('calls', provider, ctx.services.calls);
    const f = isoDate(from, 'from');
    const t = isoDate(to, 'to');
    if (t <= f) throw badInput('to must be after from', 'to', provider);
    return history.listCalls({ from: f, to: t, first: intInRange(first, 50, 1, 100, 'first'), after: after ?? undefined });
  },
};

export const Call: CallResolvers = {
  recording: (call, { company, organisation, folder, filename }, ctx) => {
    const file = filename ?? call.media.find((m) => m.kind === 'callRecording' && m.filename)?.filename ?? `${call.id}.wav`;
    return ctx.loaders.recording.load(validateRecordingKey({ company, organisation, folder, filename: file }, 'recording'));
  },
  __resolveReference: async (ref, ctx) => {
    const loader = ctx.loaders.call(ref.provider);
    if (!loader) throw badInput(`${ref.provider} calls cannot be looked up by id`, 'id', ref.provider);
    return loader.load(ref.id);
  },
};

export const CallMedia: CallMediaResolvers = {
  downloadUrl: (media, _, ctx) => `${ctx.publicUrl}${media.downloadPath}`,
};
