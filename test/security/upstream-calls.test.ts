/**
 * The per-request upstream budget's count (src/security/upstream-budget.ts) on the real schema, and the map of what
 * each resolver calls (src/graphql/upstream-calls.ts): derived from the resolver map, so a new resolver without an
 * entry fails here and counts as a call meanwhile, never as none.
 */
import { parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { subgraphSchema } from '../../src/graphql/schema.js';
import { resolverFields, servedUpstreamCalls, UPSTREAM_CALLS } from '../../src/graphql/upstream-calls.js';
import { upstreamCallsOf, type UpstreamCountOptions } from '../../src/security/upstream-budget.js';

const schema = subgraphSchema();
const calls = servedUpstreamCalls('', 2);
const opts: UpstreamCountOptions = { calls, defaultListSize: 10, argCaps: { keys: 500, first: 100, pageSize: 500 } };

function count(query: string, variables?: Record<string, unknown>, s = schema, o = opts) {
  const doc = parse(query);
  const op = doc.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode;
  return upstreamCallsOf(s, doc, op, variables, o);
}

const key = (i: number) => ({ company: 'acme', organisation: 'support', folder: '2024/05/01', filename: `f-${i}.wav` });
const keys = (n: number) => Array.from({ length: n }, (_, i) => key(i));
const WEEK = 'from: "2024-05-01T00:00:00Z", to: "2024-05-07T00:00:00Z"';

describe('what each resolver calls', () => {
  it('has an entry for every resolver function, and none for a resolver that does not exist', () => {
    expect(Object.keys(UPSTREAM_CALLS).sort()).toEqual(resolverFields().sort());
  });

  it('covers every root field of the served schema (federation’s _entities is counted per representation)', () => {
    const roots = [schema.getQueryType()!, schema.getMutationType()!].flatMap((t) => Object.keys(t.getFields()).map((f) => `${t.name}.${f}`));
    const uncovered = roots.filter((f) => !calls.has(f) && f !== 'Query._entities' && f !== 'Query._service');
    expect(uncovered).toEqual([]);
  });

  it('counts a resolver missing from the map as one call per resolution', () => {
    const served = servedUpstreamCalls('', 2, { Query: { newField: () => null, providers: () => [] } });
    expect(served.get('Query.newField')).toBe('each');
    expect(served.get('Query.providers')).toBe('none');
  });

  it('serves the map under CXGRAPH_SCHEMA_PREFIX names, and counts a prefixed operation the same', () => {
    const prefixed = servedUpstreamCalls('Cx', 2);
    expect(prefixed.get('Query.cxRecordings')).toBe('recording-keys');
    expect(prefixed.get('CxAgent.name')).toEqual({ oncePerRequest: 'agent lists', calls: 2 });
    expect(prefixed.get('CxRecording.__resolveReference')).toBe('recording-keys');
    const s = subgraphSchema('Cx');
    const r = count(
      'query ($k: [CxRecordingKey!]!, $r: [_Any!]!) { cxRecordings(keys: $k) { exists } _entities(representations: $r) { ... on CxAgent { user { id } } } }',
      {
        k: keys(7),
        r: [{ __typename: 'CxAgent', provider: 'PBX', id: '1' }],
      },
      s,
      { ...opts, calls: prefixed },
    );
    expect(r).toEqual({ calls: 7 + 2 + 1, representations: 1 });
  });
});

describe('the count of one operation', () => {
  it('multiplies a platform-backed field by the lists around it, and counts a per-request listing once', () => {
    // calls 1 + Call.recording 100 + the agent lists 2 (once for the request) + Agent.user 100 calls × 10 agents.
    const q = `{ calls(provider: NEWVOICEMEDIA, ${WEEK}, first: 100) { nodes { recording(key: { company: "a", organisation: "b", folder: "c" }) { exists } agents { name user { email } } } } }`;
    expect(count(q).calls).toBe(1 + 100 + 2 + 1000);
    // The schema default (first: 50) counts when the argument is left out; free fields cost nothing.
    expect(
      count(
        `{ calls(provider: PBX, ${WEEK}) { nodes { id media { downloadUrl } recording(key: { company: "a", organisation: "b", folder: "c" }) { exists } } pageInfo { endCursor } } }`,
      ).calls,
    ).toBe(51);
    expect(count('{ users(provider: CLOUDCX, pageSize: 500) { nodes { id email } } providers { status } pbxAccounts { id } }').calls).toBe(1);
  });

  it('counts what graphql-js executes: one response name once, @skip/@include applied, a fragment spread twice once', () => {
    const k = { k: keys(5), j: keys(9) };
    expect(
      count('query ($k: [RecordingKey!]!) { recordings(keys: $k) { exists } ...F ...F } fragment F on Query { recordings(keys: $k) { callId } }', k).calls,
    ).toBe(5);
    expect(
      count(
        'query ($j: [RecordingKey!]!, $no: Boolean = true) { a: recordings(keys: $j) @skip(if: $no) { exists } ... @include(if: false) { b: recordings(keys: $j) { exists } } }',
        k,
      ).calls,
    ).toBe(0);
    expect(count('query ($j: [RecordingKey!]!, $no: Boolean = true) { a: recordings(keys: $j) @skip(if: $no) { exists } }', { ...k, no: false }).calls).toBe(9);
    // Distinct keys: the loader checks a key once whichever field asks.
    expect(
      count(
        'query ($k: [RecordingKey!]!, $j: [RecordingKey!]!) { a: recordings(keys: $k) { exists } b: recordings(keys: $j) { exists } one: recording(key: { company: "x", organisation: "y", folder: "z", filename: "w" }) { exists } }',
        k,
      ).calls,
    ).toBe(10);
  });

  it('tells keys apart whatever characters they hold, and counts them all while the total is within the limit', () => {
    const q = 'query ($k: [RecordingKey!]!) { recordings(keys: $k) { exists } }';
    const tricky = [
      { company: 'a\u0000b', organisation: 'c', folder: 'd', filename: 'e' },
      { company: 'a', organisation: 'b\u0000c', folder: 'd', filename: 'e' },
      { company: 'a', organisation: 'b', folder: 'c\u0000d', filename: 'e' },
      { company: 'a","b', organisation: 'c', folder: 'd', filename: 'e' },
      { company: 'a', organisation: 'b","c', folder: 'd', filename: 'e' },
    ];
    expect(count(q, { k: tricky }).calls).toBe(5);
    const twice = { k: [...keys(3), ...keys(3)] };
    expect(count(q, twice).calls).toBe(3);
    // Within the limit the exact number of distinct keys does not matter: 6 ≤ 10 answers either way.
    expect(count(q, twice, schema, { ...opts, limit: 10 }).calls).toBe(6);
    expect(count(q, twice, schema, { ...opts, limit: 5 }).calls).toBe(3);
  });

  it('counts each representation by its own type, and its selections on that type', () => {
    const reps = [
      ...keys(3).map((k) => ({ __typename: 'Recording', ...k })),
      { __typename: 'User', provider: 'NEWVOICEMEDIA', id: 'u1' },
      { __typename: 'User', provider: 'NEWVOICEMEDIA', id: 'u2' },
      ...['1', '2', '3', '4'].map((id) => ({ __typename: 'Agent', provider: 'PBX', id })),
      { __typename: 'PbxAccount', id: '20' },
      { __typename: 'NoSuchType', id: '1' },
      'not a representation',
    ];
    // 3 recording keys + 2 users + the agent lists once (2) + 4 × Agent.user; PbxAccount and the rest: none.
    const r = count('query ($r: [_Any!]!) { _entities(representations: $r) { ... on Recording { exists } ...A } } fragment A on Agent { name user { id } }', {
      r: reps,
    });
    expect(r).toEqual({ calls: 3 + 2 + 2 + 4, representations: 12 });
  });

  it('counts a list past what the resolver accepts as the bound (the resolver refuses it before any call)', () => {
    expect(count('query ($k: [RecordingKey!]!) { recordings(keys: $k) { exists } }', { k: keys(600) }).calls).toBe(500);
    expect(
      count(`{ calls(provider: PBX, ${WEEK}, first: 5000) { nodes { recording(key: { company: "a", organisation: "b", folder: "c" }) { exists } } } }`).calls,
    ).toBe(101);
  });

  it('mutations count like queries', () => {
    expect(
      count(
        'mutation { a: startAgentCall(agentName: "x", destination: "1", tenantDomain: "t") { accepted } b: startQueueCallback(queueName: "q", destination: "1", tenantDomain: "t") { accepted } beginPbxConnection { state } }',
      ).calls,
    ).toBe(2);
  });
});
