/**
 * graphql-codegen's custom schema loader for CXGRAPH_CODEGEN_SCHEMA=<url> (codegen.ts): the schema of a running
 * cxgraph, or of the router or gateway of a supergraph, read by introspection (introspection must be on there:
 * cxgraph's is, outside NODE_ENV=production or with CXGRAPH_INTROSPECTION=on).
 *
 * The app's operations are written against cxgraph's names as its schema files have them. A supergraph serves
 * cxgraph under its schema prefix next to other subgraphs' types, so with VITE_CXGRAPH_PREFIX set this keeps only
 * cxgraph's part — the types named with the prefix and the root fields starting with it — under the names as
 * written (`CxUser` → `User`, `cxUsers` → `users`); a field of those types that names another subgraph's type is left
 * out. The app then validates and types exactly what it will send once src/cxgraph/prefix.ts has prefixed it.
 */
import {
  buildASTSchema,
  buildClientSchema,
  getIntrospectionQuery,
  Kind,
  parse,
  printSchema,
  visit,
  type DefinitionNode,
  type DocumentNode,
  type GraphQLSchema,
  type IntrospectionQuery,
  type TypeNode,
} from 'graphql';
import { schemaNames } from '../src/cxgraph/prefix.js';

const BUILT_IN = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);

async function introspect(url: string): Promise<GraphQLSchema> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  // A router or cxgraph that wants a caller's token for introspection (CXGRAPH_AUTH=jwt, a router's JWT auth).
  if (process.env.CXGRAPH_CODEGEN_AUTHORIZATION) headers.authorization = process.env.CXGRAPH_CODEGEN_AUTHORIZATION;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query: getIntrospectionQuery() }) });
  const body = (await res.json().catch(() => ({}))) as { data?: IntrospectionQuery; errors?: { message: string }[] };
  if (!res.ok || !body.data) {
    throw new Error(
      `CXGRAPH_CODEGEN_SCHEMA=${url}: expected an introspection answer, got HTTP ${res.status}${body.errors ? `: ${body.errors.map((e) => e.message).join('; ')}` : ''}`,
    );
  }
  return buildClientSchema(body.data);
}

/** cxgraph's part of a schema served under `prefix`, under the names as written. */
export function unprefixed(doc: DocumentNode, prefix: string): DocumentNode {
  const names = schemaNames(prefix);
  const fieldStart = names.rootField('x').slice(0, -1);
  const ours = (name: string) => name.startsWith(prefix) && name.length > prefix.length;
  const baseName = (t: TypeNode): string => (t.kind === Kind.NAMED_TYPE ? t.name.value : baseName(t.type));
  const kept = (t: TypeNode) => BUILT_IN.has(baseName(t)) || ours(baseName(t));
  const definitions: DefinitionNode[] = [];
  for (const d of doc.definitions) {
    if (d.kind === Kind.SCHEMA_DEFINITION || d.kind === Kind.DIRECTIVE_DEFINITION) continue;
    if (!('name' in d) || !d.name) continue;
    const name = d.name.value;
    if (d.kind === Kind.OBJECT_TYPE_DEFINITION && (name === 'Query' || name === 'Mutation')) {
      const fields = (d.fields ?? [])
        .filter((f) => f.name.value.startsWith(fieldStart) && kept(f.type) && (f.arguments ?? []).every((a) => kept(a.type)))
        .map((f) => ({ ...f, name: { ...f.name, value: f.name.value.charAt(fieldStart.length).toLowerCase() + f.name.value.slice(fieldStart.length + 1) } }));
      if (fields.length) definitions.push({ ...d, fields });
    } else if (ours(name) && (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.INTERFACE_TYPE_DEFINITION)) {
      definitions.push({ ...d, fields: (d.fields ?? []).filter((f) => kept(f.type) && (f.arguments ?? []).every((a) => kept(a.type))) });
    } else if (ours(name)) {
      definitions.push(d);
    }
  }
  const strip = (n: string) => (ours(n) ? n.slice(prefix.length) : n);
  return visit(
    { kind: Kind.DOCUMENT, definitions },
    {
      NamedType: (node) => ({ ...node, name: { ...node.name, value: strip(node.name.value) } }),
      ObjectTypeDefinition: (node) => ({ ...node, name: { ...node.name, value: strip(node.name.value) } }),
      InterfaceTypeDefinition: (node) => ({ ...node, name: { ...node.name, value: strip(node.name.value) } }),
      UnionTypeDefinition: (node) => ({ ...node, name: { ...node.name, value: strip(node.name.value) } }),
      EnumTypeDefinition: (node) => ({ ...node, name: { ...node.name, value: strip(node.name.value) } }),
      InputObjectTypeDefinition: (node) => ({ ...node, name: { ...node.name, value: strip(node.name.value) } }),
      ScalarTypeDefinition: (node) => ({ ...node, name: { ...node.name, value: strip(node.name.value) } }),
    },
  );
}

export default async function schemaFromUrl(url: string): Promise<GraphQLSchema> {
  const schema = await introspect(url);
  const prefix = process.env.VITE_CXGRAPH_PREFIX ?? '';
  if (!prefix) return schema;
  schemaNames(prefix); // checks the value
  return buildASTSchema(unprefixed(parse(printSchema(schema)), prefix));
}
