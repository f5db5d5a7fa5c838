/**
 * Field authorization from the schema itself: the `@requiresScopes` directives of schema/*.graphql are the one list
 * of rules, read here from the built schema (never a hand-kept copy), so a router that enforces them and cxgraph
 * enforce the same thing.
 *
 * - `CXGRAPH_AUTH=jwt`: cxgraph checks them. A field the bearer token's scopes do not satisfy answers null with a
 *   FORBIDDEN error and its resolver never runs, so no platform is asked anything.
 * - `router-secret` (and `none`): the caller is the router, which has already enforced the directives of the
 *   supergraph (its `authorization` plugin); cxgraph sees no end-user token and checks nothing.
 *
 * `@requiresScopes(scopes: [["a", "b"], ["c"]])` means "a and b, or c" (Federation's semantics).
 * `CXGRAPH_SCOPE_DIRECTIVES=off` leaves the directives out of the served `_service { sdl }` for gateways and routers
 * that refuse them (docs/supergraph.md, "Scopes and media links through a router"); the rules above still apply.
 */
import {
  defaultFieldResolver,
  Kind,
  parse,
  print,
  visit,
  type ConstDirectiveNode,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { CxError } from '../errors/errors.js';
import type { Caller } from './caller-auth.js';

/** The directive as imported by the schema's @link, and under its namespaced name when it is not imported. */
const DIRECTIVE_NAMES = new Set(['requiresScopes', 'federation__requiresScopes']);

/** Alternatives, each a set of scopes that must all be held: any one alternative grants the field. */
export type ScopeRule = readonly (readonly string[])[];

/** What a scoped resolver reads from the GraphQL context. */
export interface ScopeContext {
  caller: Caller;
  /** False when `_service { sdl }` must leave `@requiresScopes` out (CXGRAPH_SCOPE_DIRECTIVES=off). */
  serveScopeDirectives: boolean;
}

/** The rule a field's `@requiresScopes` states, or undefined when it has none. */
export function requiredScopes(field: GraphQLField<unknown, unknown>): ScopeRule | undefined {
  const directive = field.astNode?.directives?.find((d) => DIRECTIVE_NAMES.has(d.name.value));
  return directive ? ruleOf(directive) : undefined;
}

function ruleOf(directive: ConstDirectiveNode): ScopeRule {
  const arg = directive.arguments?.find((a) => a.name.value === 'scopes')?.value;
  const rule: string[][] = [];
  if (arg?.kind === Kind.LIST) {
    for (const alternative of arg.values) {
      if (alternative.kind !== Kind.LIST) continue;
      rule.push(alternative.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : [])));
    }
  }
  return rule;
}

/**
 * By its tag rather than `isObjectType`: @apollo/subgraph builds the schema with graphql's CommonJS build and this
 * module may be loaded with its ESM build, and graphql's `instanceof` checks refuse objects of the other build.
 */
function isObject(type: GraphQLNamedType): type is GraphQLObjectType {
  return Object.prototype.toString.call(type) === '[object GraphQLObjectType]' && !type.name.startsWith('__');
}

/** Every scoped field of the schema as `Type.field` → rule (what docs/security.md's table shows, and tests check). */
export function scopeRules(schema: GraphQLSchema): Map<string, ScopeRule> {
  const rules = new Map<string, ScopeRule>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObject(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const rule = requiredScopes(field);
      if (rule) rules.set(`${type.name}.${field.name}`, rule);
    }
  }
  return rules;
}

/** Whether `scopes` satisfy the rule: every scope of at least one alternative. An empty rule grants nothing. */
export function grants(rule: ScopeRule, scopes: ReadonlySet<string>): boolean {
  return rule.some((all) => all.every((s) => scopes.has(s)));
}

/** "calls:write", "a and b, or c". */
export function describeRule(rule: ScopeRule): string {
  return rule.map((all) => all.join(' and ')).join(', or ');
}

const WRAPPED = Symbol('cxgraph.scopes');

/**
 * Puts the check in front of the resolver of every field with `@requiresScopes`, and the SDL choice on `_service`.
 * Idempotent (the schema is built once per process and shared by every server of it); the checks read the caller
 * from each request's context, so servers with different modes can share the schema.
 */
export function enforceScopes(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObject(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const marked = field as GraphQLField<unknown, ScopeContext> & { [WRAPPED]?: true };
      if (marked[WRAPPED]) continue;
      const rule = requiredScopes(field);
      if (rule) {
        marked.resolve = guarded(rule, field.resolve ?? defaultFieldResolver);
        marked[WRAPPED] = true;
      }
    }
  }
  const service = schema.getQueryType()?.getFields()._service as (GraphQLField<unknown, ScopeContext> & { [WRAPPED]?: true }) | undefined;
  if (service && !service[WRAPPED]) {
    const resolve = service.resolve ?? defaultFieldResolver;
    service.resolve = (source, args, ctx, info) => {
      const served = resolve(source, args, ctx, info) as { sdl?: unknown } | undefined;
      return ctx?.serveScopeDirectives === false && typeof served?.sdl === 'string' ? { ...served, sdl: withoutScopeDirectives(served.sdl) } : served;
    };
    service[WRAPPED] = true;
  }
  return schema;
}

function guarded(rule: ScopeRule, resolve: GraphQLFieldResolver<unknown, ScopeContext>): GraphQLFieldResolver<unknown, ScopeContext> {
  return (source, args, ctx, info) => {
    const caller = ctx?.caller;
    // Only a verified JWT carries the end user's scopes; a router caller was authorized by the router.
    if (caller?.kind === 'jwt' && !grants(rule, caller.scopes ?? new Set())) {
      throw new CxError(`${info.parentType.name}.${info.fieldName} needs the scope ${describeRule(rule)}, which the bearer token does not grant`, {
        code: 'FORBIDDEN',
        requiredScopes: rule.map((all) => [...all]),
      });
    }
    return resolve(source, args, ctx, info);
  };
}

const stripped = new Map<string, string>();

/** The SDL without `@requiresScopes` (its uses and its import), for gateways and routers that refuse it. */
export function withoutScopeDirectives(sdl: string): string {
  let out = stripped.get(sdl);
  if (out === undefined) {
    const doc = visit(parse(sdl), {
      DirectiveDefinition(node) {
        return DIRECTIVE_NAMES.has(node.name.value) ? null : undefined;
      },
      Directive(node) {
        if (DIRECTIVE_NAMES.has(node.name.value)) return null;
        if (node.name.value !== 'link') return undefined;
        // @link(import: ["@key", "@requiresScopes", …]): the import goes too, so nothing imports an unused directive.
        const args = node.arguments?.map((a) =>
          a.name.value === 'import' && a.value.kind === Kind.LIST
            ? { ...a, value: { ...a.value, values: a.value.values.filter((v) => !(v.kind === Kind.STRING && v.value === '@requiresScopes')) } }
            : a,
        );
        return { ...node, arguments: args };
      },
    });
    out = print(doc);
    stripped.set(sdl, out);
  }
  return out;
}
