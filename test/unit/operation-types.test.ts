/**
 * Issue 11 item 10: an operation type the schema does not have (`subscription { x }` — cxgraph has no
 * Subscription type) is the client's mistake: answered as a validation failure (400 GRAPHQL_VALIDATION_FAILED),
 * logged below error level, with no stack trace anywhere — never INTERNAL_SERVER_ERROR.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/harness.js';

describe('operation types the schema lacks', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ CXGRAPH_SIMULATORS: 'off' });
  });
  afterAll(() => s?.close());

  it.each([['subscription { x }'], ['subscription OnCall { callStarted { id } }'], ['query Q { providers { provider } } subscription S { x }']])(
    '%s is a client error, logged below error level',
    async (query) => {
      const before = s.logs.lines.length;
      const r = await s.gql(query, undefined);
      expect(r.status).toBe(400);
      expect(r.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(r.errors?.[0]?.message).toMatch(/subscription/i);
      expect(r.raw).not.toContain('stacktrace');
      const lines = s.logs.json().slice(before);
      expect(
        lines.filter((l) => Number(l.level) >= 50),
        JSON.stringify(lines),
      ).toEqual([]);
      expect(JSON.stringify(lines)).not.toMatch(/\n\s+at /);
    },
  );

  it('the same document with the query it holds named still runs that query', async () => {
    const r = await s.gql('query Q { providers { provider } }');
    expect(r.status).toBe(200);
    expect(r.errors).toBeUndefined();
  });
});
