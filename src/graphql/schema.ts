/** The subgraph schema: schema/*.graphql (the source of truth) + resolvers, built once per process. */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { concatAST, GraphQLScalarType, Kind, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { resolvers } from './resolvers/index.js';

export const SCHEMA_DIR = fileURLToPath(new URL('../../schema/', import.meta.url));

/** The SDL files in a fixed order (federation @link first), concatenated. */
export function loadTypeDefs(dir = SCHEMA_DIR): DocumentNode {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort((a, b) => (a === 'federation.graphql' ? -1 : b === 'federation.graphql' ? 1 : a.localeCompare(b)));
  return parse(files.map((f) => readFileSync(dir + f, 'utf8')).join('\n'));
}

/**
 * The `Provider` enum as served: the values schema/*.graphql declares, plus one per module in `providers` that it
 * does not (a module being added, or a test's), so `providers` can name every module it lists. The shipped list and
 * the schema agree (test/unit/provider-modules.test.ts), so the served schema is schema/*.graphql as written.
 */
function withProviderValues(doc: DocumentNode, providers: readonly string[]): DocumentNode {
  const declared = new Set<string>();
  for (const d of doc.definitions) {
    if (d.kind === Kind.ENUM_TYPE_DEFINITION && d.name.value === 'Provider') for (const v of d.values ?? []) declared.add(v.name.value);
  }
  const missing = providers.filter((p) => !declared.has(p));
  return missing.length === 0 ? doc : concatAST([doc, parse(`extend enum Provider { ${missing.join(' ')} }`)]);
}

/**
 * The resolver map as buildSubgraphSchema takes it. A scalar contributes only its functions: @apollo/subgraph
 * copies every property of a scalar resolver onto the schema's type, which would otherwise put graphql-scalars'
 * name and description over the SDL's.
 */
function resolverMap(map: Record<string, unknown>): GraphQLResolverMap<unknown> {
  const out: Record<string, unknown> = {};
  for (const [type, r] of Object.entries(map)) {
    out[type] = r instanceof GraphQLScalarType ? { serialize: r.serialize, parseValue: r.parseValue, parseLiteral: r.parseLiteral } : r;
  }
  return out as GraphQLResolverMap<unknown>;
}

const cache = new Map<string, GraphQLSchema>();
/** Built once per process (per module list). */
export function subgraphSchema(providers: readonly string[] = []): GraphQLSchema {
  const key = providers.join(',');
  let schema = cache.get(key);
  if (!schema) {
    schema = buildSubgraphSchema({ typeDefs: withProviderValues(loadTypeDefs(), providers), resolvers: resolverMap(resolvers as Record<string, unknown>) });
    cache.set(key, schema);
  }
  return schema;
}
