/**
 * `_entities` is an entry point like any root field (issue 11, item 2): its representations count toward the cost
 * limit (each resolves a reference, most of them upstream, even when only `__typename` is selected), and more than
 * CXGRAPH_MAX_KEYS_PER_BATCH of them are refused before any upstream call.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { createCallJourneySimulator } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';

const ENTITIES = (selection: string) => `query ($reps: [_Any!]!) { _entities(representations: $reps) { ${selection} } }`;
const reps = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ __typename: 'Recording', company: 'acme', organisation: 'support', folder: '2024/05/01', filename: `file-${i}.wav` }));

describe('_entities and the request limits', () => {
  const sim = useSimulator(createCallJourneySimulator());
  let t: TestServer;

  beforeAll(async () => {
    t = await startServer({ ...sim.env(), CXGRAPH_MAX_KEYS_PER_BATCH: '150', CXGRAPH_MAX_COST: '100', CXGRAPH_SIMULATORS: 'off' });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => sim.server.resetCounts());

  it('more representations than CXGRAPH_MAX_KEYS_PER_BATCH: BAD_USER_INPUT naming the limit, and no upstream call', async () => {
    const r = await t.gql(ENTITIES('__typename'), { reps: reps(3000) });
    expect(r.status).toBe(400);
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'CXGRAPH_MAX_KEYS_PER_BATCH', max: 150, actual: 3000 });
    expect(r.errors![0]!.message).toContain('at most 150 representations');
    expect(sim.server.count('conversationexists') + sim.server.count('token')).toBe(0);
  });

  it('representations selecting only __typename still cost one each: over CXGRAPH_MAX_COST is refused unsent', async () => {
    // 99 representations cost 1 + 99 × 1 = 100: at the limit, answered (before, they cost 1 whatever their number).
    const r = await t.gql(ENTITIES('__typename'), { reps: reps(99) });
    expect(r.errors).toBeUndefined();
    sim.server.resetCounts();
    const over = await t.gql(ENTITIES('__typename'), { reps: reps(100) });
    expect(over.status).toBe(400);
    expect(over.errors![0]!.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'CXGRAPH_MAX_COST', actual: 101 });
    expect(sim.server.count('conversationexists') + sim.server.count('token')).toBe(0);
  });

  it('within both limits, the references resolve as before', async () => {
    sim.server.resetCounts();
    const r = await t.gql<{ _entities: ({ exists: boolean } | null)[] }>(ENTITIES('... on Recording { exists }'), { reps: reps(20) });
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities).toHaveLength(20);
    expect(sim.server.count('conversationexists')).toBe(20);
  });
});
