/** The subgraph schema: schema/*.graphql (the source of truth) + resolvers, built once per process. */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { resolvers } from './resolvers/index.js';

export const SCHEMA_DIR = fileURLToPath(new URL('../../schema/', import.meta.url));

/** The SDL files in a fixed order (federation @link first), concatenated. */
export function loadTypeDefs(dir = SCHEMA_DIR): DocumentNode {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort((a, b) => (a === 'federation.graphql' ? -1 : b === 'federation.graphql' ? 1 : a.localeCompare(b)));
  return parse(files.map((f) => readFileSync(dir + f, 'utf8')).join('\n'));
}

let cached: GraphQLSchema | undefined;
export function subgraphSchema(): GraphQLSchema {
  cached ??= buildSubgraphSchema({ typeDefs: loadTypeDefs(), resolvers: resolvers as GraphQLResolverMap<unknown> });
  return cached;
}
