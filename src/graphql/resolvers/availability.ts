/** `agentAvailability(skillNames)`: agent counts per state, from the provider offering availability (it checks the names). */
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';

export const availabilityQueries: Pick<QueryResolvers, 'agentAvailability'> = {
  agentAvailability: (_, { skillNames, account }, ctx) => ctx.accounts.sole('availability', account).availability(skillNames),
};
