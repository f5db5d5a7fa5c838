/**
 * The only reader of the environment. `loadConfig` parses and validates every variable once, reports
 * every problem in one message that names the variables (and never a secret's value), and returns a
 * frozen object. Variables are documented in `.env.example` and the README's configuration table.
 */
import { isIP } from 'node:net';
import type { ProviderName } from './domain/provider-name.js';

export type NodeEnv = 'development' | 'production' | 'test';

export interface CallJourneyConfig {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  region: 'us' | 'ca';
  baseUrl: string;
  tokenUrl: string;
  /** Azure AD scope: `api://{clientId}/.default`. */
  scope: string;
}

export interface SangomaConfig {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  baseUrl: string;
  tokenUrl: string;
}

export type CloudCxAuth =
  | { kind: 'apiKey'; apiKey: string }
  | { kind: 'password'; clientId: string; clientSecret: string; username: string; password: string };

export interface CloudCxConfig {
  baseUrl: string;
  tokenUrl: string;
  auth: CloudCxAuth;
}

export type NvmRegion = 'emea' | 'nam' | 'apac';
export interface NvmConfig {
  region: NvmRegion;
  clientId: string;
  clientSecret: string;
  authBaseUrl: string;
  apiBaseUrl: string;
}

export interface PbxConfig {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Where the callback sends the browser after connecting; unset = a small page of ours. */
  returnUrl?: string;
}

/** Who may call cxgraph (src/security/caller-auth.ts). */
export type CallerAuthConfig =
  /** `explicit`: CXGRAPH_AUTH=none was set on purpose (required in production). */
  | { mode: 'none'; explicit: boolean }
  /** Any of `secrets` is accepted in `x-router-secret` (several while rotating). */
  | { mode: 'router-secret'; secrets: string[] }
  | { mode: 'jwt'; jwksUrl: string; issuer: string; audience: string[]; clockToleranceSeconds: number };

/** Abuse limits of one GraphQL request (src/security/query-limits.ts). */
export interface RequestLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  maxBodyBytes: number;
  /** Lexical tokens per document: the parser stops a huge document before it is parsed and validated. */
  maxTokens: number;
}

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

export interface Config {
  nodeEnv: NodeEnv;
  port: number;
  host: string;
  logLevel: string;
  /** The public base URL of this service (for links it gives out); unset = derived from each request's Host. */
  publicUrl?: string;
  redisUrl?: string;
  /** Seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES), set instead of redisUrl; the others are discovered. */
  redisClusterNodes?: string[];
  /** Prefix of every key cxgraph writes to Redis (CXGRAPH_REDIS_PREFIX), so deployments can share one Redis. */
  redisPrefix: string;
  /** Upstream fault handling and shutdown (README, "Reliability"). */
  resilience: ResilienceConfig;
  /** Base64 32-byte keys, newest first. Empty = values at rest are not encrypted (allowed outside production). */
  encryptionKeys: Buffer[];
  limits: {
    maxKeysPerBatch: number;
    recordingConcurrency: number;
    upstreamTimeoutMs: number;
    retryAfterCapSeconds: number;
  };
  /** True when no provider is configured and the built-in simulators should be started. */
  embeddedSimulators: boolean;
  /** GraphQL introspection (CXGRAPH_INTROSPECTION): on outside production unless set. */
  introspection: boolean;
  /** The Apollo Sandbox landing page on `GET /` in a browser (CXGRAPH_LANDING_PAGE): on outside production unless set. */
  landingPage: boolean;
  tracing: TracingConfig;
  auth: CallerAuthConfig;
  requestLimits: RequestLimits;
  calljourney?: CallJourneyConfig;
  sangoma?: SangomaConfig;
  cloudcx?: CloudCxConfig;
  nvm?: NvmConfig;
  pbx?: PbxConfig;
}

/** Variables whose values may be secret: never echoed, whatever is wrong with them. */
const SECRET_VARIABLES = /SECRET|PASSWORD|API_KEY|ENCRYPTION_KEYS|REDIS_URL|TOKEN$|HEADERS$/;

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; problem: string }[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.variable}: ${p.problem}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Collects problems instead of throwing at the first one, so the user fixes everything in one go. */
class EnvReader {
  readonly problems: { variable: string; problem: string }[] = [];
  constructor(private readonly env: Env) {}

  str(name: string): string | undefined {
    const v = this.env[name];
    if (v === undefined) return undefined;
    const t = v.trim();
    return t === '' ? undefined : t;
  }

  fail(variable: string, problem: string): void {
    this.problems.push({ variable, problem });
  }

  /** Shows a value in an error only when it cannot be a secret. */
  shown(name: string, value: string): string {
    if (SECRET_VARIABLES.test(name)) return '(value hidden)';
    // Whatever the variable, what a URL may carry as a credential (user:pass@, a query string) is cut out.
    return JSON.stringify(value.replace(/\/\/[^/@\s]*@/g, '//…@').replace(/[?#].*$/s, '?…'));
  }

  int(name: string, def: number, min: number, max: number): number {
    const raw = this.str(name);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.fail(name, `expected an integer from ${min} to ${max}, got ${this.shown(name, raw)}`);
      return def;
    }
    return n;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], def: T): T {
    const raw = this.str(name);
    if (raw === undefined) return def;
    const v = raw.toLowerCase() as T;
    if (!allowed.includes(v)) {
      this.fail(name, `expected one of ${allowed.join(', ')}, got ${this.shown(name, raw)}`);
      return def;
    }
    return v;
  }

  /** An upstream URL: https, or http only on loopback (simulators, tests). Trailing slashes removed. */
  url(name: string, value: string): string {
    let u: URL;
    try {
      u = new URL(value);
    } catch {
      this.fail(name, `expected an absolute URL, got ${this.shown(name, value)}`);
      return value;
    }
    if (u.username || u.password) {
      this.fail(name, 'must not carry credentials in the URL; use the credential variables');
    } else if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopback(u.hostname))) {
      this.fail(name, `must be https:// (http:// is allowed only for 127.0.0.1, localhost or [::1]), got ${this.shown(name, value)}`);
    }
    return value.replace(/\/+$/, '');
  }

  optionalUrl(name: string, fallback: string): string {
    const raw = this.str(name);
    return this.url(name, raw ?? fallback);
  }

  /**
   * A provider is configured when its credentials are set. A partial set is a mistake worth reporting:
   * returns the values when all are present, undefined when none is, and records a problem otherwise.
   */
  group(provider: string, names: string[]): Record<string, string> | undefined {
    const present = names.filter((n) => this.str(n) !== undefined);
    if (present.length === 0) return undefined;
    const missing = names.filter((n) => this.str(n) === undefined);
    if (missing.length > 0) {
      for (const m of missing) this.fail(m, `required for ${provider} because ${present.join(', ')} ${present.length === 1 ? 'is' : 'are'} set`);
      return undefined;
    }
    return Object.fromEntries(names.map((n) => [n, this.str(n)!]));
  }
}

function publicUrlOf(r: EnvReader): string | undefined {
  const raw = r.str('CXGRAPH_PUBLIC_URL');
  if (!raw) return undefined;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error();
    return raw.replace(/\/+$/, '');
  } catch {
    r.fail('CXGRAPH_PUBLIC_URL', `expected an absolute http(s) URL, got ${r.shown('CXGRAPH_PUBLIC_URL', raw)}`);
    return undefined;
  }
}

const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;

/** The OTEL_* variables of the OpenTelemetry specification that cxgraph honours (README, "Operating it"). */
function tracingOf(r: EnvReader): TracingConfig {
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

const AUTH_VARIABLES = {
  'router-secret': ['CXGRAPH_ROUTER_SECRET'],
  jwt: ['CXGRAPH_JWT_JWKS_URL', 'CXGRAPH_JWT_ISSUER', 'CXGRAPH_JWT_AUDIENCE'],
} as const;

/**
 * CXGRAPH_AUTH, or the mode whose variables are set. Unset with nothing set is `none`, which production
 * refuses unless it is asked for explicitly: an unauthenticated subgraph must be a decision, not a default.
 */
function callerAuthOf(r: EnvReader, nodeEnv: NodeEnv): CallerAuthConfig {
  const given = r.str('CXGRAPH_AUTH');
  const modes = ['none', 'router-secret', 'jwt'] as const;
  const setOf = (m: keyof typeof AUTH_VARIABLES) => AUTH_VARIABLES[m].filter((n) => r.str(n) !== undefined);
  const secretSet = setOf('router-secret').length > 0;
  const jwtSet = setOf('jwt').length > 0;
  let mode: CallerAuthConfig['mode'];
  if (given) {
    mode = r.oneOf('CXGRAPH_AUTH', modes, 'none');
    if (!(modes as readonly string[]).includes(given.toLowerCase())) return { mode: 'none', explicit: false };
  } else if (secretSet && jwtSet) {
    r.fail('CXGRAPH_AUTH', 'both CXGRAPH_ROUTER_SECRET and CXGRAPH_JWT_* are set: choose router-secret or jwt');
    return { mode: 'none', explicit: false };
  } else {
    mode = secretSet ? 'router-secret' : jwtSet ? 'jwt' : 'none';
  }
  // Variables of another mode are a mistake worth reporting: the operator believes they protect something.
  for (const other of ['router-secret', 'jwt'] as const) {
    if (other === mode) continue;
    for (const n of setOf(other)) r.fail(n, `is set but CXGRAPH_AUTH is ${mode}; remove it or set CXGRAPH_AUTH=${other}`);
  }
  if (mode === 'none') {
    if (!given && nodeEnv === 'production') {
      r.fail(
        'CXGRAPH_AUTH',
        'required in production: router-secret (with CXGRAPH_ROUTER_SECRET), jwt (with CXGRAPH_JWT_JWKS_URL, CXGRAPH_JWT_ISSUER, CXGRAPH_JWT_AUDIENCE), or none to accept any caller on purpose',
      );
    }
    return { mode: 'none', explicit: Boolean(given) };
  }
  if (mode === 'router-secret') {
    const raw = r.str('CXGRAPH_ROUTER_SECRET');
    if (!raw) {
      r.fail('CXGRAPH_ROUTER_SECRET', 'required when CXGRAPH_AUTH=router-secret: the secret the router sends in x-router-secret (e.g. `openssl rand -base64 32`)');
      return { mode, secrets: [] };
    }
    const secrets = raw.split(',').map((s) => s.trim()).filter(Boolean);
    if (secrets.length === 0 || secrets.some((s) => s.length < 16)) {
      r.fail('CXGRAPH_ROUTER_SECRET', 'each comma-separated secret must be at least 16 characters (e.g. `openssl rand -base64 32`)');
    }
    return { mode, secrets };
  }
  const jwksRaw = r.str('CXGRAPH_JWT_JWKS_URL');
  const issuer = r.str('CXGRAPH_JWT_ISSUER');
  const audience = (r.str('CXGRAPH_JWT_AUDIENCE') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const [n, v] of [['CXGRAPH_JWT_JWKS_URL', jwksRaw], ['CXGRAPH_JWT_ISSUER', issuer]] as const) {
    if (!v) r.fail(n, 'required when CXGRAPH_AUTH=jwt');
  }
  if (audience.length === 0) r.fail('CXGRAPH_JWT_AUDIENCE', 'required when CXGRAPH_AUTH=jwt: the audience (aud) tokens must be issued for; several comma-separated');
  return {
    mode,
    jwksUrl: jwksRaw ? r.url('CXGRAPH_JWT_JWKS_URL', jwksRaw) : '',
    issuer: issuer ?? '',
    audience,
    clockToleranceSeconds: r.int('CXGRAPH_JWT_CLOCK_TOLERANCE_SECONDS', 30, 0, 600),
  };
}

export interface ResilienceConfig {
  /** Time limit of the TCP/TLS connect to an upstream, within the request's total upstreamTimeoutMs. */
  connectTimeoutMs: number;
  /** Requests in flight per provider, and requests waiting behind them. */
  maxConcurrentPerProvider: number;
  maxQueuedPerProvider: number;
  /** The circuit breaker per provider: consecutive failures that open it, their window, and the cool-down before a probe. */
  breakerFailures: number;
  breakerWindowMs: number;
  breakerCoolDownMs: number;
  /** How long SIGTERM waits for in-flight requests before cutting connections. */
  shutdownGraceMs: number;
}

function resilienceOf(r: EnvReader): ResilienceConfig {
  return {
    connectTimeoutMs: r.int('CXGRAPH_UPSTREAM_CONNECT_TIMEOUT_MS', 3_000, 50, 60_000),
    maxConcurrentPerProvider: r.int('CXGRAPH_UPSTREAM_CONCURRENCY', 32, 1, 10_000),
    // Large enough for a cold stampede of a few thousand queries (each waits at most the upstream time limit);
    // the cap is against unbounded memory under sustained overload, not against bursts.
    maxQueuedPerProvider: r.int('CXGRAPH_UPSTREAM_QUEUE', 4096, 0, 1_000_000),
    breakerFailures: r.int('CXGRAPH_BREAKER_FAILURES', 5, 1, 1000),
    breakerWindowMs: r.int('CXGRAPH_BREAKER_WINDOW_MS', 30_000, 100, 3_600_000),
    breakerCoolDownMs: r.int('CXGRAPH_BREAKER_COOLDOWN_MS', 10_000, 100, 3_600_000),
    shutdownGraceMs: r.int('CXGRAPH_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
  };
}

/** REDIS_CLUSTER_NODES: comma-separated seed URLs. Values are never echoed (they may hold a password). */
function clusterNodesOf(r: EnvReader, redisUrl: string | undefined): string[] | undefined {
  const raw = r.str('REDIS_CLUSTER_NODES');
  if (!raw) return undefined;
  const nodes = raw.split(',').map((n) => n.trim()).filter(Boolean);
  if (nodes.some((n) => !/^rediss?:\/\/[^/?#]+/.test(n))) {
    r.fail('REDIS_CLUSTER_NODES', 'expected comma-separated redis:// or rediss:// URLs, e.g. redis://10.0.0.1:6379,redis://10.0.0.2:6379');
  }
  if (redisUrl) r.fail('REDIS_CLUSTER_NODES', 'set REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both');
  return nodes;
}

/** `auto` (default) | `on` | `off`; `auto` is on in development and test, off in production. */
function onUnlessProduction(r: EnvReader, name: string, nodeEnv: NodeEnv): boolean {
  const v = r.oneOf(name, ['auto', 'on', 'off'] as const, 'auto');
  return v === 'on' || (v === 'auto' && nodeEnv !== 'production');
}

export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}

const CALLJOURNEY_BASE: Record<'us' | 'ca', string> = {
  us: 'https://platform.calljourney.com',
  ca: 'https://platform-ca.calljourney.com',
};

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const r = new EnvReader(env);
  const nodeEnv = r.oneOf('NODE_ENV', ['development', 'production', 'test'] as const, 'development');

  const encryptionKeys: Buffer[] = [];
  const keysRaw = r.str('CXGRAPH_ENCRYPTION_KEYS');
  if (keysRaw) {
    keysRaw.split(',').forEach((k, i) => {
      const buf = Buffer.from(k.trim(), 'base64');
      if (buf.length !== 32) r.fail('CXGRAPH_ENCRYPTION_KEYS', `key #${i + 1} must be 32 bytes in base64 (e.g. \`openssl rand -base64 32\`), got ${buf.length} bytes`);
      else encryptionKeys.push(buf);
    });
  }
  const redisUrl = r.str('REDIS_URL');
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) r.fail('REDIS_URL', 'expected redis:// or rediss:// URL');
  const redisClusterNodes = clusterNodesOf(r, redisUrl);
  const redisPrefix = r.str('CXGRAPH_REDIS_PREFIX') ?? 'cxgraph';
  // No braces: a hash tag in the prefix would put every key of a cluster in one slot.
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(redisPrefix)) r.fail('CXGRAPH_REDIS_PREFIX', `expected 1 to 64 letters, digits, '_', '.', ':' or '-', got ${r.shown('CXGRAPH_REDIS_PREFIX', redisPrefix)}`);
  if ((redisUrl || redisClusterNodes) && nodeEnv === 'production' && encryptionKeys.length === 0 && !keysRaw) {
    r.fail('CXGRAPH_ENCRYPTION_KEYS', `required in production when ${redisUrl ? 'REDIS_URL' : 'REDIS_CLUSTER_NODES'} is set, so tokens and secrets are encrypted at rest`);
  }

  const config: Config = {
    nodeEnv,
    port: r.int('PORT', 4001, 0, 65535),
    host: r.str('HOST') ?? '0.0.0.0',
    logLevel: r.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    publicUrl: publicUrlOf(r),
    redisUrl,
    redisClusterNodes,
    redisPrefix,
    resilience: resilienceOf(r),
    encryptionKeys,
    limits: {
      maxKeysPerBatch: r.int('CXGRAPH_MAX_KEYS_PER_BATCH', 500, 1, 100_000),
      recordingConcurrency: r.int('CXGRAPH_RECORDING_CONCURRENCY', 16, 1, 1024),
      upstreamTimeoutMs: r.int('CXGRAPH_UPSTREAM_TIMEOUT_MS', 10_000, 100, 300_000),
      retryAfterCapSeconds: r.int('CXGRAPH_RETRY_AFTER_CAP_SECONDS', 5, 0, 3600),
    },
    embeddedSimulators: false,
    introspection: onUnlessProduction(r, 'CXGRAPH_INTROSPECTION', nodeEnv),
    landingPage: onUnlessProduction(r, 'CXGRAPH_LANDING_PAGE', nodeEnv),
    tracing: tracingOf(r),
    auth: { mode: 'none', explicit: false },
    requestLimits: {
      maxDepth: r.int('CXGRAPH_MAX_DEPTH', 12, 1, 1000),
      maxAliases: r.int('CXGRAPH_MAX_ALIASES', 30, 0, 100_000),
      // 10000 fits the largest legitimate pages: 500 users × 10 fields ≈ 5000, 100 calls with media and agents ≈ 7100.
      maxCost: r.int('CXGRAPH_MAX_COST', 10_000, 1, 1_000_000_000),
      maxBodyBytes: r.int('CXGRAPH_MAX_BODY_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
      // 500 inline recording keys take about 8000 tokens; parsing and validating a 1 MiB document takes ~0.8 s.
      maxTokens: r.int('CXGRAPH_MAX_TOKENS', 20_000, 100, 10_000_000),
    },
  };

  const cj = r.group('CallJourney', ['CALLJOURNEY_TENANT_ID', 'CALLJOURNEY_CLIENT_ID', 'CALLJOURNEY_CLIENT_SECRET']);
  const cjRegion = r.oneOf('CALLJOURNEY_REGION', ['us', 'ca'] as const, 'us');
  if (cj) {
    const tenantId = cj.CALLJOURNEY_TENANT_ID!;
    const clientId = cj.CALLJOURNEY_CLIENT_ID!;
    config.calljourney = {
      tenantId,
      clientId,
      clientSecret: cj.CALLJOURNEY_CLIENT_SECRET!,
      region: cjRegion,
      baseUrl: r.optionalUrl('CALLJOURNEY_BASE_URL', CALLJOURNEY_BASE[cjRegion]),
      tokenUrl: r.optionalUrl('CALLJOURNEY_TOKEN_URL', `https://login.microsoftonline.com/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`),
      scope: `api://${clientId}/.default`,
    };
  }

  const sg = r.group('Sangoma CX', ['SANGOMA_CLIENT_ID', 'SANGOMA_CLIENT_SECRET']);
  if (sg) {
    const scopes = (r.str('SANGOMA_SCOPES') ?? 'cx.agent-calls cx.queue-calls').split(/[\s,]+/).filter(Boolean);
    if (scopes.length === 0) r.fail('SANGOMA_SCOPES', 'at least one scope is required, e.g. "cx.agent-calls cx.queue-calls"');
    config.sangoma = {
      clientId: sg.SANGOMA_CLIENT_ID!,
      clientSecret: sg.SANGOMA_CLIENT_SECRET!,
      scopes,
      baseUrl: r.optionalUrl('SANGOMA_BASE_URL', 'https://cpaas.sangoma.com/cx'),
      tokenUrl: r.optionalUrl('SANGOMA_TOKEN_URL', 'https://auth.sangoma.com/oauth/token'),
    };
  }

  const cxBase = r.str('CLOUDCX_BASE_URL');
  const cxKey = r.str('CLOUDCX_API_KEY');
  const cxPw = r.group('CloudCX (password grant)', ['CLOUDCX_CLIENT_ID', 'CLOUDCX_CLIENT_SECRET', 'CLOUDCX_USERNAME', 'CLOUDCX_PASSWORD']);
  if (cxKey || cxPw) {
    if (!cxBase) r.fail('CLOUDCX_BASE_URL', "required for CloudCX: the customer's CX domain, e.g. https://cx.example.com:9001");
    else {
      const baseUrl = r.url('CLOUDCX_BASE_URL', cxBase);
      config.cloudcx = {
        baseUrl,
        tokenUrl: `${baseUrl}/oauth/token`,
        auth: cxKey
          ? { kind: 'apiKey', apiKey: cxKey }
          : {
              kind: 'password',
              clientId: cxPw!.CLOUDCX_CLIENT_ID!,
              clientSecret: cxPw!.CLOUDCX_CLIENT_SECRET!,
              username: cxPw!.CLOUDCX_USERNAME!,
              password: cxPw!.CLOUDCX_PASSWORD!,
            },
      };
    }
  } else if (cxBase) {
    r.fail('CLOUDCX_API_KEY', 'CLOUDCX_BASE_URL is set: also set CLOUDCX_API_KEY, or CLOUDCX_CLIENT_ID, CLOUDCX_CLIENT_SECRET, CLOUDCX_USERNAME and CLOUDCX_PASSWORD');
  }

  const nvm = r.group('NewVoiceMedia', ['NVM_CLIENT_ID', 'NVM_CLIENT_SECRET']);
  const nvmRegion = r.oneOf('NVM_REGION', ['emea', 'nam', 'apac'] as const, 'emea');
  if (nvm) {
    config.nvm = {
      region: nvmRegion,
      clientId: nvm.NVM_CLIENT_ID!,
      clientSecret: nvm.NVM_CLIENT_SECRET!,
      authBaseUrl: r.optionalUrl('NVM_AUTH_BASE_URL', `https://${nvmRegion}.newvoicemedia.com`),
      apiBaseUrl: r.optionalUrl('NVM_API_BASE_URL', `https://${nvmRegion}.api.newvoicemedia.com`),
    };
  }

  const pbx = r.group('Telphin PBX', ['PBX_CLIENT_ID', 'PBX_CLIENT_SECRET', 'PBX_REDIRECT_URI']);
  if (pbx) {
    const redirectUri = pbx.PBX_REDIRECT_URI!;
    try {
      const u = new URL(redirectUri);
      if (!u.pathname.endsWith('/oauth/pbx/callback')) r.fail('PBX_REDIRECT_URI', `must be the public URL of cxgraph's /oauth/pbx/callback, got ${r.shown('PBX_REDIRECT_URI', redirectUri)}`);
    } catch {
      r.fail('PBX_REDIRECT_URI', `expected an absolute URL, got ${r.shown('PBX_REDIRECT_URI', redirectUri)}`);
    }
    const returnUrl = r.str('PBX_RETURN_URL');
    config.pbx = {
      baseUrl: r.optionalUrl('PBX_BASE_URL', 'https://apiproxy.telphin.ru'),
      clientId: pbx.PBX_CLIENT_ID!,
      clientSecret: pbx.PBX_CLIENT_SECRET!,
      redirectUri,
      returnUrl: returnUrl ? r.url('PBX_RETURN_URL', returnUrl) : undefined,
    };
  }

  config.auth = callerAuthOf(r, nodeEnv);

  const anyConfigured = Boolean(config.calljourney || config.sangoma || config.cloudcx || config.nvm || config.pbx);
  const simulators = r.oneOf('CXGRAPH_SIMULATORS', ['auto', 'on', 'off'] as const, 'auto');
  config.embeddedSimulators = simulators === 'on' || (simulators === 'auto' && !anyConfigured && nodeEnv !== 'production');

  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return deepFreeze(config);
}

/** The variables that configure each provider, for PROVIDER_NOT_CONFIGURED messages. */
export const PROVIDER_VARIABLES: Record<ProviderName, string> = {
  CALLJOURNEY: 'CALLJOURNEY_TENANT_ID, CALLJOURNEY_CLIENT_ID and CALLJOURNEY_CLIENT_SECRET',
  SANGOMA: 'SANGOMA_CLIENT_ID and SANGOMA_CLIENT_SECRET',
  CLOUDCX: 'CLOUDCX_BASE_URL and CLOUDCX_API_KEY (or CLOUDCX_CLIENT_ID, CLOUDCX_CLIENT_SECRET, CLOUDCX_USERNAME, CLOUDCX_PASSWORD)',
  NEWVOICEMEDIA: 'NVM_CLIENT_ID and NVM_CLIENT_SECRET',
  PBX: 'PBX_CLIENT_ID, PBX_CLIENT_SECRET and PBX_REDIRECT_URI',
};

/** A summary safe to log at start-up: what is configured and where, never a credential. */
export function describeConfig(c: Config): Record<string, unknown> {
  return {
    nodeEnv: c.nodeEnv,
    store: c.redisClusterNodes ? 'redis-cluster' : c.redisUrl ? 'redis' : 'memory',
    encryptionAtRest: c.encryptionKeys.length > 0,
    introspection: c.introspection,
    landingPage: c.landingPage,
    callerAuth: c.auth.mode === 'jwt' ? { mode: 'jwt', issuer: c.auth.issuer, audience: c.auth.audience } : c.auth.mode,
    providers: {
      CALLJOURNEY: c.calljourney ? { region: c.calljourney.region, baseUrl: c.calljourney.baseUrl } : 'not configured',
      SANGOMA: c.sangoma ? { baseUrl: c.sangoma.baseUrl, scopes: c.sangoma.scopes } : 'not configured',
      CLOUDCX: c.cloudcx ? { baseUrl: c.cloudcx.baseUrl, auth: c.cloudcx.auth.kind } : 'not configured',
      NEWVOICEMEDIA: c.nvm ? { region: c.nvm.region, apiBaseUrl: c.nvm.apiBaseUrl } : 'not configured',
      PBX: c.pbx ? { baseUrl: c.pbx.baseUrl, redirectUri: c.pbx.redirectUri } : 'not configured',
    },
  };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Buffer.isBuffer(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
