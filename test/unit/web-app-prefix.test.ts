/**
 * The reference web app behind a router that serves cxgraph under CXGRAPH_SCHEMA_PREFIX (VITE_CXGRAPH_PREFIX):
 * its copy of the naming agrees with cxgraph's (src/graphql/schema.ts), every one of its documents, rewritten by
 * examples/web/src/cxgraph/prefix.ts, is valid against the prefixed schema cxgraph serves, and codegen's loader for a
 * supergraph URL (examples/web/scripts/schema-from-url.ts) gives back the schema as written, against which the
 * documents as written are valid. The browser test runs the whole thing through a gateway.
 */
import { GraphQLError, Kind, parse, printSchema, validate, buildASTSchema, type DocumentNode, type ObjectTypeDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { prefixDocument, schemaNames } from '../../examples/web/src/cxgraph/prefix.js';
import * as generated from '../../examples/web/src/gql/graphql.js';
import { unprefixed } from '../../examples/web/scripts/schema-from-url.js';
import { loadTypeDefs, schemaNaming, servedTypeDefs } from '../../src/graphql/schema.js';

/** The schema cxgraph serves under `prefix`, built with this test's graphql-js (@apollo/subgraph may load another copy). */
const served = (prefix: string) => buildASTSchema(servedTypeDefs(prefix), { assumeValidSDL: true });

const documents = Object.entries(generated).filter(
  (e): e is [string, DocumentNode] => e[0].endsWith('Document') && (e[1] as DocumentNode).kind === Kind.DOCUMENT,
);
const messages = (errors: readonly GraphQLError[]) => errors.map((e) => e.message);

describe('the web app under a schema prefix', () => {
  it('names types and root fields as cxgraph does', () => {
    const doc = loadTypeDefs();
    const types = doc.definitions.flatMap((d) =>
      d.kind !== Kind.SCHEMA_EXTENSION && 'name' in d && d.name && !['Query', 'Mutation'].includes(d.name.value) && d.kind !== Kind.DIRECTIVE_DEFINITION
        ? [d.name.value]
        : [],
    );
    const roots = doc.definitions.flatMap((d) =>
      (d.kind === Kind.OBJECT_TYPE_EXTENSION || d.kind === Kind.OBJECT_TYPE_DEFINITION) && ['Query', 'Mutation'].includes(d.name.value)
        ? (d as ObjectTypeDefinitionNode).fields!.map((f) => f.name.value)
        : [],
    );
    expect(roots).toContain('calls');
    for (const prefix of ['Cx', 'ACME', 'CXGraph', 'A1b']) {
      const ours = schemaNames(prefix);
      const theirs = schemaNaming(doc, prefix);
      for (const t of types) expect(ours.type(t), `${prefix} ${t}`).toBe(theirs.type(t));
      for (const f of roots) expect(ours.rootField(f), `${prefix} ${f}`).toBe(theirs.rootField(f));
    }
    expect(() => schemaNames('cx')).toThrow(/VITE_CXGRAPH_PREFIX/);
  });

  it('rewrites every document into one cxgraph under the prefix accepts, answering under the same keys', () => {
    expect(documents.length).toBeGreaterThan(5);
    const schema = served('Cx');
    for (const [name, doc] of documents) {
      const prefixed = prefixDocument(doc, 'Cx');
      expect(messages(validate(schema, prefixed)), name).toEqual([]);
      // Not valid as written there: the rewrite is what makes it work.
      expect(validate(schema, doc).length, name).toBeGreaterThan(0);
    }
    const calls = prefixDocument(generated.MoreCallsDocument, 'Cx');
    const op = calls.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)!;
    const root = op.selectionSet.selections.find((s) => s.kind === Kind.FIELD && s.name.value !== '__typename');
    expect(root).toMatchObject({ alias: { value: 'calls' }, name: { value: 'cxCalls' } });
    expect(prefixDocument(doc0(), '')).toBe(doc0());
  });

  it('codegen against a supergraph URL sees cxgraph as written: the documents as written are valid there', () => {
    const company = parse('type User { id: ID! } type Query { users: [User!]! companyThing: String }');
    const sdl = parse(printSchema(served('Cx')));
    const supergraphLike = {
      kind: Kind.DOCUMENT,
      definitions: [...sdl.definitions.filter((d) => !(d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === 'Query')), ...mergeQuery(sdl, company)],
    } as DocumentNode;
    const schema = buildASTSchema(unprefixed(supergraphLike, 'Cx'));
    expect(schema.getType('CxUser')).toBeUndefined();
    expect(Object.keys(schema.getQueryType()!.getFields())).toContain('calls');
    expect(Object.keys(schema.getQueryType()!.getFields())).not.toContain('companyThing');
    for (const [name, doc] of documents) expect(messages(validate(schema, doc)), name).toEqual([]);
  });
});

function doc0(): DocumentNode {
  return documents[0]![1];
}

/** One Query type holding both schemas' root fields, as a supergraph's API schema has it. */
function mergeQuery(a: DocumentNode, b: DocumentNode) {
  const query = (d: DocumentNode) =>
    d.definitions.find((x): x is ObjectTypeDefinitionNode => x.kind === Kind.OBJECT_TYPE_DEFINITION && x.name.value === 'Query')!;
  const others = b.definitions.filter((d) => !(d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === 'Query'));
  return [...others, { ...query(a), fields: [...query(a).fields!, ...query(b).fields!] }];
}
