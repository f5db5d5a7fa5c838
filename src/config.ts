/**
 * The only reader of the environment. `loadConfig` parses and validates every variable once, reports
 * every problem in one message that names the variables (and never a secret's value), and returns a
 * frozen object. Variables are documented in `.env.example` and the README's configuration table.
 */
import { isIP } from 'node:net';
import type { ProviderName } from './providers/names.js';

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

export interface Config {
  nodeEnv: NodeEnv;
  port: number;
  host: string;
  logLevel: string;
  /** The public base URL of this service (for links it gives out); unset = derived from each request's Host. */
  publicUrl?: string;
  redisUrl?: string;
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
  calljourney?: CallJourneyConfig;
  sangoma?: SangomaConfig;
  cloudcx?: CloudCxConfig;
  nvm?: NvmConfig;
  pbx?: PbxConfig;
}

/** Variables whose values may be secret: never echoed, whatever is wrong with them. */
const SECRET_VARIABLES = /SECRET|PASSWORD|API_KEY|ENCRYPTION_KEYS|REDIS_URL|TOKEN$/;

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
    return SECRET_VARIABLES.test(name) ? '(value hidden)' : JSON.stringify(value);
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
  if (redisUrl && nodeEnv === 'production' && encryptionKeys.length === 0 && !keysRaw) {
    r.fail('CXGRAPH_ENCRYPTION_KEYS', 'required in production when REDIS_URL is set, so tokens and secrets are encrypted at rest');
  }

  const config: Config = {
    nodeEnv,
    port: r.int('PORT', 4001, 0, 65535),
    host: r.str('HOST') ?? '0.0.0.0',
    logLevel: r.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    publicUrl: publicUrlOf(r),
    redisUrl,
    encryptionKeys,
    limits: {
      maxKeysPerBatch: r.int('CXGRAPH_MAX_KEYS_PER_BATCH', 500, 1, 100_000),
      recordingConcurrency: r.int('CXGRAPH_RECORDING_CONCURRENCY', 16, 1, 1024),
      upstreamTimeoutMs: r.int('CXGRAPH_UPSTREAM_TIMEOUT_MS', 10_000, 100, 300_000),
      retryAfterCapSeconds: r.int('CXGRAPH_RETRY_AFTER_CAP_SECONDS', 5, 0, 3600),
    },
    embeddedSimulators: false,
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
    store: c.redisUrl ? 'redis' : 'memory',
    encryptionAtRest: c.encryptionKeys.length > 0,
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
