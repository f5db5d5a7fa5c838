/** Resolvers merged by name, explicitly (no folder scanning), as Apollo's subgraph template does. */
import type { Resolvers } from '../../__generated__/resolvers-types.js';
import { Agent, agentQueries } from './agents.js';
import { Call, CallMedia, callQueries } from './calls.js';
import { providerQueries } from './providers.js';
import { Recording, recordingQueries } from './recording.js';
import { User, userQueries } from './users.js';

export const resolvers: Resolvers = {
  Query: {
    ...recordingQueries,
    ...providerQueries,
    ...userQueries,
    ...agentQueries,
    ...callQueries,
  },
  Mutation: {},
  Recording,
  User,
  Agent,
  Call,
  CallMedia,
};
