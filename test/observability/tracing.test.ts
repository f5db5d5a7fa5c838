/**
 * OpenTelemetry traces of a real query against the CallJourney simulator, exported to an in-memory exporter
 * through the same provider set-up as production (batch processor, W3C propagator): the operation span
 * continues the router's `traceparent`, batch and upstream spans hang below it in one trace, and every log
 * line of the request names that trace.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { InMemorySpanExporter, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { loadConfig } from '../../src/app/config.js';
import { startTracing, type Tracing } from '../../src/observability/tracing-sdk.js';
import { tracingActive, urlForTrace } from '../../src/observability/tracing.js';
import { createCallJourneySimulator, SAMPLE_RECORDINGS } from '../../src/simulators/index.js';
import { LogCapture } from '../support/log-capture.js';
import { startServer, type TestServer } from '../support/harness.js';

const RECORDINGS = `query Recordings($keys: [RecordingKey!]!) { recordings(keys: $keys) { filename exists } }`;
const EXISTS = 'POST /api/v1/search/conversationexists';
const known = SAMPLE_RECORDINGS[0]!;
const key = (filename: string) => ({ company: known.company, organisation: known.organisation, folder: known.folder, filename });

const ROUTER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const ROUTER_SPAN = '00f067aa0ba902b7';

describe('tracing', () => {
  const sim = useSimulator(createCallJourneySimulator());
  let t: TestServer | undefined;
  let tracing: Tracing;
  const exporter = new InMemorySpanExporter();

  const env = () => ({
    CALLJOURNEY_TENANT_ID: sim.tenantId,
    CALLJOURNEY_CLIENT_ID: sim.clients[0]!.clientId,
    CALLJOURNEY_CLIENT_SECRET: sim.clients[0]!.clientSecret,
    CALLJOURNEY_BASE_URL: sim.baseUrl,
    CALLJOURNEY_TOKEN_URL: sim.tokenUrl,
  });
  const spans = async (): Promise<ReadableSpan[]> => {
    await tracing.forceFlush();
    return exporter.getFinishedSpans();
  };
  const one = (all: ReadableSpan[], name: string): ReadableSpan => {
    const found = all.filter((s) => s.name === name);
    expect(found, `spans named ${name} among ${all.map((s) => s.name).join(', ')}`).toHaveLength(1);
    return found[0]!;
  };

  beforeAll(async () => {
    // Configured the way an operator does it; the exporter is swapped for one the test can read.
    const cfg = loadConfig({ NODE_ENV: 'test', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SERVICE_NAME: 'cxgraph-test' }).tracing;
    expect(cfg).toMatchObject({ enabled: true, endpoint: 'http://127.0.0.1:4318/v1/traces', serviceName: 'cxgraph-test' });
    tracing = startTracing(cfg, { exporter });
    expect(tracing.enabled).toBe(true);
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    exporter.reset();
    sim.server.clearFaults();
  });
  afterAll(async () => {
    await tracing?.shutdown();
  });

  it("continues the router's traceparent: operation → batch → token and upstream spans, one trace", async () => {
    t = await startServer(env());
    const r = await t.gql(
      RECORDINGS,
      { keys: [key(known.filename), key('missing.wav'), key(known.filename)] },
      { traceparent: `00-${ROUTER_TRACE}-${ROUTER_SPAN}-01` },
    );
    expect(r.errors).toBeUndefined();
    const all = await spans();

    const op = one(all, 'graphql.operation');
    expect(op.kind).toBe(SpanKind.SERVER);
    expect(op.spanContext().traceId).toBe(ROUTER_TRACE);
    expect(op.parentSpanContext?.spanId).toBe(ROUTER_SPAN);
    expect(op.attributes).toMatchObject({ 'graphql.operation.name': 'Recordings', 'graphql.operation.type': 'query', 'http.response.status_code': 200 });
    expect(op.attributes['cxgraph.request_id']).toBe(r.headers.get('x-request-id'));
    expect(op.resource.attributes['service.name']).toBe('cxgraph-test');

    const batch = one(all, 'dataloader.batch');
    expect(batch.parentSpanContext?.spanId).toBe(op.spanContext().spanId);
    expect(batch.attributes).toMatchObject({ 'dataloader.name': 'recordingExists', 'dataloader.batch_size': 2 });

    const token = one(all, 'CALLJOURNEY token');
    expect(token.kind).toBe(SpanKind.CLIENT);
    expect(token.parentSpanContext?.spanId).toBe(batch.spanContext().spanId);
    expect(token.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'cxgraph.provider': 'CALLJOURNEY',
      'cxgraph.operation': 'token',
    });

    const calls = all.filter((s) => s.name === `CALLJOURNEY ${EXISTS}`);
    expect(calls).toHaveLength(2); // deduplicated keys
    for (const c of calls) {
      expect(c.kind).toBe(SpanKind.CLIENT);
      expect(c.parentSpanContext?.spanId).toBe(batch.spanContext().spanId);
      expect(c.attributes).toMatchObject({
        'http.request.method': 'POST',
        'http.response.status_code': 200,
        'url.full': `${sim.baseUrl}/api/v1/search/conversationexists`,
        'server.address': '127.0.0.1',
        'cxgraph.operation': EXISTS,
      });
    }
    for (const s of all) expect(s.spanContext().traceId).toBe(ROUTER_TRACE);
    // Nothing secret rides along in span attributes.
    expect(JSON.stringify(all.map((s) => s.attributes))).not.toContain(sim.clients[0]!.clientSecret);
  });

  it('starts a new trace without a traceparent, and every log line of the request names it and the request id', async () => {
    t = await startServer(env());
    const r = await t.gql(RECORDINGS, { keys: [key(known.filename)] }, { 'x-request-id': 'req-trace-1' });
    expect(r.headers.get('x-request-id')).toBe('req-trace-1');
    const all = await spans();
    const op = one(all, 'graphql.operation');
    expect(op.parentSpanContext).toBeUndefined();
    const traceId = op.spanContext().traceId;
    expect(new Set(all.map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));

    const lines = t.logs.json().filter((l) => l.requestId === 'req-trace-1');
    expect(lines.map((l) => l.msg)).toContain('obtained access token'); // the token manager's line, via the shared logger
    for (const l of lines) expect(l.traceId).toBe(traceId);
  });

  it('marks failed upstream calls and the operation as errors, with the status and the error code', async () => {
    t = await startServer(env());
    sim.server.inject({ kind: 'status', status: 503, route: 'conversationexists', times: 20 });
    const r = await t.gql(RECORDINGS, { keys: [key(known.filename)] });
    expect(r.errors?.[0]?.extensions?.code).toBe('PROVIDER_UNAVAILABLE');
    const all = await spans();
    const failed = all.filter((s) => s.name === `CALLJOURNEY ${EXISTS}`);
    expect(failed.length).toBeGreaterThanOrEqual(1);
    for (const s of failed) {
      expect(s.status.code).toBe(SpanStatusCode.ERROR);
      expect(s.attributes['http.response.status_code']).toBe(503);
    }
    const op = one(all, 'graphql.operation');
    expect(op.status.code).toBe(SpanStatusCode.ERROR);
    expect(op.attributes['graphql.error.codes']).toEqual(['PROVIDER_UNAVAILABLE']);
  });

  it("follows the router's decision not to sample: no spans, but the logs still carry its trace id", async () => {
    t = await startServer(env());
    await t.gql(RECORDINGS, { keys: [key(known.filename)] }, { traceparent: `00-${ROUTER_TRACE}-${ROUTER_SPAN}-00`, 'x-request-id': 'req-unsampled' });
    expect(await spans()).toEqual([]);
    const lines = t.logs.json().filter((l) => l.requestId === 'req-unsampled');
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l.traceId).toBe(ROUTER_TRACE);
  });

  it('never puts a query string into a span URL', () => {
    expect(urlForTrace('https://user:pw@pbx.example/oauth/token?code=abc&state=xyz#f')).toBe('https://pbx.example/oauth/token');
  });
});

describe('tracing off', () => {
  it('is off without an endpoint or with OTEL_SDK_DISABLED=true, and then creates no spans', async () => {
    expect(loadConfig({ NODE_ENV: 'test' }).tracing.enabled).toBe(false);
    const disabled = loadConfig({ NODE_ENV: 'test', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' }).tracing;
    expect(disabled.enabled).toBe(false);
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing(disabled, { exporter });
    expect(tracing.enabled).toBe(false);
    expect(tracingActive()).toBe(false);
    const t = await startServer({});
    try {
      const r = await t.gql(`{ providers { provider status } }`, undefined, { traceparent: `00-${ROUTER_TRACE}-${ROUTER_SPAN}-01` });
      expect(r.errors).toBeUndefined();
    } finally {
      await t.close();
    }
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('uses the signal-specific endpoint as given and keeps export headers out of every message', () => {
    const c = loadConfig({
      NODE_ENV: 'test',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/api/v2/otlp',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%3D%3D,x-team=ops',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=staging,service.name=from-attributes',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    }).tracing;
    expect(c).toMatchObject({
      enabled: true,
      endpoint: 'https://traces.example/api/v2/otlp',
      headers: { 'x-api-key': 'abc==', 'x-team': 'ops' },
      serviceName: 'from-attributes',
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
    });
    expect(loadConfig({ NODE_ENV: 'test', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing.endpoint).toBe('http://collector:4318/v1/traces');
  });
});

describe('tracing export failures', () => {
  it('are logged as warnings of their own (not of the request that ended the span) and never fail the shutdown', async () => {
    const refusing: SpanExporter = {
      export: (_spans, done: (r: ExportResult) => void) => done({ code: ExportResultCode.FAILED, error: new Error('collector answered 401 Unauthorized') }),
      shutdown: async () => {},
    };
    const logs = new LogCapture();
    const cfg = loadConfig({ NODE_ENV: 'test', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).tracing;
    const tracing = startTracing(cfg, { exporter: refusing, logger: logs.logger });
    const t = await startServer({});
    try {
      await t.gql(`{ providers { provider } }`, undefined, { 'x-request-id': 'req-export' });
    } finally {
      await t.close();
    }
    // Shutdown exports what is buffered; the refusal is logged and the shutdown still succeeds.
    await expect(tracing.shutdown()).resolves.toBeUndefined();
    const failures = logs.json().filter((l) => String(l.msg).startsWith('tracing: '));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      level: 40,
      component: 'opentelemetry',
      msg: 'tracing: the spans still buffered could not be exported at shutdown; collector answered 401 Unauthorized',
    });
    expect(failures[0]!.requestId).toBeUndefined();
    expect(JSON.stringify(failures[0])).not.toMatch(/\bat \S+ \(|\.ts:\d+/); // no stack trace
  });
});
