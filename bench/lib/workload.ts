/**
 * What the scenarios send: cxgraph's GraphQL operations, the equivalent Mesh operations, and the raw CallJourney
 * calls of the direct baseline. Keys come from the CallJourney simulator's sample recordings, plus made-up ones
 * it does not hold (an existence check answers for those too).
 */
import type { AutocannonRequest } from 'autocannon';
import { SAMPLE_RECORDINGS } from '../../src/simulators/index.js';

export interface Key {
  company: string;
  organisation: string;
  folder: string;
  filename: string;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const keyOf = (r: Key): Key => ({ company: r.company, organisation: r.organisation, folder: r.folder, filename: r.filename });

/** The key of scenario 1: a recording the platform holds. */
export const HOT_KEY: Key = keyOf(SAMPLE_RECORDINGS[0]!);

/** Scenario 7's working set: `n` files the CallJourney simulator holds (bench/sim-process.ts adds them). */
export function workingSet(n = 200): (Key & { callId: string })[] {
  return Array.from({ length: n }, (_, i) => ({
    company: 'acme',
    organisation: 'support',
    folder: '2024/06/07',
    filename: `repeat-${String(i).padStart(4, '0')}.wav`,
    callId: `call-repeat-${i}`,
  }));
}

/** `distinct` keys (the samples first, then files the platform does not hold), each repeated to `total` keys. */
export function repeatedKeys(total: number, distinct: number): { keys: Key[]; distinct: Key[] } {
  const unique: Key[] = [];
  for (let i = 0; i < distinct; i++) {
    const sample = SAMPLE_RECORDINGS[i];
    unique.push(
      sample ? keyOf(sample) : { company: 'acme', organisation: 'support', folder: '2024/06/01', filename: `bench-${String(i).padStart(4, '0')}.wav` },
    );
  }
  // Interleaved (k0 k1 … k49 k0 k1 …) so duplicates are never neighbours.
  return { keys: Array.from({ length: total }, (_, i) => unique[i % distinct]!), distinct: unique };
}

export function graphqlRequest(
  query: string,
  variables?: Record<string, unknown>,
  operationName?: string,
  headers: Record<string, string> = {},
): AutocannonRequest {
  return {
    method: 'POST',
    path: '/graphql',
    headers: { ...JSON_HEADERS, ...headers },
    body: JSON.stringify({ query, ...(variables ? { variables } : {}), ...(operationName ? { operationName } : {}) }),
  };
}

// --- cxgraph --------------------------------------------------------------------

export const cxRecording = (key: Key) =>
  graphqlRequest('query Recording($key: RecordingKey!) { recording(key: $key) { exists callId } }', { key }, 'Recording');

export const cxRecordings = (keys: Key[]) =>
  graphqlRequest('query Recordings($keys: [RecordingKey!]!) { recordings(keys: $keys) { exists callId } }', { keys }, 'Recordings');

/** Scenario 4's query: four providers in one operation (Sangoma has only mutations, see cxStartAgentCall). */
export const cxMixed = () =>
  graphqlRequest(
    `query Mixed($key: RecordingKey!) {
      recording(key: $key) { exists callId }
      cloudcx: users(provider: CLOUDCX, pageSize: 10) { totalCount nodes { id name email } }
      nvm: users(provider: NEWVOICEMEDIA, pageSize: 10) { totalCount nodes { id name } }
      agentAvailability(skillNames: ["English", "French"]) { ready away extendedAway loggedOut }
      pbx: agents(provider: PBX) { id name }
    }`,
    { key: HOT_KEY },
    'Mixed',
  );

/** Scenario 4's fifth provider: Sangoma CX places calls, so it is reached by a mutation (one per query). */
export const cxStartAgentCall = () =>
  graphqlRequest(
    'mutation Call($agent: String!, $to: String!, $tenant: String!) { startAgentCall(agentName: $agent, destination: $to, tenantDomain: $tenant) { accepted callId } }',
    { agent: 'alice', to: '+15550100', tenant: 'acme.cx.example.com' },
    'Call',
  );

// --- GraphQL Mesh (OpenAPI source: conversationExists(input: RecordingKey_Input)) ---------------------------

export const meshRecording = (key: Key, authorization: string) =>
  graphqlRequest('query Recording($key: RecordingKey_Input) { conversationExists(input: $key) { exists callId } }', { key }, 'Recording', { authorization });

/** Mesh has no list-of-keys field: the same 200 keys are 200 aliased fields, as a Mesh user would write them. */
export function meshRecordings(keys: Key[], authorization: string): AutocannonRequest {
  const fields = keys.map((_, i) => `k${i}: conversationExists(input: $k${i}) { exists callId }`).join(' ');
  const params = keys.map((_, i) => `$k${i}: RecordingKey_Input`).join(', ');
  const variables = Object.fromEntries(keys.map((k, i) => [`k${i}`, k]));
  return graphqlRequest(`query Recordings(${params}) { ${fields} }`, variables, 'Recordings', { authorization });
}

// --- direct ---------------------------------------------------------------------

export const CONVERSATION_EXISTS_PATH = '/api/v1/search/conversationexists';

export const directRecording = (key: Key, authorization: string): AutocannonRequest => ({
  method: 'POST',
  path: CONVERSATION_EXISTS_PATH,
  headers: { ...JSON_HEADERS, authorization },
  body: JSON.stringify(key),
});
