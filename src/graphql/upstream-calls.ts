/**
 * What each resolver asks of the platforms, for the per-request upstream budget (CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST,
 * src/security/upstream-budget.ts). Only a resolver can call a platform (a field without one reads its parent), so
 * the map served is derived from the resolver map itself: every resolver function counts, as written below, and a
 * resolver missing below counts as one call per resolution — never as none. test/security/upstream-calls.test.ts
 * fails for a resolver without an entry (and for an entry without a resolver), so each new one gets a deliberate
 * count.
 */
import { GraphQLScalarType } from 'graphql';
import type { UpstreamCalls } from '../security/upstream-budget.js';
import { loadTypeDefs, schemaNaming } from './schema.js';
import { resolvers } from './resolvers/index.js';

/** The agent list of a provider, fetched at most once per request (ctx.loaders.agentList); `calls` is filled in per module list. */
const AGENT_LISTS = 'agent lists';

/** Per resolver, as schema/*.graphql names it (`Type.field`, `Type.__resolveReference`). */
export const UPSTREAM_CALLS: Readonly<Record<string, UpstreamCalls | typeof AGENT_LISTS>> = {
  'Query.recording': 'recording-keys',
  'Query.recordings': 'recording-keys',
  'Query.providers': 'none', // this replica's token and store state
  'Query.users': 'each',
  'Query.agents': 'each', // the provider's whole agent list, not through the per-request memo
  'Query.agentAvailability': 'each',
  'Query.calls': 'each',
  'Query.pbxAccounts': 'none', // cxgraph's connection store
  'Query.pbxAccount': 'none',
  'Query.accounts': 'none', // the tenant's accounts, from the accounts file
  'Mutation.startAgentCall': 'each',
  'Mutation.startQueueCallback': 'each',
  'Mutation.beginPbxConnection': 'none', // a state in the store and a URL
  'Mutation.disconnectPbxAccount': 'none', // cxgraph's connection store
  'Recording.exists': 'none',
  'Recording.callId': 'none',
  'Recording.__resolveReference': 'recording-keys',
  'User.__resolveReference': 'each',
  'Agent.name': AGENT_LISTS,
  'Agent.user': 'each',
  'Agent.__resolveReference': AGENT_LISTS,
  'Call.recording': 'each', // its key is completed from the call (file name), so not known before execution
  'Call.__resolveReference': 'each',
  'CallMedia.downloadUrl': 'none', // signs a link
  // Entity refs encode what the object already holds.
  'Agent.ref': 'none',
  'Call.ref': 'none',
  'PbxAccount.ref': 'none',
  'Recording.ref': 'none',
  'User.ref': 'none',
  'PageInfo.hasPreviousPage': 'none',
  'PageInfo.startCursor': 'none',
  'PbxAccount.__resolveReference': 'none', // cxgraph's connection store
};

/** `Type.field` of every resolver function in the resolver map, as schema/*.graphql names it. */
export function resolverFields(map: Record<string, unknown> = resolvers as Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [type, r] of Object.entries(map)) {
    if (r instanceof GraphQLScalarType || !r || typeof r !== 'object') continue;
    for (const [field, fn] of Object.entries(r)) if (typeof fn === 'function') out.push(`${type}.${field}`);
  }
  return out;
}

/**
 * The map under the served names (CXGRAPH_SCHEMA_PREFIX), for every resolver: its entry above, else `each`.
 * `agentListings`: how many providers keep an agent list (one listing each per request at most); `map`: the
 * resolver map (a test's own, to see a resolver without an entry counted).
 */
export function servedUpstreamCalls(
  prefix: string,
  agentListings: number,
  map: Record<string, unknown> = resolvers as Record<string, unknown>,
): ReadonlyMap<string, UpstreamCalls> {
  const naming = schemaNaming(loadTypeDefs(), prefix);
  const served = new Map<string, UpstreamCalls>();
  for (const key of resolverFields(map)) {
    const [type, field] = key.split('.') as [string, string];
    const written = UPSTREAM_CALLS[key] ?? 'each';
    const calls: UpstreamCalls = written === AGENT_LISTS ? { oncePerRequest: AGENT_LISTS, calls: agentListings } : written;
    const root = type === 'Query' || type === 'Mutation';
    served.set(`${root ? type : naming.type(type)}.${root ? naming.rootField(field) : field}`, calls);
  }
  return served;
}
