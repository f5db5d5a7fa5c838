/**
 * CXGRAPH_SCHEMA_PREFIX from the app's side. A platform team that composes cxgraph next to its own `User`, `Call`,
 * `users`… serves it with a prefix (`Cx`: `CxUser`, `cxUsers`). The app's operations stay written against cxgraph's
 * names as the schema files have them, and its generated types stay as committed; VITE_CXGRAPH_PREFIX (the one
 * setting) makes three things follow the prefix:
 * - every document, rewritten by `prefixDocument` (an Apollo Client DocumentTransform, src/apollo.ts) before it is
 *   sent: root fields renamed and aliased back to the name the app reads (`users: cxUsers(…)`), so the data, the
 *   generated types and the error paths the panels filter on do not change;
 * - the cache's type and field policies (`CxUser`, `Query.cxCalls`), through `schemaNames`;
 * - the persisted-query manifest (scripts/persisted-query-manifest.ts prints and hashes the same rewritten documents).
 * The naming is cxgraph's own (src/graphql/schema.ts `schemaNaming`; test/unit/web-app-prefix.test.ts keeps them equal).
 */
import { Kind, visit, type DocumentNode, type FieldNode, type NamedTypeNode, type SelectionNode } from 'graphql';

/** What a prefix may be, as cxgraph checks CXGRAPH_SCHEMA_PREFIX. */
export const PREFIX_PATTERN = /^[A-Z][A-Za-z0-9]*$/;

/** GraphQL's own scalars keep their names under any prefix; every other type the app's documents name is cxgraph's. */
const BUILT_IN = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);

export interface SchemaNames {
  readonly prefix: string;
  /** `User` → `CxUser`. */
  type(name: string): string;
  /** `users` → `cxUsers`. */
  rootField(name: string): string;
}

/** The prefix as the start of a camelCase name: `Cx` → `cx`, `ACME` → `acme`, `CXGraph` → `cxGraph`. */
function camelStart(prefix: string): string {
  const upperRun = /^[A-Z][A-Z0-9]*(?=[A-Z][a-z0-9]|$)/.exec(prefix)?.[0] ?? prefix.slice(0, 1);
  return upperRun.toLowerCase() + prefix.slice(upperRun.length);
}

export function schemaNames(prefix: string): SchemaNames {
  if (prefix && !PREFIX_PATTERN.test(prefix)) {
    throw new Error(
      `VITE_CXGRAPH_PREFIX must be the start of a GraphQL type name (a capital letter, then letters or digits), as CXGRAPH_SCHEMA_PREFIX is; got ${JSON.stringify(prefix)}`,
    );
  }
  const fieldStart = camelStart(prefix);
  return {
    prefix,
    type: (name) => (prefix && !BUILT_IN.has(name) && !name.startsWith('__') ? prefix + name : name),
    rootField: (name) => (prefix && !name.startsWith('__') ? fieldStart + name.charAt(0).toUpperCase() + name.slice(1) : name),
  };
}

/**
 * The document as a cxgraph served under `prefix` expects it: type names in variables and fragment conditions
 * prefixed, each root field of an operation renamed and aliased to the name it had, so the answer has the same
 * shape. Fragments spread at the root of an operation are not rewritten (the app has none). The result carries no
 * persisted id of the document it came from: its id is the SHA-256 of its printed text (src/apollo.ts).
 */
export function prefixDocument(doc: DocumentNode, prefix: string): DocumentNode {
  if (!prefix) return doc;
  const names = schemaNames(prefix);
  const root = (s: SelectionNode): SelectionNode =>
    s.kind === Kind.FIELD && !s.name.value.startsWith('__')
      ? ({ ...s, alias: s.alias ?? { kind: Kind.NAME, value: s.name.value }, name: { ...s.name, value: names.rootField(s.name.value) } } satisfies FieldNode)
      : s;
  const out = visit(doc, {
    NamedType: (node): NamedTypeNode => ({ ...node, name: { ...node.name, value: names.type(node.name.value) } }),
    OperationDefinition: {
      leave: (node) => ({ ...node, selectionSet: { ...node.selectionSet, selections: node.selectionSet.selections.map(root) } }),
    },
  });
  return { kind: out.kind, definitions: out.definitions, loc: out.loc };
}
