/**
 * Abuse limits on what one GraphQL request may ask for, checked before anything executes (so before any
 * upstream call): selection depth and aliases as validation rules (properties of the document alone, counted by
 * graphql-armor's rules with our errors), and cost once Apollo has the operation and its variables (list sizes
 * often come in variables; ours, as armor's cost limit knows nothing of list sizes).
 *
 * Cost: every field costs 1. A field with a size argument (`first`, `last`, `pageSize`, `limit`, or a list
 * argument such as `keys`/`representations`, counted by length) multiplies the selections of the list it
 * returns — itself when it returns a list, else the first list below it (`users(pageSize) { nodes }`).
 * A list without a size argument multiplies by `defaultListSize`. Introspection fields and `__typename` are
 * free: graphql-js's MaxIntrospectionDepthRule already bounds introspection, and it stays off in production.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import { upstreamCallsOf, type UpstreamCalls } from './upstream-budget.js';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
}

export interface CostOptions {
  /** Multiplier of a list field without a size argument. */
  defaultListSize: number;
  /**
   * Upper bounds the resolvers enforce themselves (`first` ≤ 100, `pageSize` ≤ 500, `keys` ≤
   * CXGRAPH_MAX_KEYS_PER_BATCH): a size past its bound counts as the bound, so the resolver's clearer
   * BAD_USER_INPUT naming the argument answers (still before any upstream call), not the cost limit.
   */
  argCaps?: Record<string, number>;
  /**
   * Most `_entities` representations one request may hold (CXGRAPH_MAX_KEYS_PER_BATCH): each resolves a reference,
   * most of them upstream; more is refused with BAD_USER_INPUT before anything runs. Unset: no cap.
   */
  maxRepresentations?: number;
  /**
   * Most upstream calls one request may cause (CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST), and what each resolver
   * calls (src/graphql/upstream-calls.ts). Unset: no budget.
   */
  upstream?: { maxCalls: number; calls: ReadonlyMap<string, UpstreamCalls> };
}

const SIZE_ARGS = ['first', 'last', 'pageSize', 'limit'];
/** The largest page the resolvers accept (graphql/resolvers/calls.ts and users.ts); larger is BAD_USER_INPUT. */
export const RESOLVER_SIZE_LIMITS: Readonly<Record<string, number>> = { first: 100, pageSize: 500 };
const LIST_SIZE_ARGS = ['keys', 'representations', 'ids'];
/** Sizes above this count as this: enough to exceed any sane limit, small enough to stay finite. */
const SIZE_CEILING = 1_000_000;

const limitError = (message: string, node: OperationDefinitionNode | undefined, limit: string, max: number, actual: number | undefined) =>
  new GraphQLError(message, { nodes: node ? [node] : undefined, extensions: actual === undefined ? { limit, max } : { limit, max, actual } });

/**
 * Depth limit: graphql-armor's max-depth rule. Its options reproduce what callers rely on: fragments and inline
 * fragments add no level of their own (`flattenFragments`) and `__schema` (Sandbox's introspection) is not counted.
 * Unlike our former rule, armor counts `__typename` and `__type` like other fields: a selection holding only
 * `__typename` adds a level (the router sends it beside key fields, so its `_entities` fetches are not affected).
 */
export function depthLimitRule(max: number): ValidationRule {
  return armorLimit(
    (onReject) =>
      maxDepthRule({ n: max, flattenFragments: true, ignoreIntrospection: true, exposeLimits: true, propagateOnRejection: false, onReject: [onReject] }),
    (name, found) =>
      `${name} nests fields more than ${max} levels deep (CXGRAPH_MAX_DEPTH)` +
      `${found === 'uncountable' ? ', too deep to count' : found === undefined ? '' : `: ${found} levels, fragments expanded`}; ask for less nested data`,
    'CXGRAPH_MAX_DEPTH',
    max,
  );
}

/**
 * Alias limit (batching many calls of one field into one request): graphql-armor's max-aliases rule. Armor counts
 * per operation with fragments expanded, a fragment's aliases once per spread, where our former rule counted the
 * aliased fields written in the whole document once each (so fragments spread into each other could multiply
 * aliases past it); aliases of `__typename` are free (armor's default allow list: they call no resolver).
 */
export function aliasLimitRule(max: number): ValidationRule {
  return armorLimit(
    (onReject) => maxAliasesRule({ n: max, exposeLimits: true, propagateOnRejection: false, onReject: [onReject] }),
    (name, found) =>
      found === 'uncountable'
        ? `${name} nests selections too deeply to count its aliases, at most ${max} allowed (CXGRAPH_MAX_ALIASES); ask for less nested data`
        : `${name} uses more than ${max} aliases (CXGRAPH_MAX_ALIASES)${found === undefined ? '' : `: ${found}, fragments counted each time they are spread`}; send fewer aliased fields per request`,
    'CXGRAPH_MAX_ALIASES',
    max,
  );
}

type ArmorVisitor = { OperationDefinition: Record<string, unknown> };
type ArmorReject = (ctx: ValidationContext | null, err: GraphQLError) => void;

/**
 * An armor validation rule with our error: armor's own (`Syntax Error: Query depth limit of 12 exceeded, found 13.`)
 * is thrown out of graphql-js's validate() unless told not to (`propagateOnRejection: false`), and Apollo answers a
 * throw from validation with 500. Instead its onReject hook reports ours to the validation context: 400,
 * GRAPHQL_VALIDATION_FAILED, naming the variable, the operation and the count armor found.
 * Armor counts by recursion and does not stop at the limit: a document nested a few thousand levels deep (which
 * graphql-js may still parse once its parser is optimised) overflows the stack in it. That RangeError is reported as
 * the limit too, never a 500 (graphql-js's specified rules walk such a document without recursion, and the cost
 * limit never sees a document that failed validation).
 */
function armorLimit(
  rule: (onReject: ArmorReject) => (context: ValidationContext) => ArmorVisitor,
  /** `found`: armor's count; undefined if its message no longer says it; 'uncountable' when its recursion overflowed. */
  message: (operationName: string, found: number | 'uncountable' | undefined) => string,
  limit: string,
  max: number,
): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    let operation: OperationDefinitionNode | undefined;
    const report = (found: number | 'uncountable' | undefined) => {
      const name = operation?.name ? `Operation "${operation.name.value}"` : 'The operation';
      context.reportError(limitError(message(name, found), operation, limit, max, typeof found === 'number' ? found : undefined));
    };
    const armor = rule((_ctx, err) => report(foundIn(err)))(context);
    // Armor's depth visitor calls its method unbound: it must run with the visitor as `this`.
    const enter = armor.OperationDefinition['enter'] as (this: ArmorVisitor, node: OperationDefinitionNode) => void;
    return {
      OperationDefinition: {
        enter(node) {
          operation = node;
          try {
            enter.call(armor, node);
          } catch (e) {
            if (!(e instanceof RangeError)) throw e;
            report('uncountable');
          }
        },
      },
    };
  };
}

/** The count in armor's message (`… exceeded, found 13.`, given exposeLimits); undefined should its wording change. */
function foundIn(err: { message: string }): number | undefined {
  const m = /found (\d+)\.?$/.exec(err.message);
  return m ? Number(m[1]) : undefined;
}

/**
 * The cost of one operation with its variables (see the file comment). `variables` are the raw request
 * variables; values that are not usable sizes fall back to defaults (the resolvers refuse them anyway).
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  opts: CostOptions,
): number {
  const fragments = fragmentsOf(document);
  const varDefaults = new Map<string, ValueNode>();
  for (const v of operation.variableDefinitions ?? []) if (v.defaultValue) varDefaults.set(v.variable.name.value, v.defaultValue);
  const memo = new Map<string, number>();
  const root =
    operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!root) return 0;

  /** Cost of a selection set at multiplier 1; `pending` is a size waiting for the next list below. */
  const costOf = (set: SelectionSetNode, parent: GraphQLNamedType, pending: number | undefined, visiting: Set<string>): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        total += fieldCost(sel, parent, pending, visiting);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        total += costOf(sel.selectionSet, t ?? parent, pending, visiting);
      } else {
        const name = sel.name.value;
        const frag = fragments.get(name);
        if (!frag || visiting.has(name)) continue;
        const key = `${name}:${pending ?? ''}`;
        let c = memo.get(key);
        if (c === undefined) {
          visiting.add(name);
          c = costOf(frag.selectionSet, schema.getType(frag.typeCondition.name.value) ?? parent, pending, visiting);
          visiting.delete(name);
          memo.set(key, c);
        }
        total += c;
      }
    }
    return total;
  };

  const fieldCost = (node: FieldNode, parent: GraphQLNamedType, pending: number | undefined, visiting: Set<string>): number => {
    if (node.name.value.startsWith('__')) return 0;
    const def = fieldsOf(parent)?.[node.name.value];
    if (!node.selectionSet) return 1;
    const child = def ? namedTypeOf(def.type) : parent;
    const isList = def ? isListOutput(def.type) : false;
    const size = def ? sizeOf(node, def) : undefined;
    let mult = 1;
    let next = pending;
    if (size !== undefined && isList) [mult, next] = [size, undefined];
    else if (size !== undefined) next = size;
    else if (isList) [mult, next] = [pending ?? opts.defaultListSize, undefined];
    // Each item of a list is work even when only free fields (`__typename`) are selected: 3000 `_entities`
    // representations each resolve a reference upstream, so an item costs at least 1.
    const per = costOf(node.selectionSet, child, next, visiting);
    return 1 + mult * (isList ? Math.max(1, per) : per);
  };

  const sizeOf = (node: FieldNode, def: GraphQLField<unknown, unknown>): number | undefined => {
    let size: number | undefined;
    for (const arg of def.args) {
      const given = node.arguments?.find((a) => a.name.value === arg.name)?.value;
      const fromQuery = given ? valueOf(given) : undefined;
      const v = fromQuery === undefined ? arg.defaultValue : fromQuery;
      let n: number | undefined;
      if (SIZE_ARGS.includes(arg.name)) {
        if (typeof v === 'number' && Number.isInteger(v) && v >= 0) n = v;
      } else if (LIST_SIZE_ARGS.includes(arg.name)) {
        if (Array.isArray(v)) n = v.length;
        else if (v !== undefined && v !== null) n = 1; // a single value is coerced to a one-item list
      }
      const cap = opts.argCaps?.[arg.name];
      if (n !== undefined && cap !== undefined && n > cap) n = cap;
      if (n !== undefined) size = Math.max(size ?? 0, Math.min(n, SIZE_CEILING));
    }
    return size;
  };

  /** A literal's or variable's value, as far as sizes need it (numbers and list lengths). */
  const valueOf = (v: ValueNode): unknown => {
    switch (v.kind) {
      case Kind.INT:
        return Number(v.value);
      case Kind.LIST:
        return v.values;
      case Kind.VARIABLE: {
        const name = v.name.value;
        if (variables && Object.prototype.hasOwnProperty.call(variables, name)) return variables[name];
        const d = varDefaults.get(name);
        return d ? valueOf(d) : undefined;
      }
      case Kind.NULL:
        return null;
      default:
        return 'other';
    }
  };

  return costOf(operation.selectionSet, root, undefined, new Set());
}

/**
 * Apollo plugin refusing, before anything executes (400, nothing sent upstream), in this order: more `_entities`
 * representations than `maxRepresentations` (BAD_USER_INPUT), a cost over `maxCost` (GRAPHQL_VALIDATION_FAILED),
 * more upstream calls than `upstream.maxCalls` (BAD_USER_INPUT). Representations and calls are counted on the
 * operation as it will execute (src/security/upstream-budget.ts): through fragments, aliases and variables.
 */
export function costLimitPlugin<C extends BaseContext>(maxCost: number, opts: CostOptions): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return; // Apollo refuses a request without a resolvable operation before this hook
          const upstream =
            opts.maxRepresentations !== undefined || opts.upstream
              ? upstreamCallsOf(schema, document, operation, request.variables, {
                  calls: opts.upstream?.calls ?? new Map(),
                  defaultListSize: opts.defaultListSize,
                  argCaps: opts.argCaps,
                  limit: opts.upstream?.maxCalls,
                })
              : undefined;
          if (upstream && opts.maxRepresentations !== undefined && upstream.representations > opts.maxRepresentations) {
            throw limitRefusal(
              `_entities may resolve at most ${opts.maxRepresentations} representations per request (CXGRAPH_MAX_KEYS_PER_BATCH), got ${upstream.representations}; split the request`,
              operation,
              {
                code: 'BAD_USER_INPUT',
                field: 'representations',
                limit: 'CXGRAPH_MAX_KEYS_PER_BATCH',
                max: opts.maxRepresentations,
                actual: upstream.representations,
              },
            );
          }
          const cost = operationCost(schema, document, operation, request.variables, opts);
          if (cost > maxCost) {
            throw limitRefusal(
              `The operation costs ${shownCount(cost)}, more than the limit of ${maxCost} (CXGRAPH_MAX_COST): each field costs 1 and lists multiply their ` +
                `fields by first/pageSize/keys (else ${opts.defaultListSize}); ask for fewer items or fields`,
              operation,
              { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'CXGRAPH_MAX_COST', max: maxCost, actual: Math.min(cost, Number.MAX_SAFE_INTEGER) },
            );
          }
          if (upstream && opts.upstream && upstream.calls > opts.upstream.maxCalls) {
            throw limitRefusal(
              `The operation could make ${shownCount(upstream.calls)} upstream calls, more than the limit of ${opts.upstream.maxCalls} per request ` +
                `(CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST): each distinct recording key, each _entities representation and each platform-backed ` +
                `field counts, through fragments and aliases; split the request`,
              operation,
              {
                code: 'BAD_USER_INPUT',
                limit: 'CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST',
                max: opts.upstream.maxCalls,
                actual: Math.min(upstream.calls, Number.MAX_SAFE_INTEGER),
              },
            );
          }
        },
      };
    },
  };
}

const limitRefusal = (message: string, operation: OperationDefinitionNode, extensions: Record<string, unknown>) =>
  new GraphQLError(message, { nodes: [operation], extensions: { ...extensions, http: { status: 400 } } });

/** Fragments spread into each other can count astronomically: say so without printing 1e+48. */
const shownCount = (n: number): string => (n > Number.MAX_SAFE_INTEGER ? `more than ${Number.MAX_SAFE_INTEGER}` : String(n));

/** The depth and alias validation rules for `limits`, as ApolloServer takes them (`validationRules`). */
export function queryLimitRules(limits: Pick<QueryLimits, 'maxDepth' | 'maxAliases'>): ValidationRule[] {
  return [depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases)];
}

/**
 * The token limit (CXGRAPH_MAX_TOKENS), as ApolloServer takes it (`parseOptions`): graphql-js's own parser stops
 * at the token past the limit (GRAPHQL_PARSE_FAILED, "Syntax Error: Document contains more that N tokens.").
 * Deliberately not graphql-armor's max-tokens: Apollo Server has no hook to replace its parse, so armor's token
 * limit (its own Apollo integration included) parses every uncached document a second time, before Apollo does,
 * with a proxied lexer 2.7–3.7× slower than graphql-js's parse. Measured (bench/README.md, "Query limits:
 * graphql-armor"): +0.03 to +0.08 ms CPU per request of scenario 1 with uncached documents, +1.6 ms for a 500-key
 * batch, +11 ms for a document just under the limit (the documents the limit is there for), and refusing one over
 * it costs 3× what graphql-js's does; graphql-js's limit costs nothing beyond the one parse Apollo makes anyway.
 */
export function queryLimitParseOptions(limits: { maxTokens: number }): { maxTokens: number } {
  return { maxTokens: limits.maxTokens };
}

/*
 * Type checks by shape, not graphql-js's `isObjectType` & co.: those refuse a schema built by another copy of
 * graphql (the CommonJS one @apollo/subgraph loads beside the ES module one, as under vitest).
 */
function fieldsOf(t: GraphQLNamedType): Record<string, GraphQLField<unknown, unknown>> | undefined {
  const withFields = t as { getFields?: () => Record<string, GraphQLField<unknown, unknown>> };
  // Input objects have getFields too, but never appear as the parent of a selection.
  return typeof withFields.getFields === 'function' ? withFields.getFields() : undefined;
}

function namedTypeOf(t: GraphQLOutputType): GraphQLNamedType {
  let cur = t as { ofType?: unknown };
  while (cur.ofType) cur = cur.ofType as { ofType?: unknown };
  return cur as GraphQLNamedType;
}

/** `[T]`, `[T]!`, `[T!]!`: a list once an outer non-null is removed. */
function isListOutput(t: GraphQLOutputType): boolean {
  return String(t).replace(/!$/, '').startsWith('[');
}

function fragmentsOf(doc: DocumentNode): Map<string, FragmentDefinitionNode> {
  const m = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) m.set(d.name.value, d);
  return m;
}
