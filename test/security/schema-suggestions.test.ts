/**
 * graphql-js answers a mistyped name with "Did you mean …?" taken from the schema: with introspection off
 * (production by default, CXGRAPH_INTROSPECTION=off) that would still hand the schema out, a name at a time. Where
 * introspection is off no error carries a suggestion — validation (fields, arguments, types, enum literals) nor
 * variable coercion (enum values, input fields) — and where it is on they stay, for developers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { createCallJourneySimulator } from '../../src/simulators/index.js';
import { startServer, type GraphQLResult, type TestServer } from '../support/harness.js';

/** Each mistake, and the schema name graphql-js would suggest for it. */
const MISTAKES: { query: string; variables?: Record<string, unknown>; suggests: string }[] = [
  { query: '{ recordigns(keys: []) { exists } }', suggests: 'recordings' },
  { query: '{ providers { statu } }', suggests: 'status' },
  { query: '{ users(provider: CLOUDCX, pageSise: 5) { totalCount } }', suggests: 'pageSize' },
  { query: '{ users(provider: CLOUDCC) { totalCount } }', suggests: 'CLOUDCX' },
  { query: 'query ($k: RecordingKeys!) { recording(key: $k) { exists } }', suggests: 'RecordingKey' },
  { query: 'query ($p: Provider!) { agents(provider: $p) { id } }', variables: { p: 'NEWVOICEMEDIAA' }, suggests: 'NEWVOICEMEDIA' },
  {
    query: 'query ($k: RecordingKey!) { recording(key: $k) { exists } }',
    variables: { k: { company: 'a', organisation: 'b', folder: 'c', filename: 'd', filenames: 'e' } },
    suggests: 'filename',
  },
];

const messages = (r: GraphQLResult) => (r.errors ?? []).map((e) => e.message).join('\n');

describe.each([
  { name: 'production (introspection off by default)', env: { NODE_ENV: 'production', CXGRAPH_AUTH: 'none' }, hidden: true },
  { name: 'CXGRAPH_INTROSPECTION=off', env: { CXGRAPH_INTROSPECTION: 'off' }, hidden: true },
  { name: 'introspection on (development)', env: {}, hidden: false },
])('$name', ({ env, hidden }) => {
  const sim = useSimulator(createCallJourneySimulator());
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ ...sim.env(), CXGRAPH_SIMULATORS: 'off', ...env });
  });
  afterAll(async () => {
    await t?.close();
  });

  it(hidden ? 'no error suggests a schema name' : 'errors keep their suggestions', async () => {
    for (const m of MISTAKES) {
      const r = await t.gql(m.query, m.variables);
      expect(r.status, r.raw).toBe(400);
      const text = messages(r);
      expect(text.length, r.raw).toBeGreaterThan(0);
      if (hidden) {
        expect(text, m.query).not.toMatch(/did you mean/i);
        expect(text, m.query).not.toContain(`"${m.suggests}"`);
      } else {
        expect(text, m.query).toMatch(/Did you mean/);
      }
    }
  });
});
