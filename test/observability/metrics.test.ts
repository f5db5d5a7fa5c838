/**
 * GET /metrics after a few real queries against the CallJourney simulator: every series operators build
 * dashboards and alerts on is exposed in Prometheus text format, with labels that say what happened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { createCallJourneySimulator, SAMPLE_RECORDINGS } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';
import { parseExposition, type Exposition } from './prometheus-text.js';

const RECORDINGS = `query Recordings($keys: [RecordingKey!]!) { recordings(keys: $keys) { filename exists } }`;
const EXISTS = 'POST /api/v1/search/conversationexists';
const known = SAMPLE_RECORDINGS[0]!;
const key = (filename: string) => ({ company: known.company, organisation: known.organisation, folder: known.folder, filename });

describe('GET /metrics', () => {
  const sim = useSimulator(createCallJourneySimulator());
  let t: TestServer;
  let metrics: Exposition;
  let contentType: string | null;

  beforeAll(async () => {
    const client = sim.clients[0]!;
    t = await startServer({
      CALLJOURNEY_TENANT_ID: sim.tenantId,
      CALLJOURNEY_CLIENT_ID: client.clientId,
      CALLJOURNEY_CLIENT_SECRET: client.clientSecret,
      CALLJOURNEY_BASE_URL: sim.baseUrl,
      CALLJOURNEY_TOKEN_URL: sim.tokenUrl,
    });
    // A batch of three keys (two distinct): one token request, two upstream checks.
    const ok = await t.gql(RECORDINGS, { keys: [key(known.filename), key('missing.wav'), key(known.filename)] });
    expect(ok.errors).toBeUndefined();
    // A second query is answered from the cached token.
    await t.gql(RECORDINGS, { keys: [key(known.filename)] });
    // An upstream failure: every attempt (retries included) answers 503.
    sim.server.inject({ kind: 'status', status: 503, route: 'conversationexists', times: 20 });
    const failed = await t.gql(RECORDINGS, { keys: [key('other.wav')] });
    sim.server.clearFaults();
    expect(failed.errors?.[0]?.extensions?.code).toBe('PROVIDER_UNAVAILABLE');
    // A provider that is not configured.
    const notConfigured = await t.gql(`{ users(provider: CLOUDCX) { totalCount } }`);
    expect(notConfigured.errors?.[0]?.extensions?.code).toBe('PROVIDER_NOT_CONFIGURED');

    const res = await fetch(`${t.url}/metrics`);
    expect(res.status).toBe(200);
    contentType = res.headers.get('content-type');
    metrics = parseExposition(await res.text());
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is Prometheus text format', () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.samples.length).toBeGreaterThan(0);
  });

  it('times upstream requests by provider, operation and status, the token request included', () => {
    expect(metrics.types.get('cxgraph_upstream_request_duration_seconds')).toBe('histogram');
    const ok = metrics.find('cxgraph_upstream_request_duration_seconds_count', { provider: 'CALLJOURNEY', operation: EXISTS, status: '200' });
    expect(ok).toHaveLength(1);
    expect(ok[0]!.value).toBe(3); // two distinct keys, then one more in the second query
    expect(
      metrics.find('cxgraph_upstream_request_duration_seconds_bucket', { provider: 'CALLJOURNEY', operation: EXISTS, status: '200', le: '+Inf' })[0]?.value,
    ).toBe(3);
    const failed = metrics.find('cxgraph_upstream_request_duration_seconds_count', { provider: 'CALLJOURNEY', operation: EXISTS, status: '503' });
    expect(failed[0]?.value).toBeGreaterThanOrEqual(1);
    expect(metrics.find('cxgraph_upstream_request_duration_seconds_count', { provider: 'CALLJOURNEY', operation: 'token', status: '200' })[0]?.value).toBe(1);
  });

  it('counts token requests by outcome and token lookups by where they were answered', () => {
    expect(metrics.find('cxgraph_token_requests_total', { provider: 'CALLJOURNEY', outcome: 'success' })[0]?.value).toBe(1);
    expect(metrics.find('cxgraph_token_cache_total', { provider: 'CALLJOURNEY', result: 'fetch' })[0]?.value).toBe(1);
    // Later lookups are answered from memory.
    expect(metrics.find('cxgraph_token_cache_total', { provider: 'CALLJOURNEY', result: 'memory' })[0]?.value).toBeGreaterThanOrEqual(1);
  });

  it('observes DataLoader batch sizes after deduplication', () => {
    expect(metrics.types.get('cxgraph_dataloader_batch_size')).toBe('histogram');
    expect(metrics.find('cxgraph_dataloader_batch_size_count', { loader: 'recordingExists' })[0]?.value).toBe(3);
    // Three batches of 2, 1 and 1 distinct keys.
    expect(metrics.find('cxgraph_dataloader_batch_size_sum', { loader: 'recordingExists' })[0]?.value).toBe(4);
    expect(metrics.find('cxgraph_dataloader_batch_size_bucket', { loader: 'recordingExists', le: '1' })[0]?.value).toBe(2);
  });

  it('times GraphQL operations by name and counts errors by code', () => {
    expect(metrics.find('cxgraph_graphql_operation_duration_seconds_count', { operation: 'Recordings' })[0]?.value).toBe(3);
    expect(metrics.find('cxgraph_graphql_operation_duration_seconds_count', { operation: 'anonymous' })[0]?.value).toBe(1);
    expect(metrics.find('cxgraph_graphql_errors_total', { code: 'PROVIDER_UNAVAILABLE' })[0]?.value).toBe(1);
    expect(metrics.find('cxgraph_graphql_errors_total', { code: 'PROVIDER_NOT_CONFIGURED' })[0]?.value).toBe(1);
  });

  it('exposes the store and circuit-breaker gauges', () => {
    expect(metrics.types.get('cxgraph_store_degraded')).toBe('gauge');
    expect(metrics.find('cxgraph_store_degraded')[0]?.value).toBe(0); // the memory store never degrades
    expect(metrics.types.get('cxgraph_circuit_breaker_open')).toBe('gauge');
    // One series per configured provider, 0 (closed) or 1 (open, failing fast).
    const breaker = metrics.find('cxgraph_circuit_breaker_open', { provider: 'CALLJOURNEY' });
    expect(breaker).toHaveLength(1);
    expect([0, 1]).toContain(breaker[0]!.value);
  });

  it('includes the process metrics, prefixed', () => {
    expect(metrics.find('cxgraph_process_resident_memory_bytes').length + metrics.find('cxgraph_nodejs_eventloop_lag_seconds').length).toBeGreaterThan(0);
  });
});

describe('operation names as label values', () => {
  it('are taken from the document when the client sends no operationName, and capped so clients cannot explode the series', async () => {
    const t = await startServer({});
    try {
      for (let i = 0; i < 205; i++) await t.gql(`query Op${i} { providers { provider } }`);
      const m = parseExposition(await (await fetch(`${t.url}/metrics`)).text());
      const names = m.find('cxgraph_graphql_operation_duration_seconds_count').map((s) => s.labels.operation);
      expect(names).toContain('Op0');
      expect(names).toContain('Op199');
      expect(names).not.toContain('Op200');
      expect(m.find('cxgraph_graphql_operation_duration_seconds_count', { operation: 'other' })[0]?.value).toBe(5);
    } finally {
      await t.close();
    }
  });
});
