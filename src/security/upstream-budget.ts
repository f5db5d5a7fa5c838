/**
 * How many upstream calls one operation can cause, counted on what graphql-js will execute — the operation with
 * its variables, fragments (named and inline, spread in each other) expanded, fields of one response name merged as
 * its field collection merges them, `@skip`/`@include` applied — never on the shape of the request: a list behind a
 * fragment or a batch repeated under aliases counts as what it will run (CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST).
 * The same walk counts the `_entities` representations the operation resolves (CXGRAPH_MAX_KEYS_PER_BATCH).
 *
 * What a field costs is what its resolver does, given as `UpstreamCalls` per served `Type.field` (and
 * `Type.__resolveReference`): src/graphql/upstream-calls.ts derives the map from the resolver map itself, so a
 * resolver without an entry counts as one call, never as none. A field's calls are multiplied by the sizes of the
 * lists enclosing it: `first`/`pageSize`/`keys`/`representations` where given (capped at what the resolver
 * accepts, as a larger one is refused before any call), else `defaultListSize`.
 */
import {
  Kind,
  valueFromASTUntyped,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLAbstractType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * How one resolution of a field reaches the platforms:
 * - `none`: reads what it was given, cxgraph's own store, or signs a link;
 * - `each`: one call each time it runs (a page, a mutation, a lookup by id through a per-request loader: ids are
 *   not known before execution, so each counts), multiplied by the lists around it. A listing that pages or fans out
 *   over connected accounts counts one: how many pages or accounts there are is the platform's, not the caller's;
 * - `recording-keys`: CallJourney existence checks of its `key`/`keys` argument or representation. The per-request
 *   loader checks each distinct key once, so distinct keys of the whole operation count, one each: the worst case,
 *   as the shared recording cache (CXGRAPH_RECORDING_CACHE_TTL_SECONDS) may answer some of them but need not;
 * - `{ oncePerRequest, calls }`: a listing memoised for the request (ctx.loaders.agentList): `calls` once per
 *   operation however often it is selected.
 */
export type UpstreamCalls = 'none' | 'each' | 'recording-keys' | { readonly oncePerRequest: string; readonly calls: number };

export interface UpstreamCountOptions {
  /** Served `Type.field` / `Type.__resolveReference` → its calls; absent: the default resolver, no call. */
  calls: ReadonlyMap<string, UpstreamCalls>;
  /** Size of a list whose field has no size argument (as the cost limit counts it). */
  defaultListSize: number;
  /** What resolvers accept at most (`keys` ≤ CXGRAPH_MAX_KEYS_PER_BATCH, `first` ≤ 100…): a larger size counts as this. */
  argCaps?: Readonly<Record<string, number>>;
  /**
   * The limit the count is checked against: while the count with every recording key counted is within it, keys are
   * not deduplicated (the distinct count could only be smaller), which spares a string per key on ordinary batches.
   */
  limit?: number;
}

export interface UpstreamCount {
  /** Upstream calls the operation can cause at most (Infinity when past counting); exact once over `limit`. */
  calls: number;
  /** `_entities` representations it resolves, every `_entities` field of the operation added up. */
  representations: number;
}

const SIZE_ARGS = new Set(['first', 'last', 'pageSize', 'limit']);
const LIST_SIZE_ARGS = new Set(['keys', 'representations', 'ids']);
/** Fields walked before giving up counting: far above any document the depth and alias limits let through. */
const MAX_FIELDS_WALKED = 200_000;

class PastCounting extends Error {}

export function upstreamCallsOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  opts: UpstreamCountOptions,
): UpstreamCount {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  // The variables as execution sees them: given ones, else the operation's defaults.
  const vars: Record<string, unknown> = {};
  for (const v of operation.variableDefinitions ?? []) if (v.defaultValue) vars[v.variable.name.value] = valueFromASTUntyped(v.defaultValue);
  Object.assign(vars, variables ?? {});
  const root = schema.getRootType(operation.operation);
  if (!root) return { calls: 0, representations: 0 };

  const recordingKeys: unknown[] = [];
  const once = new Map<string, number>();
  let linear = 0;
  let representations = 0;
  let walked = 0;

  const included = (directives: readonly DirectiveNode[] | undefined): boolean => {
    for (const d of directives ?? []) {
      const cond = d.arguments?.find((a) => a.name.value === 'if')?.value;
      const v = cond ? valueFromASTUntyped(cond, vars) : undefined;
      if (d.name.value === 'skip' && v === true) return false;
      if (d.name.value === 'include' && v === false) return false;
    }
    return true;
  };
  const applies = (condition: string | undefined, runtime: GraphQLObjectType): boolean => {
    if (!condition || condition === runtime.name) return true;
    const t = schema.getType(condition);
    return !!t && isAbstract(t) && schema.isSubType(t as GraphQLAbstractType, runtime);
  };

  /** graphql-js's CollectFields: the fields of `sets` for one runtime type, by response name, each fragment once. */
  const collect = (sets: readonly SelectionSetNode[], runtime: GraphQLObjectType): Map<string, FieldNode[]> => {
    const out = new Map<string, FieldNode[]>();
    const visited = new Set<string>();
    const into = (set: SelectionSetNode): void => {
      for (const sel of set.selections) {
        if (!included(sel.directives)) continue;
        if (sel.kind === Kind.FIELD) {
          const key = sel.alias?.value ?? sel.name.value;
          const list = out.get(key);
          if (list) list.push(sel);
          else out.set(key, [sel]);
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          if (applies(sel.typeCondition?.name.value, runtime)) into(sel.selectionSet);
        } else {
          const name = sel.name.value;
          if (visited.has(name)) continue;
          visited.add(name);
          const frag = fragments.get(name);
          if (frag && applies(frag.typeCondition.name.value, runtime)) into(frag.selectionSet);
        }
      }
    };
    for (const s of sets) into(s);
    return out;
  };

  const argsOf = (node: FieldNode, def: GraphQLField<unknown, unknown>): Record<string, unknown> => {
    const args: Record<string, unknown> = {};
    for (const a of def.args) {
      const given = node.arguments?.find((x) => x.name.value === a.name)?.value;
      const v = given ? valueFromASTUntyped(given, vars) : undefined;
      args[a.name] = v === undefined ? a.defaultValue : v;
    }
    return args;
  };

  const capped = (arg: string, n: number): number => Math.min(n, opts.argCaps?.[arg] ?? Infinity);
  const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

  const sizeOf = (args: Record<string, unknown>): number | undefined => {
    let size: number | undefined;
    for (const [name, v] of Object.entries(args)) {
      let n: number | undefined;
      if (SIZE_ARGS.has(name) && typeof v === 'number' && Number.isInteger(v) && v >= 0) n = v;
      else if (LIST_SIZE_ARGS.has(name) && v !== undefined && v !== null) n = asList(v).length;
      if (n !== undefined) size = Math.max(size ?? 0, capped(name, n));
    }
    return size;
  };

  /** Counts one resolution of a field (or reference) as `how` says; `times` resolutions of it. */
  const count = (how: UpstreamCalls, times: number, keys: () => unknown[]): void => {
    if (times === 0 || how === 'none') return;
    if (how === 'each') linear += times;
    else if (how === 'recording-keys') for (const k of keys()) recordingKeys.push(k);
    else once.set(how.oncePerRequest, how.calls);
  };

  /** The calls of `sets` selected on `mult` items of `type`; `pending`: a size waiting for the first list below. */
  const walk = (sets: readonly SelectionSetNode[], type: GraphQLNamedType, mult: number, pending: number | undefined): void => {
    if (mult === 0) return;
    // Items of an abstract type are each one of its object types: count every one of them (at most one applies per item).
    const runtimes = isAbstract(type) ? schema.getPossibleTypes(type as GraphQLAbstractType) : [type as GraphQLObjectType];
    for (const runtime of runtimes) {
      for (const nodes of collect(sets, runtime).values()) {
        if ((walked += 1) > MAX_FIELDS_WALKED) throw new PastCounting();
        const node = nodes[0]!;
        const name = node.name.value;
        const def = fieldsOf(runtime)?.[name];
        if (!def || name.startsWith('__')) continue;
        const args = argsOf(node, def);
        const subsets = nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
        if (runtime === root && name === '_entities') {
          entities(asList(args.representations), subsets);
          continue;
        }
        const how = opts.calls.get(`${runtime.name}.${name}`) ?? 'none';
        count(how, mult, () => [...asList(args.key), ...asList(args.keys).slice(0, capped('keys', Infinity))]);
        if (subsets.length === 0) continue;
        const size = sizeOf(args);
        if (isListOutput(def.type)) walk(subsets, namedTypeOf(def.type), mult * (size ?? pending ?? opts.defaultListSize), undefined);
        else walk(subsets, namedTypeOf(def.type), mult, size ?? pending);
      }
    }
  };

  /** `_entities`: each representation resolves a reference of its own `__typename`, then its selections on that type. */
  const entities = (reps: unknown[], subsets: SelectionSetNode[]): void => {
    representations += reps.length;
    const byType = new Map<string, unknown[]>();
    for (const r of reps) {
      const name = r && typeof r === 'object' ? (r as { __typename?: unknown }).__typename : undefined;
      if (typeof name !== 'string') continue; // refused before any call: not a representation
      const list = byType.get(name);
      if (list) list.push(r);
      else byType.set(name, [r]);
    }
    for (const [name, list] of byType) {
      const type = schema.getType(name);
      if (!type || isAbstract(type) || !fieldsOf(type)) continue; // not an entity: refused before any call
      count(opts.calls.get(`${name}.__resolveReference`) ?? 'none', list.length, () => list);
      walk(subsets, type, list.length, undefined);
    }
  };

  try {
    walk([operation.selectionSet], root, 1, undefined);
  } catch (e) {
    if (!(e instanceof PastCounting)) throw e;
    return { calls: Infinity, representations };
  }
  let calls = linear;
  for (const n of once.values()) calls += n;
  calls += calls + recordingKeys.length > (opts.limit ?? 0) ? distinctRecordingKeys(recordingKeys) : recordingKeys.length;
  // A count that overflowed into NaN must refuse, never pass (NaN > max is false).
  return { calls: Number.isNaN(calls) ? Infinity : calls, representations };
}

/** How many distinct keys the recording loader would check; anything that is not a key counts as one of its own. */
function distinctRecordingKeys(keys: readonly unknown[]): number {
  const seen = new Set<string>();
  let odd = 0;
  for (const v of keys) {
    const k = v as Record<string, unknown> | null;
    const parts = k && typeof k === 'object' ? [k.company, k.organisation, k.folder, k.filename] : [];
    // JSON, not a join: no choice of characters in the fields makes two different keys one.
    // Not a key at all: refused by the resolver, but counted rather than trusted.
    if (parts.length === 4 && parts.every((p) => typeof p === 'string')) seen.add(JSON.stringify(parts));
    else odd += 1;
  }
  return seen.size + odd;
}

/*
 * Type checks by shape, not graphql-js's `isObjectType` & co.: those refuse a schema built by another copy of
 * graphql (the CommonJS one @apollo/subgraph loads beside the ES module one, as under vitest).
 */
function isAbstract(t: GraphQLNamedType): boolean {
  const tag = Object.prototype.toString.call(t);
  return tag === '[object GraphQLInterfaceType]' || tag === '[object GraphQLUnionType]';
}

function fieldsOf(t: GraphQLNamedType): Record<string, GraphQLField<unknown, unknown>> | undefined {
  const withFields = t as { getFields?: () => Record<string, GraphQLField<unknown, unknown>> };
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
