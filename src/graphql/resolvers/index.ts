/** Resolvers merged by name, explicitly (no folder scanning), as Apollo's subgraph template does. */
import type { Resolvers } from '../../__generated__/resolvers-types.js';
import { providerQueries } from './providers.js';
import { Recording, recordingQueries } from './recording.js';

export const resolvers: Resolvers = {
  Query: {
    ...recordingQueries,
    ...providerQueries,
  },
  Recording,
};
