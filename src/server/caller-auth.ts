/**
 * Who may call cxgraph (CXGRAPH_AUTH): nobody checked (`none`, the embedded default), the router holding a
 * shared secret (`router-secret`, header `x-router-secret`), or any caller with a bearer JWT that verifies
 * against a configured JWKS, issuer and audience (`jwt`). A refused request never reaches Apollo or a
 * provider route: it gets 401 with a GraphQL-shaped body (`extensions.code = UNAUTHENTICATED`) and a
 * `WWW-Authenticate` challenge. Nothing a caller sent is ever echoed or logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { CallerAuthConfig } from '../config/caller-auth-config.js';
import type { Logger } from '../observability/logger.js';
import { isMediaPath } from '../security/media-links.js';

export const ROUTER_SECRET_HEADER = 'x-router-secret';
const REALM = 'cxgraph';

/**
 * Only asymmetric algorithms: a key set holds public keys, and accepting HS* would let anyone who has the
 * public key sign tokens (algorithm confusion). `none` is never accepted by jose anyway.
 */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

import type { Caller } from '../domain/caller.js';
export type { Caller } from '../domain/caller.js';

export type AuthOutcome =
  | { ok: true; caller: Caller }
  /** 401: the caller's fault. 503: ours (the key set could not be fetched); the caller may retry. */
  | { ok: false; status: 401 | 503; message: string; challenge?: string; reason: string };

export interface CallerAuth {
  readonly mode: CallerAuthConfig['mode'];
  authenticate(headers: IncomingHttpHeaders): Promise<AuthOutcome>;
}

export interface CallerAuthOptions {
  logger?: Logger;
  /** JWKS fetch time limit in ms (jose default 5000). */
  jwksTimeoutMs?: number;
  /**
   * Where the tenant comes from in multi-tenant mode: a claim of the JWT (jwt) or a header the router sets
   * (router-secret). A header in `none` mode is the caller's own word: the configuration allows it only for the local
   * demo (CXGRAPH_SIMULATORS=multi-tenant), never in production (src/tenancy/tenancy-config.ts).
   */
  tenant?: { claim?: string; header?: string };
}

export function createCallerAuth(config: CallerAuthConfig, opts: CallerAuthOptions = {}): CallerAuth {
  switch (config.mode) {
    case 'none': {
      const header = opts.tenant?.header;
      const anyone: CallerAuth = { mode: 'none', authenticate: async () => ({ ok: true, caller: { kind: 'anonymous' } }) };
      return withTenant(anyone, header ? tenantFromHeader(header) : undefined, `the request has no usable ${header} header`);
    }
    case 'router-secret':
      return withTenant(
        routerSecretAuth(config.secrets),
        opts.tenant?.header ? tenantFromHeader(opts.tenant.header) : undefined,
        'the router sent no usable tenant header',
      );
    case 'jwt':
      return withTenant(
        jwtAuth(config, opts),
        opts.tenant?.claim ? (_headers, caller) => caller.tenant : undefined,
        'the bearer token carries no usable tenant claim',
      );
  }
}

const TENANT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/i;

function tenantFromHeader(header: string): (headers: IncomingHttpHeaders) => string | undefined {
  return (headers) => single(headers[header])?.trim();
}

/**
 * Multi-tenant mode: an authenticated caller must name a well-formed tenant, or is refused (never served as `default`).
 * The refusal says where the tenant was expected, never what was sent.
 */
function withTenant(auth: CallerAuth, tenantOf: ((headers: IncomingHttpHeaders, caller: Caller) => string | undefined) | undefined, where: string): CallerAuth {
  if (!tenantOf) return auth;
  return {
    mode: auth.mode,
    async authenticate(headers) {
      const outcome = await auth.authenticate(headers);
      if (!outcome.ok) return outcome;
      const tenant = tenantOf(headers, outcome.caller);
      if (!tenant || !TENANT_NAME.test(tenant)) {
        return refuse(
          401,
          `The request names no tenant: ${where} (a name of letters, digits, '-' and '_' is expected)`,
          tenant ? 'malformed tenant' : 'no tenant',
        );
      }
      return { ok: true, caller: { ...outcome.caller, tenant } };
    },
  };
}

function routerSecretAuth(secrets: readonly string[]): CallerAuth {
  // Compared as SHA-256 digests: equal lengths for timingSafeEqual, and no early exit that would reveal
  // how much of a guess was right or how long the secret is.
  const digests = secrets.map(sha256);
  const challenge = `RouterSecret realm="${REALM}", header="${ROUTER_SECRET_HEADER}"`;
  return {
    mode: 'router-secret',
    async authenticate(headers) {
      const given = single(headers[ROUTER_SECRET_HEADER]);
      if (given === undefined || given === '') {
        return refuse(
          401,
          `Authentication required: send the router's shared secret in the ${ROUTER_SECRET_HEADER} header`,
          'missing router secret',
          challenge,
        );
      }
      const d = sha256(given);
      let match = false;
      // Every configured secret is compared (rotation: old and new are both accepted for a while).
      for (const s of digests) match = timingSafeEqual(d, s) || match;
      if (!match) return refuse(401, `The ${ROUTER_SECRET_HEADER} header does not match the configured router secret`, 'wrong router secret', challenge);
      return { ok: true, caller: { kind: 'router' } };
    },
  };
}

function jwtAuth(config: Extract<CallerAuthConfig, { mode: 'jwt' }>, opts: CallerAuthOptions): CallerAuth {
  const claim = opts.tenant?.claim;
  // jose caches the key set (10 min), refetches on an unknown `kid` (at most every 30 s) and shares one
  // in-flight fetch between concurrent requests.
  const keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: opts.jwksTimeoutMs ?? 5_000 });
  const bearer = `Bearer realm="${REALM}"`;
  return {
    mode: 'jwt',
    async authenticate(headers) {
      const authorization = single(headers.authorization);
      const m = authorization === undefined ? null : /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(authorization);
      if (!m) {
        // RFC 6750 §3.1: no error code when the request carried no credentials at all.
        const what = authorization === undefined ? 'Authentication required' : 'The Authorization header is not a bearer token';
        return refuse(
          401,
          `${what}: send Authorization: Bearer <JWT>`,
          authorization === undefined ? 'missing bearer token' : 'not a bearer token',
          authorization === undefined ? bearer : invalidToken(bearer, 'not a bearer token'),
        );
      }
      try {
        const { payload } = await jwtVerify(m[1]!, keys, {
          issuer: config.issuer,
          audience: config.audience,
          algorithms: JWT_ALGORITHMS,
          requiredClaims: ['exp'],
          clockTolerance: config.clockToleranceSeconds,
          // CXGRAPH_JWT_MAX_AGE_SECONDS: requires `iat`, refuses it too old or in the future (beyond the tolerance).
          ...(config.maxAgeSeconds > 0 ? { maxTokenAge: config.maxAgeSeconds } : {}),
        });
        // Without a maximum age jose leaves `iat` unchecked: one in the future is refused all the same.
        if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + config.clockToleranceSeconds) {
          throw new joseErrors.JWTClaimValidationFailed('"iat" claim timestamp check failed (it should be in the past)', payload, 'iat', 'check_failed');
        }
        const tenant = claim !== undefined && typeof payload[claim] === 'string' ? (payload[claim] as string) : undefined;
        return {
          ok: true,
          caller: {
            kind: 'jwt',
            subject: typeof payload.sub === 'string' ? payload.sub.slice(0, 256) : undefined,
            scopes: scopesOf(payload),
            ...(tenant !== undefined ? { tenant } : {}),
          },
        };
      } catch (e) {
        const why = tokenProblem(e);
        if (why) return refuse(401, `The bearer token was refused: ${why}`, why, invalidToken(bearer, why));
        // The key set could not be fetched or read: not the caller's fault, and worth an operator's attention.
        opts.logger?.error(
          { err: e instanceof Error ? `${e.name}: ${e.message}` : String(e), jwksUrl: config.jwksUrl },
          'caller authentication unavailable: the JWKS could not be fetched',
        );
        return refuse(503, 'Caller authentication is unavailable right now (the key set could not be fetched); try again', 'key set unavailable');
      }
    },
  };
}

/** The scopes of a verified token: `scope` and `scp` together; a claim of another shape grants nothing. */
export function scopesOf(claims: Readonly<Record<string, unknown>>): ReadonlySet<string> {
  const scopes = new Set<string>();
  const words = (v: unknown) => (typeof v === 'string' ? v.split(/\s+/) : []);
  for (const s of words(claims.scope)) if (s) scopes.add(s);
  const scp = Array.isArray(claims.scp) ? claims.scp.filter((s): s is string => typeof s === 'string') : words(claims.scp);
  for (const s of scp) if (s) scopes.add(s);
  return scopes;
}

/** Why a token was refused, in words safe to send back; undefined when the failure is ours (key set unavailable). */
function tokenProblem(e: unknown): string | undefined {
  if (e instanceof joseErrors.JWTExpired)
    return e.claim === 'iat' ? 'it was issued too far in the past (older than CXGRAPH_JWT_MAX_AGE_SECONDS allows)' : 'it has expired';
  if (e instanceof joseErrors.JWTClaimValidationFailed) return `claim check failed (${e.message})`;
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return 'its algorithm is not accepted';
  if (e instanceof joseErrors.JWKSNoMatchingKey || e instanceof joseErrors.JWKSMultipleMatchingKeys) return 'no key of the configured key set matches it';
  if (
    e instanceof joseErrors.JWSInvalid ||
    e instanceof joseErrors.JWTInvalid ||
    e instanceof joseErrors.JOSENotSupported ||
    e instanceof joseErrors.JWKInvalid
  ) {
    return 'it is not a well-formed signed JWT';
  }
  return undefined;
}

function invalidToken(challenge: string, why: string): string {
  return `${challenge}, error="invalid_token", error_description="${why.replace(/["\\]/g, "'")}"`;
}

function refuse(status: 401 | 503, message: string, reason: string, challenge?: string): AuthOutcome {
  return { ok: false, status, message, reason, challenge };
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Answers a refused request: GraphQL-shaped JSON, so clients and the router read it like any other error. */
export function sendAuthFailure(res: ServerResponse, outcome: Extract<AuthOutcome, { ok: false }>): void {
  const text = JSON.stringify({ errors: [{ message: outcome.message, extensions: { code: 'UNAUTHENTICATED' } }] });
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  };
  if (outcome.challenge) headers['www-authenticate'] = outcome.challenge;
  if (outcome.status === 503) headers['retry-after'] = '5';
  res.writeHead(outcome.status, headers);
  res.end(text);
}

/** Routes anyone may call: probes, metrics, and the PBX callback (a browser, guarded by its single-use state). */
const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/oauth/pbx/callback']);
const GRAPHQL_PATHS = new Set(['/', '/graphql']);

/**
 * Whether a request must present credentials. Everything does but the public paths, a browser's GET of the
 * Sandbox landing page (static HTML; with no `query` or `extensions` parameter Apollo executes nothing), and the
 * media routes, which are reached through signed links instead (src/security/media-links.ts).
 */
export function requiresCallerAuth(method: string | undefined, url: URL, headers: IncomingHttpHeaders): boolean {
  if (PUBLIC_PATHS.has(url.pathname) || isMediaPath(url.pathname)) return false;
  if (method === 'GET' && GRAPHQL_PATHS.has(url.pathname) && !url.searchParams.has('query') && !url.searchParams.has('extensions')) {
    const accept = single(headers.accept) ?? '';
    if (accept.includes('text/html')) return false;
  }
  return true;
}

/** Whether a request sends credentials of either mode (a bearer token, the router secret), whether or not they verify. */
export function carriesCredentials(headers: IncomingHttpHeaders): boolean {
  return headers.authorization !== undefined || headers[ROUTER_SECRET_HEADER] !== undefined;
}

/** The start-up warning when callers are not authenticated; undefined when they are. */
export function callerAuthWarning(config: CallerAuthConfig, production: boolean): string | undefined {
  if (config.mode !== 'none') return undefined;
  return production
    ? 'CXGRAPH_AUTH=none: the GraphQL endpoint accepts any caller (and so hands anyone signed media links). Put cxgraph behind a router that authenticates, or set CXGRAPH_AUTH=router-secret or jwt.'
    : 'Caller authentication is off (CXGRAPH_AUTH unset): any caller can query the GraphQL endpoint (and so get signed media links). Set CXGRAPH_AUTH=router-secret or jwt before exposing cxgraph.';
}
