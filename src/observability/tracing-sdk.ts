/**
 * The OpenTelemetry SDK set-up: a NodeTracerProvider exporting over OTLP/HTTP through a batch processor.
 * Imported dynamically by src/index.ts only when tracing is configured, so a service without tracing never
 * loads the SDK (see tracing.ts for the span helpers used on the request path).
 */
import { context, diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { TracingConfig } from '../config/tracing-config.js';
import type { Logger } from './logger.js';
import { outsideRequestContext } from './request-context.js';
import { setTracingActive, tracingActive, urlForTrace } from './tracing.js';

export interface Tracing {
  readonly enabled: boolean;
  /** Where spans go, safe to log (no credentials, no headers); undefined when off. */
  readonly exportsTo?: string;
  /** Exports every finished span now (tests; shutdown does it too). */
  forceFlush(): Promise<void>;
  /** Flushes, stops the provider and unregisters it, so tracing can be started again (tests). */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, forceFlush: async () => {}, shutdown: async () => {} };

export interface TracingOptions {
  /** Replaces the OTLP exporter (tests use InMemorySpanExporter). */
  exporter?: SpanExporter;
  /** Where the SDK's own errors go (a collector that cannot be reached, refused exports); silent otherwise. */
  logger?: Logger;
}

/** Starts tracing when `cfg.enabled`; registers the provider, the async context manager and the W3C propagator globally. */
export function startTracing(cfg: Readonly<TracingConfig>, opts: TracingOptions = {}): Tracing {
  if (!cfg.enabled || tracingActive()) return OFF;
  const exporter = opts.exporter ?? new OTLPTraceExporter({ url: cfg.endpoint, headers: { ...cfg.headers } });
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ ...cfg.resourceAttributes, 'service.name': cfg.serviceName })),
    sampler: samplerOf(cfg),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const log = opts.logger?.child({ component: 'opentelemetry' });
  // The batch processor's timers start inside whichever request ended a span first: its failures are not that request's.
  const warn = (message: string, ...args: unknown[]) =>
    outsideRequestContext(() => log?.warn(`tracing: ${[message, ...args].map(describeDiag).filter(Boolean).join('; ')}`));
  // Errors only: export failures, once per failed batch. The SDK's chatter stays out of the log.
  if (log)
    diag.setLogger(
      { error: warn, warn: () => {}, info: () => {}, debug: () => {}, verbose: () => {} },
      { logLevel: DiagLogLevel.ERROR, suppressOverrideMessage: true },
    );
  setTracingActive(true);
  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    exportsTo: opts.exporter ? opts.exporter.constructor.name : cfg.endpoint && urlForTrace(cfg.endpoint),
    forceFlush: () => provider.forceFlush(),
    shutdown() {
      stopped ??= (async () => {
        setTracingActive(false);
        try {
          await provider.shutdown();
        } catch (err) {
          // Losing the last spans must not turn a clean shutdown into a failed one.
          warn('the spans still buffered could not be exported at shutdown', err);
        } finally {
          trace.disable();
          context.disable();
          propagation.disable();
          diag.disable();
        }
      })();
      return stopped;
    },
  };
}

function samplerOf(cfg: Readonly<TracingConfig>): Sampler {
  const root = cfg.sampler.endsWith('always_off')
    ? new AlwaysOffSampler()
    : cfg.sampler.endsWith('traceidratio')
      ? new TraceIdRatioBasedSampler(cfg.samplerRatio)
      : new AlwaysOnSampler();
  return cfg.sampler.startsWith('parentbased_') ? new ParentBasedSampler({ root }) : root;
}

/** One line from what the SDK reports: an error's message, never its stack (errors arrive JSON-encoded). */
function describeDiag(a: unknown): string {
  if (a instanceof Error) return a.message;
  if (typeof a === 'string' && a.startsWith('{')) {
    try {
      return describeDiag(JSON.parse(a));
    } catch {
      return a;
    }
  }
  if (a && typeof a === 'object' && typeof (a as { message?: unknown }).message === 'string') return (a as { message: string }).message;
  return typeof a === 'string' ? a : (JSON.stringify(a) ?? String(a));
}
