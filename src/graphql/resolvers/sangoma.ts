/** Sangoma CX call mutations: thin — the client checks the arguments and scope, places the call once, maps the answer. */
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { PROVIDER_VARIABLES } from '../../config.js';
import type { Context } from '../../context.js';
import { notConfigured } from '../../errors.js';
import type { SangomaClient } from '../../providers/sangoma/client.js';

export const sangomaMutations: Pick<MutationResolvers, 'startAgentCall' | 'startQueueCallback'> = {
  startAgentCall: (_, args, ctx) => sangoma(ctx).startAgentCall(args),
  startQueueCallback: (_, args, ctx) => sangoma(ctx).startQueueCallback(args),
};

function sangoma(ctx: Context): SangomaClient {
  const client = ctx.services.sangoma;
  if (!client) throw notConfigured('SANGOMA', PROVIDER_VARIABLES.SANGOMA);
  return client;
}
