/**
 * The schema checks behind `npm run schema:check` (scripts/schema-check.ts), as pure functions the tests call
 * with fixtures:
 *
 * - lintSchema: what the schema files must hold — a description on every type, field, argument and enum value
 *   (frontend developers read them in Sandbox), GraphQL naming conventions, one Federation 2 `@link` importing
 *   exactly the directives used, and a schema that builds as a subgraph and composes on its own with no error
 *   and no hint.
 * - compareSchemas: what changed between two versions of the schema files, as clients and other subgraphs see
 *   it. Clients see the API schema (composition's, so federation plumbing such as `_entities` or a directive
 *   import never counts); other subgraphs also rely on the entity keys and on what is @shareable. Breaking
 *   changes are graphql-inspector's BREAKING ones plus a removed key or @shareable.
 */
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { diff, CriticalityLevel, type Change } from '@graphql-inspector/core';
import { Kind, print, visit, type ASTNode, type DirectiveNode, type DocumentNode, type GraphQLSchema } from 'graphql';

/** Put in a commit message, it lets that commit make breaking schema changes (the check reports them and passes). */
export const BREAKING_CHANGE_MARKER = '[breaking-change-intended]';

export function intendsBreakingChange(commitMessages: string): boolean {
  return commitMessages.includes(BREAKING_CHANGE_MARKER);
}

const PASCAL = /^[A-Z][A-Za-z0-9]*$/;
const CAMEL = /^[a-z][A-Za-z0-9]*$/;
const SCREAMING = /^[A-Z][A-Z0-9_]*$/;

/** Every problem of the schema files, each naming the element (`Type.field(arg)`); empty when all is well. */
export function lintSchema(doc: DocumentNode): string[] {
  const problems: string[] = [];
  const described = (node: { description?: { value: string } }, where: string) => {
    if (!node.description || node.description.value.trim() === '') problems.push(`${where}: add a description (frontend developers read it in Sandbox)`);
  };
  const named = (name: string, pattern: RegExp, kind: string, where: string) => {
    if (!pattern.test(name))
      problems.push(`${where}: ${kind} names are ${pattern === PASCAL ? 'PascalCase' : pattern === CAMEL ? 'camelCase' : 'SCREAMING_SNAKE_CASE'}`);
  };

  for (const def of doc.definitions) {
    switch (def.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_EXTENSION:
      case Kind.INPUT_OBJECT_TYPE_DEFINITION:
      case Kind.INPUT_OBJECT_TYPE_EXTENSION: {
        const type = def.name.value;
        // An extension adds fields to a type described where it is defined.
        if (def.kind === Kind.OBJECT_TYPE_DEFINITION || def.kind === Kind.INTERFACE_TYPE_DEFINITION || def.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION)
          described(def, type);
        named(type, PASCAL, 'type', type);
        for (const field of def.fields ?? []) {
          const where = `${type}.${field.name.value}`;
          described(field, where);
          named(field.name.value, CAMEL, 'field', where);
          for (const arg of 'arguments' in field ? (field.arguments ?? []) : []) {
            described(arg, `${where}(${arg.name.value})`);
            named(arg.name.value, CAMEL, 'argument', `${where}(${arg.name.value})`);
          }
        }
        break;
      }
      case Kind.ENUM_TYPE_DEFINITION:
      case Kind.UNION_TYPE_DEFINITION:
      case Kind.SCALAR_TYPE_DEFINITION:
        described(def, def.name.value);
        named(def.name.value, PASCAL, 'type', def.name.value);
        if (def.kind === Kind.ENUM_TYPE_DEFINITION) {
          for (const v of def.values ?? []) {
            described(v, `${def.name.value}.${v.name.value}`);
            named(v.name.value, SCREAMING, 'enum value', `${def.name.value}.${v.name.value}`);
          }
        }
        break;
      default:
        break;
    }
  }

  problems.push(...federationProblems(doc));
  if (problems.length === 0) problems.push(...compositionProblems(doc));
  return problems;
}

/** GraphQL's own directives, which no `@link` imports. */
const BUILT_IN_DIRECTIVES = new Set(['@deprecated', '@specifiedBy', '@include', '@skip', '@oneOf']);

/**
 * The directives the schema applies that federation's `@link` must import: every one except GraphQL's own and
 * those the schema files define themselves (Apollo Server's `@cacheControl`).
 */
export function federationDirectivesUsed(doc: DocumentNode): Set<string> {
  const defined = new Set(doc.definitions.flatMap((d) => (d.kind === Kind.DIRECTIVE_DEFINITION ? [`@${d.name.value}`] : [])));
  const used = new Set<string>();
  visit(doc, {
    Directive(d) {
      const name = `@${d.name.value}`;
      if (name !== '@link' && !defined.has(name) && !BUILT_IN_DIRECTIVES.has(name)) used.add(name);
    },
  });
  return used;
}

/** One federation `@link`, importing exactly the directives the schema uses. */
function federationProblems(doc: DocumentNode): string[] {
  const links: DirectiveNode[] = [];
  visit(doc, {
    Directive(d) {
      if (d.name.value === 'link') links.push(d);
    },
  });
  const used = federationDirectivesUsed(doc);
  const federation = links.filter((l) => /specs\.apollo\.dev\/federation\/v2\.\d+/.test(print(l)));
  if (federation.length !== 1) return [`schema: expected one @link to https://specs.apollo.dev/federation/v2.x, found ${federation.length}`];
  const importArg = federation[0]!.arguments?.find((a) => a.name.value === 'import')?.value;
  const imported = new Set(importArg?.kind === Kind.LIST ? importArg.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : [])) : []);
  const problems: string[] = [];
  for (const d of used) if (!imported.has(d)) problems.push(`schema: ${d} is used but not imported by the federation @link`);
  for (const d of imported) if (!used.has(d)) problems.push(`schema: ${d} is imported by the federation @link but never used; remove it from import`);
  return problems;
}

/**
 * Composition hints cxgraph's schema gives on purpose, and only those: Apollo's documented declaration of
 * `@cacheControl` for subgraphs (schema/cache-control.graphql) defines the `CacheControlScope` enum (`CxCacheControlScope`
 * under a schema prefix), which only that directive uses, so composition says it is unused and keeps it in the
 * supergraph. Every other hint is still reported.
 * Likewise `ErrorCode` (schema/errors.graphql): no field returns it by design; it is there for clients' codegen.
 */
export function isDesignedHint(hint: { definition: { code: string }; message: string }): boolean {
  return hint.definition.code === 'UNUSED_ENUM_TYPE' && /^Enum type "[A-Za-z0-9]*(CacheControlScope|ErrorCode)" is defined but unused\./.test(hint.message);
}

function compositionProblems(doc: DocumentNode): string[] {
  try {
    buildSubgraphSchema({ typeDefs: doc });
  } catch (e) {
    return [`schema: does not build as a subgraph: ${e instanceof Error ? e.message : String(e)}`];
  }
  const r = composeServices([{ name: 'cxgraph', url: 'http://cxgraph:4001/', typeDefs: doc }]);
  if (r.errors) return r.errors.map((e) => `composition: ${e.message}`);
  return r.hints.filter((h) => !isDesignedHint(h)).map((h) => `composition hint [${h.definition.code}]: ${h.message}`);
}

// --- comparing two versions -------------------------------------------------------------------------------

export interface SchemaComparison {
  breaking: string[];
  dangerous: string[];
  safe: string[];
}

/** The changes from `before` to `after`, by criticality, each as one readable line. */
export async function compareSchemas(before: DocumentNode, after: DocumentNode): Promise<SchemaComparison> {
  const changes: Change[] = await diff(apiSchema(before, 'previous'), apiSchema(after, 'current'));
  const line = (c: Change) => `${c.message}${c.criticality.reason ? ` (${c.criticality.reason})` : ''}`;
  const out: SchemaComparison = {
    breaking: changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking).map(line),
    dangerous: changes.filter((c) => c.criticality.level === CriticalityLevel.Dangerous).map(line),
    safe: changes.filter((c) => c.criticality.level === CriticalityLevel.NonBreaking).map(line),
  };
  out.breaking.push(...federationContractChanges(before, after));
  return out;
}

/** The API schema clients query (the supergraph's, cxgraph alone): no federation plumbing. */
function apiSchema(doc: DocumentNode, which: string): GraphQLSchema {
  const r = composeServices([{ name: 'cxgraph', url: 'http://cxgraph:4001/', typeDefs: doc }]);
  if (r.errors) throw new Error(`the ${which} schema does not compose:\n${r.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  return r.schema.toAPISchema().toGraphQLJSSchema();
}

/** What other subgraphs rely on beyond the API: each entity's keys and each @shareable type or field. */
function federationContract(doc: DocumentNode): { keys: Set<string>; shareable: Set<string> } {
  const keys = new Set<string>();
  const shareable = new Set<string>();
  const fieldsArg = (d: DirectiveNode) => {
    const v = d.arguments?.find((a) => a.name.value === 'fields')?.value;
    return v?.kind === Kind.STRING ? v.value.trim().replace(/\s+/g, ' ') : '?';
  };
  const onType = (
    type: string,
    directives: readonly DirectiveNode[] | undefined,
    fields: readonly { name: { value: string }; directives?: readonly DirectiveNode[] }[] | undefined,
  ) => {
    for (const d of directives ?? []) {
      if (d.name.value === 'key') keys.add(`${type} @key(fields: "${fieldsArg(d)}")`);
      if (d.name.value === 'shareable') shareable.add(`${type} @shareable`);
    }
    for (const f of fields ?? []) if (f.directives?.some((d) => d.name.value === 'shareable')) shareable.add(`${type}.${f.name.value} @shareable`);
  };
  for (const def of doc.definitions as readonly ASTNode[]) {
    if (def.kind === Kind.OBJECT_TYPE_DEFINITION || def.kind === Kind.OBJECT_TYPE_EXTENSION) onType(def.name.value, def.directives, def.fields);
  }
  return { keys, shareable };
}

function federationContractChanges(before: DocumentNode, after: DocumentNode): string[] {
  const was = federationContract(before);
  const now = federationContract(after);
  const out: string[] = [];
  for (const k of was.keys) if (!now.keys.has(k)) out.push(`Entity key '${k}' was removed (other subgraphs reference the entity by it)`);
  for (const s of was.shareable) if (!now.shareable.has(s)) out.push(`'${s}' was removed (other subgraphs that define it too stop composing)`);
  return out;
}
