/**
 * OpenTelemetry tracing helpers (API only: the SDK is loaded by tracing-sdk.ts, and only when tracing is on,
 * which keeps ~100 ms of module loading out of every cold start). Off unless an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, read by config.ts); then a NodeTracerProvider exports over OTLP/HTTP
 * through a batch processor.
 *
 * Spans: `graphql.operation` (SERVER, continuing the router's W3C `traceparent`) → `dataloader.batch` →
 * one CLIENT span per upstream attempt and per token request. The helpers below check one flag first, so
 * with tracing off nothing is allocated beyond what the caller already does.
 *
 * `traceparent` is deliberately NOT sent to the provider platforms: they are third parties outside our
 * tracing backend, so it would only hand them our trace ids.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { context, defaultTextMapGetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { currentRequestContext } from './request-context.js';

const TRACER_NAME = 'cxgraph';
const w3c = new W3CTraceContextPropagator();
let active = false;

/** Set by tracing-sdk.ts when it registers a provider; the helpers below do nothing while it is false. */
export function setTracingActive(on: boolean): void {
  active = on;
}

export function tracingActive(): boolean {
  return active;
}

/** The trace id of the caller's W3C `traceparent` header, if it has a valid one (logged even with tracing off). */
export function incomingTraceId(headers: IncomingHttpHeaders): string | undefined {
  if (headers.traceparent === undefined) return undefined;
  const sc = trace.getSpanContext(w3c.extract(ROOT_CONTEXT, headers, defaultTextMapGetter));
  return sc && trace.isSpanContextValid(sc) ? sc.traceId : undefined;
}

/**
 * Runs `fn` in a SERVER span that continues the caller's `traceparent` (same trace id, the caller's span as
 * parent). The request context's trace id becomes the span's, so log lines name the trace they belong to.
 */
export async function inServerSpan<T>(
  name: string,
  headers: IncomingHttpHeaders,
  attributes: Attributes,
  fn: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!active) return fn(undefined);
  const parent = w3c.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  const span = tracer().startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  const sc = span.spanContext();
  const rc = currentRequestContext();
  if (rc && sc.traceFlags & TraceFlags.SAMPLED) rc.traceId = sc.traceId;
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    failed(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Runs one DataLoader batch in a `dataloader.batch` span, so its upstream calls are grouped under it. */
export async function inBatchSpan<T>(loader: string, size: number, fn: () => Promise<T>): Promise<T> {
  if (!active) return fn();
  const span = tracer().startSpan('dataloader.batch', { kind: SpanKind.INTERNAL, attributes: { 'dataloader.name': loader, 'dataloader.batch_size': size } });
  try {
    return await context.with(trace.setSpan(context.active(), span), fn);
  } catch (err) {
    failed(span, err);
    throw err;
  } finally {
    span.end();
  }
}

export interface UpstreamSpanInfo {
  provider: string;
  /** The stable operation name of metrics (`POST /api/v1/...`, `token`). */
  operation: string;
  method: string;
  url: string;
}

/** Starts the CLIENT span of one upstream request (an API attempt or a token request); undefined when tracing is off. */
export function startUpstreamSpan(info: UpstreamSpanInfo): Span | undefined {
  if (!active) return undefined;
  const attributes: Attributes = {
    'http.request.method': info.method,
    'url.full': urlForTrace(info.url),
    'cxgraph.provider': info.provider,
    'cxgraph.operation': info.operation,
  };
  try {
    const u = new URL(info.url);
    attributes['server.address'] = u.hostname;
    attributes['server.port'] = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
  } catch {
    /* the attributes above are enough */
  }
  return tracer().startSpan(`${info.provider} ${info.operation}`, { kind: SpanKind.CLIENT, attributes });
}

/** Ends an upstream span with the HTTP status the platform answered, or 'error' when none came. */
export function endUpstreamSpan(span: Span | undefined, status: number | string): void {
  if (!span) return;
  const code = Number(status);
  if (Number.isInteger(code) && code > 0) {
    span.setAttribute('http.response.status_code', code);
    // OTel HTTP client convention: any 4xx/5xx is an error of the call.
    if (code >= 400) span.setAttributes({ 'error.type': String(code) }).setStatus({ code: SpanStatusCode.ERROR });
  } else {
    span.setAttribute('error.type', 'no_response');
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'no response (connection failed or timed out)' });
  }
  span.end();
}

/** The URL as it may appear in a trace: no query string (OAuth codes, keys), no fragment, no credentials. */
export function urlForTrace(url: string): string {
  try {
    const u = new URL(url);
    u.search = '';
    u.hash = '';
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.split(/[?#]/, 1)[0] ?? '';
  }
}

function tracer() {
  // Looked up per use, not cached at import: a cached proxy would keep a provider that tests have shut down.
  return trace.getTracer(TRACER_NAME);
}

function failed(span: Span, err: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}
