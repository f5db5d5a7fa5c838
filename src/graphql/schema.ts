/**
 * The subgraph schema: schema/*.graphql (the source of truth) + resolvers, built once per process (per schema
 * prefix). Resolvers and generated types are written once, against the schema as written; with
 * CXGRAPH_SCHEMA_PREFIX the type definitions are renamed here and the resolvers mapped to the new names, so
 * `_service { sdl }`, introspection, validation messages and `_entities`' `__typename` all carry the served names.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { GraphQLScalarType, Kind, parse, visit, type ASTNode, type DocumentNode, type GraphQLSchema } from 'graphql';
import { SCHEMA_PREFIX_PATTERN } from '../app/config.js';
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
 * The values of the `Provider` enum: schema/providers.graphql is their one source (what Apollo, codegen and the
 * router see); the module list must name the same (test/architecture/structure.test.ts, and providerEnumGaps at
 * start-up), never patched in at run time.
 */
export function providerEnumValues(doc: DocumentNode): string[] {
  for (const d of doc.definitions) {
    if (d.kind === Kind.ENUM_TYPE_DEFINITION && d.name.value === 'Provider') return (d.values ?? []).map((v) => v.name.value);
  }
  return [];
}

/** The modules the schema's `Provider` enum does not name: a module added to the list but not to the schema. */
export function providerEnumGaps(providers: readonly string[], doc: DocumentNode = loadTypeDefs()): string[] {
  const declared = new Set(providerEnumValues(doc));
  return providers.filter((p) => !declared.has(p));
}

// --- the schema prefix (CXGRAPH_SCHEMA_PREFIX) ------------------------------------------------------------------

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);
const TYPE_KINDS = new Set<string>([
  Kind.OBJECT_TYPE_DEFINITION,
  Kind.OBJECT_TYPE_EXTENSION,
  Kind.INTERFACE_TYPE_DEFINITION,
  Kind.INTERFACE_TYPE_EXTENSION,
  Kind.UNION_TYPE_DEFINITION,
  Kind.UNION_TYPE_EXTENSION,
  Kind.ENUM_TYPE_DEFINITION,
  Kind.ENUM_TYPE_EXTENSION,
  Kind.INPUT_OBJECT_TYPE_DEFINITION,
  Kind.INPUT_OBJECT_TYPE_EXTENSION,
  Kind.SCALAR_TYPE_DEFINITION,
  Kind.SCALAR_TYPE_EXTENSION,
]);

/**
 * The names one schema prefix gives. Types the schema files define (objects, interfaces, unions, enums, inputs,
 * scalars) get the prefix in front (`User` → `CxUser`); root fields (`Query`, `Mutation`) get it in camelCase
 * (`users` → `cxUsers`). Whatever the files do not define keeps its name: GraphQL's built-in scalars and
 * introspection types, the root types themselves, and federation's types and directives (`_Any`, `_Entity`,
 * `_Service`, `federation__*`, `link__*`, `@key`…, which `@link` imports). Directives keep their names too.
 */
export interface SchemaNaming {
  /** '' when names are served as written. */
  readonly prefix: string;
  /** The served name of a type as schema/*.graphql writes it. */
  type(name: string): string;
  /** The served name of a root field as schema/*.graphql writes it. */
  rootField(name: string): string;
}

/** The prefix as the start of a camelCase name: `Cx` → `cx`, `ACME` → `acme`, `CXGraph` → `cxGraph`. */
function camelStart(prefix: string): string {
  const upperRun = /^[A-Z][A-Z0-9]*(?=[A-Z][a-z0-9]|$)/.exec(prefix)?.[0] ?? prefix.slice(0, 1);
  return upperRun.toLowerCase() + prefix.slice(upperRun.length);
}

export function schemaNaming(doc: DocumentNode, prefix: string): SchemaNaming {
  if (prefix && !SCHEMA_PREFIX_PATTERN.test(prefix)) throw new Error(`a schema prefix must match ${SCHEMA_PREFIX_PATTERN}, got ${JSON.stringify(prefix)}`);
  const own = new Set<string>();
  for (const d of doc.definitions) {
    if (TYPE_KINDS.has(d.kind) && 'name' in d && d.name && !ROOT_TYPES.has(d.name.value)) own.add(d.name.value);
  }
  const fieldStart = prefix ? camelStart(prefix) : '';
  return {
    prefix,
    type: (name) => (prefix && own.has(name) ? prefix + name : name),
    rootField: (name) => (prefix ? fieldStart + name.charAt(0).toUpperCase() + name.slice(1) : name),
  };
}

/** The type definitions under `naming`: every definition, extension and reference, and the root fields. */
export function prefixTypeDefs(doc: DocumentNode, naming: SchemaNaming): DocumentNode {
  if (!naming.prefix) return doc;
  type Named = ASTNode & { name: { value: string } };
  const renamed = <T extends Named>(node: T): T => ({ ...node, name: { ...node.name, value: naming.type(node.name.value) } });
  const objectType = <T extends Named & { fields?: readonly Named[] }>(node: T): T =>
    ROOT_TYPES.has(node.name.value)
      ? { ...node, fields: node.fields?.map((f) => ({ ...f, name: { ...f.name, value: naming.rootField(f.name.value) } })) }
      : renamed(node);
  return visit(doc, {
    NamedType: renamed,
    ObjectTypeDefinition: objectType,
    ObjectTypeExtension: objectType,
    InterfaceTypeDefinition: renamed,
    InterfaceTypeExtension: renamed,
    UnionTypeDefinition: renamed,
    UnionTypeExtension: renamed,
    EnumTypeDefinition: renamed,
    EnumTypeExtension: renamed,
    InputObjectTypeDefinition: renamed,
    InputObjectTypeExtension: renamed,
    ScalarTypeDefinition: renamed,
    ScalarTypeExtension: renamed,
  });
}

/**
 * The resolvers under the served names, as buildSubgraphSchema takes them. A scalar contributes only its functions:
 * @apollo/subgraph copies every property of a scalar resolver onto the schema's type, which would otherwise put
 * graphql-scalars' name and description over the served ones.
 */
export function prefixResolvers(map: Record<string, unknown>, naming: SchemaNaming): GraphQLResolverMap<unknown> {
  const out: Record<string, unknown> = {};
  for (const [type, r] of Object.entries(map)) {
    if (r instanceof GraphQLScalarType) out[naming.type(type)] = { serialize: r.serialize, parseValue: r.parseValue, parseLiteral: r.parseLiteral };
    else if (ROOT_TYPES.has(type))
      out[type] = Object.fromEntries(Object.entries(r as Record<string, unknown>).map(([field, fn]) => [naming.rootField(field), fn]));
    else out[naming.type(type)] = r;
  }
  return out as GraphQLResolverMap<unknown>;
}

/**
 * schema/*.graphql as cxgraph serves it: names under `prefix` ('' = as written). What `_service { sdl }` holds, and
 * what `npm run supergraph -- --prefix` composes. `dir`: the schema files (SCHEMA_DIR; a test's copy).
 */
export function servedTypeDefs(prefix = '', dir = SCHEMA_DIR): DocumentNode {
  const doc = loadTypeDefs(dir);
  return prefixTypeDefs(doc, schemaNaming(doc, prefix));
}

const cache = new Map<string, GraphQLSchema>();
/** Built once per process (per prefix and schema folder). */
export function subgraphSchema(prefix = '', dir = SCHEMA_DIR): GraphQLSchema {
  const key = `${prefix}|${dir}`;
  let schema = cache.get(key);
  if (!schema) {
    const doc = loadTypeDefs(dir);
    const naming = schemaNaming(doc, prefix);
    schema = buildSubgraphSchema({ typeDefs: prefixTypeDefs(doc, naming), resolvers: prefixResolvers(resolvers as Record<string, unknown>, naming) });
    cache.set(key, schema);
  }
  return schema;
}
