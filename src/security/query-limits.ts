/**
 * Abuse limits on what one GraphQL request may ask for, checked before anything executes (so before any
 * upstream call): selection depth and aliases as validation rules (properties of the document alone), and
 * cost once Apollo has the operation and its variables (list sizes often come in variables).
 *
 * Cost: every field costs 1. A field with a size argument (`first`, `last`, `pageSize`, `limit`, or a list
 * argument such as `keys`/`representations`, counted by length) multiplies the selections of the list it
 * returns — itself when it returns a list, else the first list below it (`users(pageSize) { nodes }`).
 * A list without a size argument multiplies by `defaultListSize`. Introspection fields and `__typename` are
 * free: graphql-js's MaxIntrospectionDepthRule already bounds introspection, and it stays off in production.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
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
}

const SIZE_ARGS = ['first', 'last', 'pageSize', 'limit'];
/** The largest page the resolvers accept (graphql/resolvers/calls.ts and users.ts); larger is BAD_USER_INPUT. */
export const RESOLVER_SIZE_LIMITS: Readonly<Record<string, number>> = { first: 100, pageSize: 500 };
const LIST_SIZE_ARGS = ['keys', 'representations', 'ids'];
/** Sizes above this count as this: enough to exceed any sane limit, small enough to stay finite. */
const SIZE_CEILING = 1_000_000;

const limitError = (message: string, node: OperationDefinitionNode | undefined, limit: string, max: number, actual: number) =>
  new GraphQLError(message, { nodes: node ? [node] : undefined, extensions: { limit, max, actual } });

/** Refuses an operation whose fields nest deeper than `max` (fragments expanded, introspection not counted). */
export function depthLimitRule(max: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    Document: {
      leave(doc) {
        const fragments = fragmentsOf(doc);
        for (const op of doc.definitions) {
          if (op.kind !== Kind.OPERATION_DEFINITION) continue;
          const depth = selectionDepth(op.selectionSet, fragments, max, new Set());
          if (depth > max) {
            const name = op.name ? `Operation "${op.name.value}"` : 'The operation';
            context.reportError(
              limitError(`${name} nests fields more than ${max} levels deep (CXGRAPH_MAX_DEPTH); ask for less nested data`, op, 'CXGRAPH_MAX_DEPTH', max, depth),
            );
          }
        }
      },
    },
  });
}

/**
 * Depth of a selection set below `level`; stops counting once past `max` (so a hostile document costs little).
 * A fragment's own depth is computed once (`memo`): spreading fragments into each other many times must not
 * multiply the work. A fragment is not followed into itself (NoFragmentCyclesRule reports cycles).
 */
function selectionDepth(
  set: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  max: number,
  visiting: Set<string>,
  memo = new Map<string, number>(),
  level = 0,
): number {
  if (level > max) return level;
  let deepest = level;
  for (const sel of set.selections) {
    let d = level;
    if (sel.kind === Kind.FIELD) {
      if (sel.name.value.startsWith('__')) continue;
      d = sel.selectionSet ? selectionDepth(sel.selectionSet, fragments, max, visiting, memo, level + 1) : level + 1;
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      d = selectionDepth(sel.selectionSet, fragments, max, visiting, memo, level);
    } else {
      const name = sel.name.value;
      const frag = fragments.get(name);
      if (!frag || visiting.has(name)) continue;
      let own = memo.get(name);
      if (own === undefined) {
        visiting.add(name);
        own = selectionDepth(frag.selectionSet, fragments, max, visiting, memo, 0);
        visiting.delete(name);
        memo.set(name, own);
      }
      d = level + own;
    }
    if (d > deepest) deepest = d;
    if (deepest > max) return deepest;
  }
  return deepest;
}

/** Refuses a document with more than `max` aliases (batching many calls of one field into one request). */
export function aliasLimitRule(max: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    let count = 0;
    let reported = false;
    return {
      Field(node) {
        if (!node.alias) return;
        count += 1;
        if (count > max && !reported) {
          reported = true;
          context.reportError(
            new GraphQLError(`The document uses more than ${max} aliases (CXGRAPH_MAX_ALIASES); send fewer aliased fields per request`, {
              nodes: [node],
              extensions: { limit: 'CXGRAPH_MAX_ALIASES', max },
            }),
          );
        }
      },
    };
  };
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
  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
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
    return 1 + mult * costOf(node.selectionSet, child, next, visiting);
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

/** Apollo plugin refusing an operation whose cost exceeds `maxCost`: 400, GRAPHQL_VALIDATION_FAILED, no execution. */
export function costLimitPlugin<C extends BaseContext>(maxCost: number, opts: CostOptions): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return; // Apollo refuses a request without a resolvable operation before this hook
          const cost = operationCost(schema, document, operation, request.variables, opts);
          if (cost > maxCost) {
            // Fragments spread into each other can cost astronomically: say so without printing 1e+48.
            const actual = Math.min(cost, Number.MAX_SAFE_INTEGER);
            const shown = cost > Number.MAX_SAFE_INTEGER ? `more than ${Number.MAX_SAFE_INTEGER}` : String(cost);
            throw new GraphQLError(
              `The operation costs ${shown}, more than the limit of ${maxCost} (CXGRAPH_MAX_COST): each field costs 1 and lists multiply their ` +
                `fields by first/pageSize/keys (else ${opts.defaultListSize}); ask for fewer items or fields`,
              { nodes: [operation], extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'CXGRAPH_MAX_COST', max: maxCost, actual, http: { status: 400 } } },
            );
          }
        },
      };
    },
  };
}

/** The validation rules and plugin for `limits`, as ApolloServer takes them. */
export function queryLimitRules(limits: QueryLimits): ValidationRule[] {
  return [depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases)];
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
