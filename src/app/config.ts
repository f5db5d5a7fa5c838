/**
 * The only reader of the environment. `loadConfig` parses and validates every variable once, reports
 * every problem in one message that names the variables (and never a secret's value), and returns a
 * frozen object. Variables are documented in `.env.example` and docs/configuration.md.
 */
import type { ConfiguredProvider, ProviderModule } from '../providers/provider-module.js';
import { corsOf, landingPageOf, type CorsConfig, type LandingPage } from '../config/browser-access-config.js';
import { apqOf, type ApqConfig } from '../config/apq-config.js';
import { callerAuthOf, type CallerAuthConfig } from '../config/caller-auth-config.js';
import { ConfigError, EnvReader, type Env, type NodeEnv } from '../config/env-reader.js';
import { mediaLinksOf, type MediaLinksConfig } from '../config/media-links-config.js';
import { readManifest, type PersistedDocumentsConfig } from '../security/persisted-documents.js';
import { resilienceOf, type ResilienceConfig } from '../config/resilience-config.js';
import { tracingOf, type TracingConfig } from '../config/tracing-config.js';
import { PROVIDERS } from '../providers/index.js';
import { keyId } from '../store/secret-box.js';
import { tenancyOf, type TenancyConfig } from '../tenancy/tenancy-config.js';
import { checkAccountRateLimits } from '../tenancy/account-limits.js';

export { ConfigError, type NodeEnv };

/** Abuse limits of one GraphQL request (src/security/query-limits.ts). */
export interface RequestLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  maxBodyBytes: number;
  /** Lexical tokens per document: the parser stops a huge document before it is parsed and validated. */
  maxTokens: number;
  /** Upstream calls one operation may cause, counted before it runs (src/security/upstream-budget.ts). */
  maxUpstreamCallsPerRequest: number;
}

export interface Config {
  nodeEnv: NodeEnv;
  port: number;
  host: string;
  logLevel: string;
  /** CXGRAPH_PUBLIC_URL: the public base URL of this service (links it gives out); unset = the listen address. */
  publicUrl?: string;
  /** Signed media links (src/security/media-links.ts): base URL, lifetime, keys. */
  media: MediaLinksConfig;
  /** CXGRAPH_SCOPE_DIRECTIVES: whether `_service { sdl }` carries `@requiresScopes` (src/server/scopes.ts). */
  scopeDirectives: boolean;
  redisUrl?: string;
  /** Seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES), set instead of redisUrl; the others are discovered. */
  redisClusterNodes?: string[];
  /** Prefix of every key cxgraph writes to Redis (CXGRAPH_REDIS_PREFIX), so deployments can share one Redis. */
  redisPrefix: string;
  /**
   * CXGRAPH_SCHEMA_PREFIX: put in front of every type name cxgraph defines, and (camelCased) of every root field, so
   * cxgraph composes next to a supergraph's own User, Call, users… (src/graphql/schema.ts). '' = names as written.
   */
  schemaPrefix: string;
  /** Upstream fault handling and shutdown (docs/reliability.md). */
  resilience: ResilienceConfig;
  /**
   * The sealing key (CXGRAPH_ENCRYPTION_KEYS) first, then the read-only keys (CXGRAPH_DECRYPTION_KEYS, and any
   * further CXGRAPH_ENCRYPTION_KEYS entry). Empty = values at rest are not encrypted (allowed outside production).
   */
  encryptionKeys: Buffer[];
  limits: {
    maxKeysPerBatch: number;
    upstreamTimeoutMs: number;
    retryAfterCapSeconds: number;
    /** Largest upstream JSON or token answer read (CXGRAPH_MAX_RESPONSE_BYTES); media streams are not capped. */
    maxResponseBytes: number;
  };
  /** True when no provider is configured and the built-in simulators should be started. */
  embeddedSimulators: boolean;
  /** CXGRAPH_SIMULATORS=multi-tenant: the simulators start a second time for a second demo tenant (docs/configuration.md). */
  demoTenants: boolean;
  /** GraphQL introspection (CXGRAPH_INTROSPECTION): on outside production unless set. */
  introspection: boolean;
  /** The page `GET /` shows in a browser (CXGRAPH_LANDING_PAGE): Apollo Sandbox outside production unless set. */
  landingPage: LandingPage;
  /** CXGRAPH_CORS_ORIGINS / CXGRAPH_CORS_CREDENTIALS: the other origins whose pages may call cxgraph (src/server/cors.ts). */
  cors: CorsConfig;
  tracing: TracingConfig;
  auth: CallerAuthConfig;
  requestLimits: RequestLimits;
  /** Automatic persisted queries (Apollo's APQ), kept in the shared Redis when there is one (src/server/persisted-queries.ts). */
  apq: ApqConfig;
  /** CXGRAPH_PERSISTED_DOCUMENTS(_ONLY): the trusted documents, read at start-up (src/security/persisted-documents.ts). */
  persistedDocuments?: PersistedDocumentsConfig;
  /** Every provider module cxgraph knows (PROVIDERS, or a list a test passes), in the order `providers` lists them. */
  modules: readonly ProviderModule[];
  /** The configured ones, with their configuration. */
  providers: readonly ConfiguredProvider[];
  /** Tenants and accounts (docs/tenancy.md): single-tenant, as before, unless a tenant claim or header is set. */
  tenancy: TenancyConfig;
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

/** What CXGRAPH_SCHEMA_PREFIX may be: the start of a GraphQL type name, e.g. `Cx` (served `CxUser`, `cxUsers`). */
export const SCHEMA_PREFIX_PATTERN = /^[A-Z][A-Za-z0-9]*$/;

function schemaPrefixOf(r: EnvReader): string {
  const raw = r.str('CXGRAPH_SCHEMA_PREFIX');
  if (raw === undefined) return '';
  if (!SCHEMA_PREFIX_PATTERN.test(raw) || raw.length > 32) {
    r.fail(
      'CXGRAPH_SCHEMA_PREFIX',
      `expected the start of a GraphQL type name: a capital letter, then up to 31 letters or digits (e.g. Cx), got ${r.shown('CXGRAPH_SCHEMA_PREFIX', raw)}`,
    );
    return '';
  }
  return raw;
}

/** CXGRAPH_PERSISTED_DOCUMENTS: a readable Apollo persisted query manifest; CXGRAPH_PERSISTED_DOCUMENTS_ONLY needs it. */
function persistedDocumentsOf(r: EnvReader): PersistedDocumentsConfig | undefined {
  const path = r.str('CXGRAPH_PERSISTED_DOCUMENTS');
  const only = r.oneOf('CXGRAPH_PERSISTED_DOCUMENTS_ONLY', ['true', 'false'] as const, 'false') === 'true';
  if (!path) {
    if (only) r.fail('CXGRAPH_PERSISTED_DOCUMENTS_ONLY', 'true needs CXGRAPH_PERSISTED_DOCUMENTS: the path of the manifest of the documents to allow');
    return undefined;
  }
  const manifest = readManifest(path);
  if (!manifest.ok) {
    r.fail('CXGRAPH_PERSISTED_DOCUMENTS', manifest.problem);
    return undefined;
  }
  return { path, only, operations: manifest.operations };
}

/** REDIS_CLUSTER_NODES: comma-separated seed URLs. Values are never echoed (they may hold a password). */
function clusterNodesOf(r: EnvReader, redisUrl: string | undefined): string[] | undefined {
  const raw = r.str('REDIS_CLUSTER_NODES');
  if (!raw) return undefined;
  const nodes = raw
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
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

/** A comma-separated list of base64 32-byte keys; every bad one is a problem naming its position, never its value. */
function keysOf(r: EnvReader, name: string): Buffer[] {
  const keys: Buffer[] = [];
  (r.str(name) ?? '')
    .split(',')
    .map((k) => k.trim())
    .forEach((k, i, all) => {
      if (!k) {
        if (all.length > 1) r.fail(name, `key #${i + 1} is empty (a stray comma?)`);
        return;
      }
      const buf = Buffer.from(k, 'base64');
      if (buf.length !== 32) r.fail(name, `key #${i + 1} must be 32 bytes in base64 (e.g. \`openssl rand -base64 32\`), got ${buf.length} bytes`);
      else keys.push(buf);
    });
  return keys;
}

/** What the environment cannot carry: the demo tenant's accounts once its simulators have started (src/index.ts). */
export interface ConfigExtras {
  /** CXGRAPH_SIMULATORS=multi-tenant: the accounts document of src/simulators/embedded.ts (`demo.accounts`). */
  demoAccounts?: unknown;
}

export function loadConfig(env: Env = process.env, modules: readonly ProviderModule[] = PROVIDERS, extras: ConfigExtras = {}): Readonly<Config> {
  const r = new EnvReader(env);
  const nodeEnv = r.oneOf('NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  const simulators = r.oneOf('CXGRAPH_SIMULATORS', ['auto', 'on', 'off', 'multi-tenant'] as const, 'auto');
  const demoTenants = simulators === 'multi-tenant';
  if (demoTenants && nodeEnv === 'production') {
    r.fail(
      'CXGRAPH_SIMULATORS',
      'multi-tenant is a local demo (simulated platforms, the tenant taken from a header anyone may send): not in production; use CXGRAPH_ACCOUNTS_FILE and a tenant claim or header (docs/tenancy.md)',
    );
  }

  const sealingKeys = keysOf(r, 'CXGRAPH_ENCRYPTION_KEYS');
  const readOnlyKeys = keysOf(r, 'CXGRAPH_DECRYPTION_KEYS');
  if (readOnlyKeys.length > 0 && sealingKeys.length === 0) {
    r.fail(
      'CXGRAPH_DECRYPTION_KEYS',
      'read-only keys only open values: set CXGRAPH_ENCRYPTION_KEYS too, the key that seals (docs/security.md: rotating encryption keys)',
    );
  }
  // The sealing key first, then every key that only opens (a second key in CXGRAPH_ENCRYPTION_KEYS is read-only too).
  const encryptionKeys = [...sealingKeys, ...readOnlyKeys].filter((k, i, all) => all.findIndex((o) => o.equals(k)) === i);
  const keysRaw = r.str('CXGRAPH_ENCRYPTION_KEYS');
  const redisUrl = r.str('REDIS_URL');
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) r.fail('REDIS_URL', 'expected redis:// or rediss:// URL');
  const redisClusterNodes = clusterNodesOf(r, redisUrl);
  const redisPrefix = r.str('CXGRAPH_REDIS_PREFIX') ?? 'cxgraph';
  // No braces: a hash tag in the prefix would put every key of a cluster in one slot.
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(redisPrefix))
    r.fail('CXGRAPH_REDIS_PREFIX', `expected 1 to 64 letters, digits, '_', '.', ':' or '-', got ${r.shown('CXGRAPH_REDIS_PREFIX', redisPrefix)}`);
  if ((redisUrl || redisClusterNodes) && nodeEnv === 'production' && encryptionKeys.length === 0 && !keysRaw) {
    r.fail(
      'CXGRAPH_ENCRYPTION_KEYS',
      `required in production when ${redisUrl ? 'REDIS_URL' : 'REDIS_CLUSTER_NODES'} is set, so tokens and secrets are encrypted at rest`,
    );
  }

  const config: Config = {
    nodeEnv,
    port: r.int('PORT', 4001, 0, 65535),
    host: r.str('HOST') ?? '0.0.0.0',
    logLevel: r.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    publicUrl: publicUrlOf(r),
    media: { ttlSeconds: 300, keys: [], keySource: 'random' },
    scopeDirectives: r.oneOf('CXGRAPH_SCOPE_DIRECTIVES', ['on', 'off'] as const, 'on') === 'on',
    redisUrl,
    redisClusterNodes,
    redisPrefix,
    schemaPrefix: schemaPrefixOf(r),
    resilience: resilienceOf(
      r,
      modules,
      redisUrl
        ? { target: { url: redisUrl }, prefix: redisPrefix }
        : redisClusterNodes
          ? { target: { cluster: redisClusterNodes }, prefix: redisPrefix }
          : undefined,
    ),
    encryptionKeys,
    limits: {
      maxKeysPerBatch: r.int('CXGRAPH_MAX_KEYS_PER_BATCH', 500, 1, 100_000),
      upstreamTimeoutMs: r.int('CXGRAPH_UPSTREAM_TIMEOUT_MS', 10_000, 100, 300_000),
      retryAfterCapSeconds: r.int('CXGRAPH_RETRY_AFTER_CAP_SECONDS', 5, 0, 3600),
      maxResponseBytes: r.int('CXGRAPH_MAX_RESPONSE_BYTES', 4 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    },
    embeddedSimulators: false,
    demoTenants: false,
    introspection: onUnlessProduction(r, 'CXGRAPH_INTROSPECTION', nodeEnv),
    landingPage: landingPageOf(r, nodeEnv),
    cors: corsOf(r),
    tracing: tracingOf(r),
    apq: apqOf(r),
    persistedDocuments: persistedDocumentsOf(r),
    auth: { mode: 'none', explicit: false },
    modules,
    providers: [],
    tenancy: { multiTenant: false },
    requestLimits: {
      maxDepth: r.int('CXGRAPH_MAX_DEPTH', 12, 1, 1000),
      maxAliases: r.int('CXGRAPH_MAX_ALIASES', 30, 0, 100_000),
      // 10000 fits the largest legitimate pages: 500 users × 10 fields ≈ 5000, 100 calls with media and agents ≈ 7100.
      maxCost: r.int('CXGRAPH_MAX_COST', 10_000, 1, 1_000_000_000),
      maxBodyBytes: r.int('CXGRAPH_MAX_BODY_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
      // 500 inline recording keys take about 8000 tokens; parsing and validating a 1 MiB document takes ~0.8 s.
      maxTokens: r.int('CXGRAPH_MAX_TOKENS', 20_000, 100, 10_000_000),
      // 1000 holds two full recording batches (2 × 500 keys) or a page of 100 calls with their recordings.
      maxUpstreamCallsPerRequest: r.int('CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST', 1000, 1, 1_000_000),
    },
  };

  for (const module of modules) {
    const own = module.loadConfig(r);
    if (own !== undefined) config.providers = [...config.providers, { module, config: own }];
  }

  config.auth = callerAuthOf(r, nodeEnv);
  config.tenancy = tenancyOf(r, env, {
    nodeEnv,
    auth: config.auth,
    modules,
    fromVariables: config.providers.map((p) => p.module.name),
    ...(demoTenants ? { demo: { accounts: extras.demoAccounts } } : {}),
  });
  // `PROVIDER@tenant/account` entries of CXGRAPH_UPSTREAM_RATE_LIMITS name accounts that exist, each limited in one place.
  checkAccountRateLimits(r, {
    rateLimits: config.resilience.upstreamRateLimits,
    modules,
    fromVariables: config.providers.map((p) => p.module.name),
    snapshot: config.tenancy.accountsFile?.snapshot,
    fileSet: r.str('CXGRAPH_ACCOUNTS_FILE') !== undefined,
  });
  // Providers offering `media` stream it through cxgraph's /media/ routes, on signed links.
  const mediaProviders = config.providers.filter((p) => p.module.capabilities.includes('media')).map((p) => p.module.name);
  config.media = mediaLinksOf(r, { nodeEnv, publicUrl: config.publicUrl, encryptionKeys, mediaProviders });
  if (!config.scopeDirectives && nodeEnv === 'production' && config.auth.mode !== 'jwt') {
    r.fail(
      'CXGRAPH_SCOPE_DIRECTIVES',
      `off leaves @requiresScopes to no one when CXGRAPH_AUTH is ${config.auth.mode}: in production, turn it off only with CXGRAPH_AUTH=jwt (cxgraph then checks the scopes itself)`,
    );
  }

  const anyConfigured = config.providers.length > 0 || (config.tenancy.accountsFile?.snapshot.tenants.size ?? 0) > 0;
  config.embeddedSimulators = simulators === 'on' || demoTenants || (simulators === 'auto' && !anyConfigured && nodeEnv !== 'production');
  config.demoTenants = demoTenants && nodeEnv !== 'production';

  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return deepFreeze(config);
}

/**
 * The process environment with `overrides` on top (the embedded simulators' variables), validated as loadConfig does:
 * so the bootstrap never reads process.env itself.
 */
export function loadConfigOver(overrides: Env, modules: readonly ProviderModule[] = PROVIDERS, extras: ConfigExtras = {}): Readonly<Config> {
  return loadConfig({ ...process.env, ...overrides }, modules, extras);
}

/** One configured provider's own configuration (the shape its module's loadConfig returns), or undefined. */
export function providerConfig<C>(c: Config, name: string): C | undefined {
  return c.providers.find((p) => p.module.name === name)?.config as C | undefined;
}

/** The configured provider names, in list order. */
export function configuredProviders(c: Config): string[] {
  return c.providers.map((p) => p.module.name);
}

/** A summary safe to log at start-up: what is configured and where, never a credential. */
export function describeConfig(c: Config): Record<string, unknown> {
  return {
    nodeEnv: c.nodeEnv,
    store: c.redisClusterNodes ? 'redis-cluster' : c.redisUrl ? 'redis' : 'memory',
    encryptionAtRest: c.encryptionKeys.length > 0,
    // Key ids (a hash prefix, not secret) say which rotation step a replica is at.
    ...(c.encryptionKeys.length > 0 ? { sealingKeyId: keyId(c.encryptionKeys[0]!), readOnlyKeyIds: c.encryptionKeys.slice(1).map(keyId) } : {}),
    introspection: c.introspection,
    landingPage: c.landingPage,
    cors: c.cors.origins.length ? { origins: c.cors.origins, credentials: c.cors.credentials } : 'no other origin',
    callerAuth: c.auth.mode === 'jwt' ? { mode: 'jwt', issuer: c.auth.issuer, audience: c.auth.audience } : c.auth.mode,
    scopeDirectives: c.scopeDirectives ? 'served' : 'left out of _service { sdl }',
    mediaLinks: { publicUrl: c.publicUrl ?? 'the listen address', ttlSeconds: c.media.ttlSeconds, signingKey: c.media.keySource },
    persistedDocuments: c.persistedDocuments
      ? { manifest: c.persistedDocuments.path, operations: c.persistedDocuments.operations.length, only: c.persistedDocuments.only }
      : 'off',
    upstreamRateLimits: Object.keys(c.resilience.upstreamRateLimits).length
      ? {
          perSecond: c.resilience.upstreamRateLimits,
          counted: c.resilience.fleet ? 'across every replica on the Redis' : 'per process (no Redis): N replicas may send N times the limit',
        }
      : 'none',
    persistedQueries: {
      store: c.apq.cacheRedisUrl
        ? 'its own Redis (CXGRAPH_CACHE_REDIS_URL, shared by replicas)'
        : c.redisClusterNodes || c.redisUrl
          ? 'Redis (shared by replicas)'
          : 'process memory',
      ttlSeconds: c.apq.ttlSeconds,
      maxBytes: c.apq.maxBytes,
    },
    providers: Object.fromEntries(
      c.modules.map((m) => {
        const configured = c.providers.find((p) => p.module === m);
        return [m.name, configured ? m.describe(configured.config) : 'not configured'];
      }),
    ),
  };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Buffer.isBuffer(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
