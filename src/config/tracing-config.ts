/** OpenTelemetry tracing from the standard OTEL_* variables (docs/operating.md, "Traces"). */
import type { EnvReader } from './env-reader.js';

export type TraceSampler = 'always_on' | 'always_off' | 'traceidratio' | 'parentbased_always_on' | 'parentbased_always_off' | 'parentbased_traceidratio';

/** OpenTelemetry tracing, from the standard OTEL_* variables (read here, so this stays the only reader of the environment). */
export interface TracingConfig {
  /** True when an OTLP endpoint is set and OTEL_SDK_DISABLED is not `true`. */
  enabled: boolean;
  serviceName: string;
  /** OTLP/HTTP traces URL: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, or OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`. */
  endpoint?: string;
  /** Export headers (OTEL_EXPORTER_OTLP_HEADERS, then _TRACES_HEADERS); often an API key: never logged. */
  headers: Record<string, string>;
  /** OTEL_RESOURCE_ATTRIBUTES, e.g. deployment.environment=prod. */
  resourceAttributes: Record<string, string>;
  sampler: TraceSampler;
  /** OTEL_TRACES_SAMPLER_ARG for the ratio samplers (default 1). */
  samplerRatio: number;
}

const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;

/** The OTEL_* variables of the OpenTelemetry specification that cxgraph honours (docs/operating.md, "Traces"). */
export function tracingOf(r: EnvReader): TracingConfig {
  const disabled = r.oneOf('OTEL_SDK_DISABLED', ['true', 'false'] as const, 'false') === 'true';
  const endpointOf = (name: string, suffix: string): string | undefined => {
    const raw = r.str(name);
    if (!raw) return undefined;
    try {
      const u = new URL(raw);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
      if (u.username || u.password) {
        r.fail(name, 'must not carry credentials in the URL; put them in OTEL_EXPORTER_OTLP_HEADERS');
        return undefined;
      }
    } catch {
      // Not echoed: a malformed URL may still hold a credential.
      r.fail(name, 'expected an absolute http(s) URL, e.g. http://otel-collector:4318');
      return undefined;
    }
    return suffix ? `${raw.replace(/\/+$/, '')}${suffix}` : raw;
  };
  // Per the specification the signal-specific URL is used as is; the general one gets the signal path appended.
  const endpoint = endpointOf('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', '') ?? endpointOf('OTEL_EXPORTER_OTLP_ENDPOINT', '/v1/traces');
  const pairs = (name: string, example: string): Record<string, string> => {
    const raw = r.str(name);
    if (!raw) return {};
    const out: Record<string, string> = {};
    for (const part of raw.split(',')) {
      const i = part.indexOf('=');
      const key = i > 0 ? part.slice(0, i).trim() : '';
      if (!key) {
        r.fail(name, `expected comma-separated key=value pairs, e.g. ${example}`);
        return {};
      }
      try {
        out[key] = decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        r.fail(name, `expected URL-encoded values in key=value pairs, e.g. ${example}`);
        return {};
      }
    }
    return out;
  };
  const sampler = r.oneOf('OTEL_TRACES_SAMPLER', SAMPLERS, 'parentbased_always_on');
  let samplerRatio = 1;
  const ratioRaw = r.str('OTEL_TRACES_SAMPLER_ARG');
  if (ratioRaw !== undefined && sampler.endsWith('traceidratio')) {
    samplerRatio = Number(ratioRaw);
    if (!Number.isFinite(samplerRatio) || samplerRatio < 0 || samplerRatio > 1) {
      r.fail('OTEL_TRACES_SAMPLER_ARG', `expected a sampling ratio from 0 to 1, got ${r.shown('OTEL_TRACES_SAMPLER_ARG', ratioRaw)}`);
      samplerRatio = 1;
    }
  }
  const resourceAttributes = pairs('OTEL_RESOURCE_ATTRIBUTES', 'deployment.environment=production');
  return {
    enabled: Boolean(endpoint) && !disabled,
    // The specification: OTEL_SERVICE_NAME wins over a service.name in OTEL_RESOURCE_ATTRIBUTES.
    serviceName: r.str('OTEL_SERVICE_NAME') ?? resourceAttributes['service.name'] ?? 'cxgraph',
    endpoint,
    headers: { ...pairs('OTEL_EXPORTER_OTLP_HEADERS', 'x-api-key=…'), ...pairs('OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'x-api-key=…') },
    resourceAttributes,
    sampler,
    samplerRatio,
  };
}
