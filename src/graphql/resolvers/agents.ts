import type { AgentResolvers, QueryResolvers } from '../../__generated__/resolvers-types.js';
import { keyOnlyUser } from './users.js';
import { encodeRef, referenced } from '../../tenancy/entity-ref.js';

export const agentQueries: Pick<QueryResolvers, 'agents'> = {
  agents: (_, { provider, account }, ctx) => ctx.accounts.capability('agents', provider, account).listAgents(),
};

export const Agent: AgentResolvers = {
  /**
   * An agent named on a call carries its id only: its name comes from the provider's agent list, fetched at most
   * once per request (ctx.loaders.agentList) however many calls and agents ask. An id no longer listed has none.
   */
  name: async (agent, _, ctx) => {
    if (agent.name !== undefined) return agent.name;
    const agents = await ctx.loaders.agentList(agent.provider, ctx.accounts.capability('agents', agent.provider, agent.account), agent.account);
    return agents.find((a) => a.id === agent.id)?.name ?? null;
  },
  user: async (agent, _, ctx) => {
    if (!agent.userId) return null;
    const loader = ctx.loaders.user(agent.provider, agent.account);
    return loader ? loader.load(agent.userId) : ctx.accounts.stamp(keyOnlyUser(agent.provider, agent.userId), agent.account);
  },
  ref: (a) => encodeRef(a.provider, a.account, a.id),
  __resolveReference: async (rep, ctx) => {
    const key = referenced(rep);
    if (!key || (key.account !== undefined && !ctx.accounts.accountName(key.provider, key.account))) return null;
    const dir = ctx.accounts.capability('agents', key.provider, key.account);
    const agents = await ctx.loaders.agentList(key.provider, dir, key.account);
    return agents.find((a) => a.id === key.id) ?? null;
  },
};
