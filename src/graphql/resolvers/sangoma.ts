/** Sangoma CX call mutations: thin — the provider checks the arguments and scope, places the call once, maps the answer. */
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';

export const sangomaMutations: Pick<MutationResolvers, 'startAgentCall' | 'startQueueCallback'> = {
  startAgentCall: (_, { account, ...args }, ctx) => ctx.accounts.sole('callPlacement', account).startAgentCall(args),
  startQueueCallback: (_, { account, ...args }, ctx) => ctx.accounts.sole('callPlacement', account).startQueueCallback(args),
};
