/** Resolvers merged by name, explicitly (no folder scanning), as Apollo's subgraph template does. */
import { GraphQLScalarType } from 'graphql';
import { GraphQLDateTimeISO } from 'graphql-scalars';
import type { Resolvers } from '../../__generated__/resolvers-types.js';
import { Agent, agentQueries } from './agents.js';
import { availabilityQueries } from './availability.js';
import { Call, CallMedia, PageInfo, callQueries } from './calls.js';
import { PbxAccount, pbxMutations, pbxQueries } from './pbx.js';
import { providerQueries } from './providers.js';
import { Recording, recordingQueries } from './recording.js';
import { sangomaMutations } from './sangoma.js';
import { User, userQueries } from './users.js';

/**
 * graphql-scalars' RFC 3339 date-time, serialised as an ISO 8601 string in UTC (its DateTimeISO variant, so a
 * response never holds a Date object), under the name schema/scalars.graphql gives it. Only its functions reach the
 * schema (src/graphql/schema.ts): its name and description stay those of the SDL.
 */
export const DateTime = new GraphQLScalarType({ ...GraphQLDateTimeISO.toConfig(), name: 'DateTime' });

export const resolvers: Resolvers = {
  DateTime,
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
