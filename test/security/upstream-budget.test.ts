/**
 * The per-request upstream budget (CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST) and the `_entities` representation cap
 * (CXGRAPH_MAX_KEYS_PER_BATCH) hold for what will execute — the operation with its fragments (named and inline,
 * spread in each other) and its variables — not for the shape of the request: a list of representations behind a
 * fragment, or a batch of keys repeated under aliases, is refused before any upstream call, counted at the
 * CallJourney simulator (existence checks and token requests).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { createCallJourneySimulator } from '../../src/simulators/index.js';
import { startServer, type GraphQLResult, type TestServer } from '../support/harness.js';

const ROOT = new URL('../../', import.meta.url);
const recordingKey = (i: number, tag = 'f') => ({ company: 'acme', organisation: 'support', folder: '2024/05/01', filename: `${tag}-${i}.wav` });
const reps = (n: number) => Array.from({ length: n }, (_, i) => ({ __typename: 'Recording', ...recordingKey(i) }));
const keys = (n: number, tag = 'f') => Array.from({ length: n }, (_, i) => recordingKey(i, tag));

function expectRefused(r: GraphQLResult, limit: string, max: number, actual: number) {
  expect(r.status, r.raw).toBe(400);
  expect(r.data ?? undefined).toBeUndefined();
  expect(r.errors).toHaveLength(1);
  expect(r.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit, max, actual });
  expect(r.errors![0]!.message).toContain(limit);
}

describe('with the default limits (500 keys per batch, 1000 upstream calls per request)', () => {
  const sim = useSimulator(createCallJourneySimulator());
  let t: TestServer;
  const upstream = () => sim.server.count('conversationexists') + sim.server.count('token');

  beforeAll(async () => {
    t = await startServer({ ...sim.env(), CXGRAPH_SIMULATORS: 'off' });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => sim.server.resetCounts());

  it('2000 representations behind a named fragment are refused like the same list at the root, with no upstream call', async () => {
    const viaFragment = 'query ($r: [_Any!]!) { ...F } fragment F on Query { _entities(representations: $r) { __typename } }';
    expectRefused(await t.gql(viaFragment, { r: reps(2000) }), 'CXGRAPH_MAX_KEYS_PER_BATCH', 500, 2000);
    expect(upstream()).toBe(0);
  });

  it('2000 representations behind an inline fragment, or fragments spread in fragments, are refused with no upstream call', async () => {
    const inline = 'query ($r: [_Any!]!) { ... on Query { _entities(representations: $r) { __typename } } }';
    expectRefused(await t.gql(inline, { r: reps(2000) }), 'CXGRAPH_MAX_KEYS_PER_BATCH', 500, 2000);
    const nested =
      'query ($r: [_Any!]!) { ... { ...A } } fragment A on Query { ...B } fragment B on Query { e: _entities(representations: $r) { ... on Recording { exists } } }';
    expectRefused(await t.gql(nested, { r: reps(2000) }), 'CXGRAPH_MAX_KEYS_PER_BATCH', 500, 2000);
    // The fragment under an alias resolves its representations a second time: 2 × 300 is over 500.
    const twice =
      'query ($r: [_Any!]!) { ...F again: _entities(representations: $r) { ...E } } fragment F on Query { _entities(representations: $r) { ...E } } fragment E on _Entity { __typename }';
    expectRefused(await t.gql(twice, { r: reps(300) }), 'CXGRAPH_MAX_KEYS_PER_BATCH', 500, 600);
    expect(upstream()).toBe(0);
  });

  it('19 aliases of recordings × 500 distinct keys (9500 checks) are refused by the upstream budget, with no upstream call', async () => {
    const vars = Object.fromEntries(Array.from({ length: 19 }, (_, i) => [`k${i}`, keys(500, `a${i}`)]));
    const doc =
      `query (${Object.keys(vars)
        .map((k) => `$${k}: [RecordingKey!]!`)
        .join(', ')}) { ` +
      Object.keys(vars)
        .map((k) => `${k}: recordings(keys: $${k}) { exists }`)
        .join(' ') +
      ' }';
    const r = await t.gql(doc, vars);
    expectRefused(r, 'CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST', 1000, 9500);
    expect(upstream()).toBe(0);
  });

  it('an ordinary query under the budget still answers', async () => {
    const r = await t.gql<{ recordings: { exists: boolean }[] }>('query ($k: [RecordingKey!]!) { recordings(keys: $k) { exists callId } }', { k: keys(20) });
    expect(r.errors).toBeUndefined();
    expect(r.data!.recordings).toHaveLength(20);
    expect(sim.server.count('conversationexists')).toBe(20);
  });
});

describe('with a budget of 50 upstream calls per request', () => {
  const sim = useSimulator(createCallJourneySimulator());
  let t: TestServer;
  const upstream = () => sim.server.count('conversationexists') + sim.server.count('token');

  beforeAll(async () => {
    t = await startServer({ ...sim.env(), CXGRAPH_SIMULATORS: 'off', CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST: '50' });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => sim.server.resetCounts());

  it('counts keys through fragments spread in fragments, aliases and inline fragments', async () => {
    const doc =
      'query ($a: [RecordingKey!]!, $b: [RecordingKey!]!) { ... { ...A } } ' +
      'fragment A on Query { a: recordings(keys: $a) { ...R } ...B } ' +
      'fragment B on Query { b: recordings(keys: $b) { ...R } } fragment R on Recording { exists }';
    expectRefused(await t.gql(doc, { a: keys(30, 'a'), b: keys(21, 'b') }), 'CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST', 50, 51);
    expect(upstream()).toBe(0);
    const atLimit = await t.gql<{ a: unknown[]; b: unknown[] }>(doc, { a: keys(30, 'a'), b: keys(20, 'b') });
    expect(atLimit.errors).toBeUndefined();
    expect(atLimit.data!.a).toHaveLength(30);
    expect(sim.server.count('conversationexists')).toBe(50);
  });

  it('counts distinct recording keys, as the per-request loader checks each distinct key once', async () => {
    const three =
      'query ($k: [RecordingKey!]!, $r: [_Any!]!) { a: recordings(keys: $k) { exists } b: recordings(keys: $k) { exists } _entities(representations: $r) { ... on Recording { exists } } }';
    // The same 40 keys three ways: 40 checks, answered.
    const same = await t.gql(three, { k: keys(40), r: reps(40) });
    expect(same.errors).toBeUndefined();
    expect(sim.server.count('conversationexists')).toBe(40);
    sim.server.resetCounts();
    // 40 other keys among the representations: 80 checks, refused unsent.
    expectRefused(await t.gql(three, { k: keys(40, 'other'), r: reps(40) }), 'CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST', 50, 80);
    expect(upstream()).toBe(0);
  });

  it('counts literal keys and representations as it counts variables', async () => {
    const literal = (n: number) =>
      `[${keys(n)
        .map((k) => `{ company: "${k.company}", organisation: "${k.organisation}", folder: "${k.folder}", filename: "${k.filename}" }`)
        .join(', ')}]`;
    expectRefused(
      await t.gql(`{ x: recordings(keys: ${literal(30)}) { exists } ...on Query { y: recordings(keys: ${literal(60).replace(/f-/g, 'g-')}) { exists } } }`),
      'CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST',
      50,
      90,
    );
    expect(upstream()).toBe(0);
  });
});

describe('the budget is configured', () => {
  it('defaults to 1000; a value that is not a positive integer is refused at start-up, naming the variable', () => {
    expect(loadConfig({}).requestLimits.maxUpstreamCallsPerRequest).toBe(1000);
    expect(loadConfig({ CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST: '20' }).requestLimits.maxUpstreamCallsPerRequest).toBe(20);
    for (const bad of ['0', 'lots', '-5', '1.5']) {
      expect(() => loadConfig({ CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST: bad })).toThrow(/CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST/);
    }
  });

  it('in the configuration reference table and the security guide, and in .env.example', () => {
    const configuration = readFileSync(new URL('docs/configuration.md', ROOT), 'utf8');
    const security = readFileSync(new URL('docs/security.md', ROOT), 'utf8');
    const example = readFileSync(new URL('.env.example', ROOT), 'utf8');
    expect(configuration).toMatch(/^\| `CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST` \| `1000` \|/m);
    const budget = security.slice(security.indexOf('## Upstream budget'), security.indexOf('## Upstream URLs'));
    expect(budget).toContain('CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST');
    expect(example).toMatch(/^CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST=1000$/m);
  });
});
