/**
 * Structured logs as an operator greps them: every line written while serving a request — the server's, the
 * token manager's, the upstream client's, all through the one shared logger — carries that request's id (the
 * caller's `x-request-id`, or one we make up and return), and the router's trace id when it sent one, even
 * with tracing off. No secret is ever written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { createCallJourneySimulator, SAMPLE_RECORDINGS } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';

const RECORDINGS = `query Recordings($keys: [RecordingKey!]!) { recordings(keys: $keys) { filename exists } }`;
const known = SAMPLE_RECORDINGS[0]!;
const key = (filename: string) => ({ company: known.company, organisation: known.organisation, folder: known.folder, filename });

describe('request logs', () => {
  const sim = useSimulator(createCallJourneySimulator());
  let t: TestServer;

  beforeAll(async () => {
    const client = sim.clients[0]!;
    t = await startServer({
      CALLJOURNEY_TENANT_ID: sim.tenantId,
      CALLJOURNEY_CLIENT_ID: client.clientId,
      CALLJOURNEY_CLIENT_SECRET: client.clientSecret,
      CALLJOURNEY_BASE_URL: sim.baseUrl,
      CALLJOURNEY_TOKEN_URL: sim.tokenUrl,
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Runs one request alone and returns the log lines written while it ran. */
  async function linesOf(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
    const before = t.logs.lines.length;
    await run();
    return t.logs.lines.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  it("stamps the caller's x-request-id on every line of the request, the token manager's included", async () => {
    const lines = await linesOf(() => t.gql(RECORDINGS, { keys: [key(known.filename)] }, { 'x-request-id': 'req-logs-1' }));
    expect(lines.map((l) => l.msg)).toContain('obtained access token');
    for (const l of lines) expect(l).toMatchObject({ requestId: 'req-logs-1' });
  });

  it("stamps the upstream client's failure lines too, and a request without an id gets one, returned in x-request-id", async () => {
    sim.server.inject({ kind: 'status', status: 503, route: 'conversationexists', times: 20 });
    let requestId: string | null = null;
    const lines = await linesOf(async () => {
      const r = await t.gql(RECORDINGS, { keys: [key('other.wav')] });
      expect(r.errors?.[0]?.extensions?.code).toBe('PROVIDER_UNAVAILABLE');
      requestId = r.headers.get('x-request-id');
    });
    sim.server.clearFaults();
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.some((l) => l.level === 40 && l.provider === 'CALLJOURNEY' && l.upstreamStatus === 503)).toBe(true);
    for (const l of lines) expect(l.requestId).toBe(requestId);
  });

  it('keeps concurrent requests apart', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `req-concurrent-${i}`);
    const before = t.logs.lines.length;
    sim.server.inject({ kind: 'status', status: 404, route: 'conversationexists', times: 8, body: { message: 'no such tenant' } });
    await Promise.all(ids.map((id, i) => t.gql(RECORDINGS, { keys: [key(`c${i}.wav`)] }, { 'x-request-id': id })));
    sim.server.clearFaults();
    const lines = t.logs.json().slice(before);
    // Each request logged its own failure, under its own id.
    for (const id of ids) expect(lines.filter((l) => l.requestId === id && l.level === 40).length).toBeGreaterThanOrEqual(1);
    for (const l of lines) expect(ids).toContain(l.requestId);
  });

  it("carries the router's trace id from traceparent even with tracing off", async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    sim.server.inject({ kind: 'status', status: 404, route: 'conversationexists', times: 2, body: { message: 'no such tenant' } });
    const lines = await linesOf(() => t.gql(RECORDINGS, { keys: [key('tp.wav')] }, { traceparent: `00-${traceId}-b7ad6b7169203331-01` }));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l.traceId).toBe(traceId);
    // A malformed traceparent is ignored, not logged.
    const bad = await linesOf(() => t.gql(RECORDINGS, { keys: [key('bad-tp.wav')] }, { traceparent: 'not-a-traceparent' }));
    sim.server.clearFaults();
    expect(bad.length).toBeGreaterThan(0);
    for (const l of bad) expect(l.traceId).toBeUndefined();
  });

  it('writes no client secret and no bearer token', () => {
    expect(t.logs.text).not.toContain(sim.clients[0]!.clientSecret);
    expect(t.logs.text).not.toMatch(/Bearer\s+\S/);
  });
});
