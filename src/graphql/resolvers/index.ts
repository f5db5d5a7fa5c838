/** Resolvers merged by name, explicitly (no folder scanning), as Apollo's subgraph template does. */
import type { Resolvers } from '../../__generated__/resolvers-types.js';
import { Agent, agentQueries } from './agents.js';
import { availabilityQueries } from './availability.js';
import { Call, CallMedia, PageInfo, callQueries } from './calls.js';
import { PbxAccount, pbxMutations, pbxQueries } from './pbx.js';
import { providerQueries } from './providers.js';
import { Recording, recordingQueries } from './recording.js';
import { sangomaMutations } from './sangoma.js';
import { User, userQueries } from './users.js';

export const resolvers: Resolvers = {
  Query: {
    ...recordingQueries,
    ...providerQueries,
    ...userQueries,
    ...agentQueries,
    ...availabilityQueries,
    ...callQueries,
    ...pbxQueries,
  },
  Mutation: {
    ...sangomaMutations,
    ...pbxMutations,
  },
  Recording,
  User,
  Agent,
  Call,
  CallMedia,
  PageInfo,
  PbxAccount,
};
