import type { AgentResolvers, QueryResolvers } from '../../__generated__/resolvers-types.js';
import { keyOnlyUser } from './users.js';

export const agentQueries: Pick<QueryResolvers, 'agents'> = {
  agents: (_, { provider }, ctx) => ctx.services.capability('agents', provider).listAgents(),
};

export const Agent: AgentResolvers = {
  /**
   * An agent named on a call carries its id only: its name comes from the provider's agent list, fetched at most
   * once per request (ctx.loaders.agentList) however many calls and agents ask. An id no longer listed has none.
   */
  name: async (agent, _, ctx) => {
    if (agent.name !== undefined) return agent.name;
    const agents = await ctx.loaders.agentList(agent.provider, ctx.services.capability('agents', agent.provider));
    return agents.find((a) => a.id === agent.id)?.name ?? null;
  },
  user: async (agent, _, ctx) => {
    if (!agent.userId) return null;
    const loader = ctx.loaders.user(agent.provider);
    return loader ? loader.load(agent.userId) : keyOnlyUser(agent.provider, agent.userId);
  },
  __resolveReference: async (ref, ctx) => {
    const dir = ctx.services.capability('agents', ref.provider);
    const agents = await ctx.loaders.agentList(ref.provider, dir);
    return agents.find((a) => a.id === ref.id) ?? null;
  },
};
