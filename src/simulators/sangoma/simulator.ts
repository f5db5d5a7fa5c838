import { randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { checkBearer } from '../common/bearer.js';
import { SimServer, type SimRequest, type SimResponse } from '../common/sim-server.js';
import { TokenIssuer } from '../common/token-issuer.js';
import { basicCredentials, isFormEncoded, isJson, oauthError, sameSecret, tokenLifetimeConfig } from '../common/http-helpers.js';

/**
 * A fake of Sangoma CX and of the Sangoma auth server that guards it, on one server:
 * `POST /oauth/token` (route `token`), `POST /cx/api/v1/agents/call/` (route `agents-call`) and
 * `POST /cx/api/v1/queues/call/` (route `queues-call`). The API sits under `/cx` so that
 * `SANGOMA_BASE_URL = ${url}/cx` and `SANGOMA_TOKEN_URL = ${url}/oauth/token` mirror the real hosts'
 * paths (`https://cpaas.sangoma.com/cx`, `https://auth.sangoma.com/oauth/token`).
 *
 * See PROVIDERS.md §2 and Sangoma's "API Authentication" guide (the curl example with `--basic --user`).
 * What is documented and reproduced here: HTTP Basic client authentication, `grant_type=client_credentials`,
 * at least one scope, scopes separated by one blank space, a token granting only the scopes asked for, the
 * answer `{"access_token","scope","token_type":"bearer","expires_in":24304413}`, and the two call endpoints
 * with their JSON bodies and scopes.
 *
 * Choices where the public documentation is silent (kept here so they are easy to correct; the provider guide
 * docs/providers/sangoma.md repeats them):
 * - Token errors use the RFC 6749 §5.2 body `{"error","error_description"}`. Client authentication is checked
 *   first, then grant type, then scope (the order of common OAuth servers).
 * - Client authentication is HTTP Basic only (client_secret_basic). Credentials in the form body
 *   (client_secret_post) are refused with 401 `invalid_client` ("…must use HTTP Basic…"), as is a request
 *   with no client authentication; Basic plus a `client_secret` field is 400 `invalid_request` (RFC 6749
 *   §2.3: one method per request). Every 401 carries `WWW-Authenticate: Basic realm="Sangoma"`.
 * - A missing or blank `scope` is 400 `invalid_scope`; so is an unknown scope, a scope the client may not
 *   have, or scopes joined by anything but single spaces (commas, double spaces, tabs).
 * - The access token is an RS256 JWT carrying `scope` (space-separated), `client_id`, `sub`, `iss`
 *   `https://auth.sangoma.com/`, `aud` `https://cpaas.sangoma.com/cx`, and a real `exp`.
 * - API errors are `{"success":false,"message":"…"}`. A missing, expired, revoked or foreign token is 401
 *   (RFC 6750 `WWW-Authenticate: Bearer error="invalid_token"`); a valid token without the endpoint's scope
 *   is 403 with `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"` (RFC 6750 §3.1), so a new
 *   token with the same scopes would not help and clients must not treat it as a 401.
 * - Paths end with a slash, as documented; without it the route does not exist (404).
 * - The body must be `application/json` (415 otherwise); invalid JSON is 400; every field must be a
 *   non-blank string (400 `<field> is required`); `destination` must be a number of 2–20 digits with an
 *   optional leading `+` (and `*`/`#`) — no separators — or a `sip:`, `sips:` or `tel:` URI (400 otherwise).
 * - An unknown `tenant_domain` (compared case-insensitively) is 404; an unknown agent or queue (exact,
 *   case-sensitive name) is 404; an agent who is not available is 409.
 * - Success is 200 `{"success":true,"message":"Call initiated"|"Callback queued","call_id":"<uuid>"}`.
 *   Every placed call is recorded in `calls`, so tests can assert that a call was placed exactly once.
 */

export interface SangomaSimClient {
  clientId: string;
  clientSecret: string;
  /** Scopes this client may ask for; default every known scope. */
  scopes?: readonly string[];
}

export interface SangomaSimTenant {
  /** The tenant's domain, as sent in `tenant_domain`. */
  domain: string;
  agents: readonly string[];
  /** Agents who exist but are not available (logged out, on a call): placing a call through them is 409. */
  unavailableAgents?: readonly string[];
  queues: readonly string[];
}

export interface SangomaPlacedCall {
  kind: 'agent' | 'queue';
  callId: string;
  tenantDomain: string;
  /** The agent or queue name. */
  name: string;
  destination: string;
  at: Date;
}

export interface SangomaSimulatorOptions {
  clients?: SangomaSimClient[];
  tenants?: SangomaSimTenant[];
  tokenLifetimeSec?: number;
}

export interface SangomaSimulator {
  readonly server: SimServer;
  readonly issuer: TokenIssuer;
  readonly clients: readonly SangomaSimClient[];
  readonly tenants: readonly SangomaSimTenant[];
  start(opts?: { port?: number; host?: string }): Promise<string>;
  stop(): Promise<void>;
  /** `${url}/oauth/token`; throws before start(). */
  readonly tokenUrl: string;
  /** `${url}/cx`, the API base; throws before start(). */
  readonly baseUrl: string;
  /** Lifetime of tokens issued from now on (default 24304413 s, about 281 days, as the real one answers). */
  tokenLifetimeSec: number;
  /** Every call the API accepted, oldest first. */
  readonly calls: readonly SangomaPlacedCall[];
  clearCalls(): void;
  /** Revokes every access token issued so far. */
  revokeTokens(): void;
}

export const SANGOMA_KNOWN_SCOPES = ['cx.agent-calls', 'cx.queue-calls', 'cx.digital-interactions'] as const;
/** The lifetime in Sangoma's documented example answer. */
export const SANGOMA_TOKEN_LIFETIME_SEC = 24_304_413;
export const SANGOMA_ISSUER = 'https://auth.sangoma.com/';
export const SANGOMA_AUDIENCE = 'https://cpaas.sangoma.com/cx';

export const DEFAULT_SANGOMA_CLIENT: Readonly<SangomaSimClient> = Object.freeze({
  clientId: 'sangoma-client',
  clientSecret: 'sangoma-secret-local',
});

export const SAMPLE_SANGOMA_TENANTS: readonly SangomaSimTenant[] = Object.freeze([
  Object.freeze({ domain: 'acme.cx.example.com', agents: ['alice', 'bob', 'carol'], unavailableAgents: ['carol'], queues: ['support', 'sales'] }),
  Object.freeze({ domain: 'globex.cx.example.com', agents: ['dave'], queues: ['billing'] }),
]);

const MAX_LIFETIME_SEC = 10 * 365 * 86_400;
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
const BASIC_CHALLENGE = { 'WWW-Authenticate': 'Basic realm="Sangoma"' };
const DESTINATION = /^(\+?[0-9*#]{2,20}|sips?:[^\s<>"]+|tel:[^\s<>"]+)$/i;

export function createSangomaSimulator(opts: SangomaSimulatorOptions = {}): SangomaSimulator {
  return new SangomaSim(opts);
}

class SangomaSim implements SangomaSimulator {
  readonly server = new SimServer('sangoma');
  readonly issuer = new TokenIssuer();
  readonly clients: readonly SangomaSimClient[];
  readonly tenants: readonly SangomaSimTenant[];
  private lifetimeSec: number;
  private readonly placed: SangomaPlacedCall[] = [];

  constructor(opts: SangomaSimulatorOptions) {
    this.clients = Object.freeze((opts.clients ?? [DEFAULT_SANGOMA_CLIENT]).map((c) => Object.freeze({ ...c })));
    this.tenants = Object.freeze((opts.tenants ?? SAMPLE_SANGOMA_TENANTS).map((t) => Object.freeze({ ...t })));
    this.lifetimeSec = checkLifetime(opts.tokenLifetimeSec ?? SANGOMA_TOKEN_LIFETIME_SEC);

    this.server.route('POST', '/oauth/token', 'token', (req) => this.token(req));
    this.server.route('POST', '/cx/api/v1/agents/call/', 'agents-call', (req) => this.call(req, 'agent'));
    this.server.route('POST', '/cx/api/v1/queues/call/', 'queues-call', (req) => this.call(req, 'queue'));
    this.server.onRevoke(() => this.revokeTokens());
    this.server.onConfig(tokenLifetimeConfig(this));
  }

  get tokenLifetimeSec(): number {
    return this.lifetimeSec;
  }

  set tokenLifetimeSec(value: number) {
    this.lifetimeSec = checkLifetime(value);
  }

  get tokenUrl(): string {
    return `${this.server.url}/oauth/token`;
  }

  get baseUrl(): string {
    return `${this.server.url}/cx`;
  }

  get calls(): readonly SangomaPlacedCall[] {
    return this.placed;
  }

  clearCalls(): void {
    this.placed.length = 0;
  }

  start(opts?: { port?: number; host?: string }): Promise<string> {
    return this.server.start(opts);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  revokeTokens(): void {
    this.issuer.revokeAll();
  }

  // --- auth server -------------------------------------------------------------

  private async token(req: SimRequest): Promise<SimResponse> {
    const form = isFormEncoded(req.headers['content-type']) ? req.form() : new URLSearchParams();

    // 1. Client authentication: HTTP Basic only.
    const header = req.headers.authorization;
    const basic = basicCredentials(header);
    if (!basic) {
      if (header !== undefined) return oauthError(401, 'invalid_client', 'Client authentication failed: malformed Basic authorization header', BASIC_CHALLENGE);
      if (form.has('client_secret') || form.has('client_id')) {
        return oauthError(401, 'invalid_client', 'Client authentication must use HTTP Basic authentication (client_secret_basic); credentials in the request body are not accepted', BASIC_CHALLENGE);
      }
      return oauthError(401, 'invalid_client', 'Client authentication required', BASIC_CHALLENGE);
    }
    if (form.has('client_secret')) {
      return oauthError(400, 'invalid_request', 'The request uses more than one client authentication method');
    }
    const client = this.clients.find((c) => c.clientId === basic.clientId);
    // Same answer for an unknown client and a wrong secret; never echo what was sent.
    if (!client || !sameSecret(basic.clientSecret, client.clientSecret)) {
      return oauthError(401, 'invalid_client', 'Client authentication failed', BASIC_CHALLENGE);
    }

    // 2. Grant type.
    const grantType = form.get('grant_type');
    if (!grantType) return oauthError(400, 'invalid_request', 'Missing grant_type parameter');
    if (grantType !== 'client_credentials') return oauthError(400, 'unsupported_grant_type', `Unsupported grant type: ${grantType}`);

    // 3. Scope: at least one, known, allowed, separated by one blank space.
    const scope = form.get('scope');
    if (scope === null || scope.trim() === '') return oauthError(400, 'invalid_scope', 'At least one API scope is required');
    const requested = scope.split(' ');
    if (requested.some((s) => s === '')) return oauthError(400, 'invalid_scope', 'Scopes must be separated by a single blank space');
    const allowed = client.scopes ?? SANGOMA_KNOWN_SCOPES;
    for (const s of requested) {
      if (!(SANGOMA_KNOWN_SCOPES as readonly string[]).includes(s)) return oauthError(400, 'invalid_scope', `Unknown scope: ${s.slice(0, 80)}`);
      if (!allowed.includes(s)) return oauthError(400, 'invalid_scope', `Scope not allowed for this client: ${s}`);
    }
    const granted = [...new Set(requested)].join(' ');

    const lifetime = this.lifetimeSec;
    const accessToken = await this.issuer.issue(
      { iss: SANGOMA_ISSUER, aud: SANGOMA_AUDIENCE, sub: client.clientId, client_id: client.clientId, scope: granted },
      lifetime,
    );
    return { status: 200, headers: NO_STORE, json: { access_token: accessToken, scope: granted, token_type: 'bearer', expires_in: lifetime } };
  }

  // --- CX API ------------------------------------------------------------------

  private async call(req: SimRequest, kind: 'agent' | 'queue'): Promise<SimResponse> {
    const auth = await checkBearer(req, this.issuer, {
      body: { success: false, message: 'Invalid or expired access token' },
      accept: (claims) => this.acceptsClaims(claims),
    });
    if (!auth.ok) return auth.response;

    const scope = kind === 'agent' ? 'cx.agent-calls' : 'cx.queue-calls';
    const granted = typeof auth.claims['scope'] === 'string' ? auth.claims['scope'].split(' ') : [];
    if (!granted.includes(scope)) {
      return {
        status: 403,
        headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
        json: { success: false, message: `The access token does not grant the scope ${scope}` },
      };
    }

    if (!isJson(req.headers['content-type'])) return failure(415, 'Content-Type must be application/json');
    let body: unknown;
    try {
      body = req.json();
    } catch {
      return failure(400, 'Request body must be valid JSON');
    }
    const fields = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
    const nameField = kind === 'agent' ? 'agent_name' : 'queue_name';
    for (const f of [nameField, 'destination', 'tenant_domain']) {
      const v = fields[f];
      if (typeof v !== 'string' || v.trim() === '') return failure(400, `${f} is required`);
    }
    const name = fields[nameField] as string;
    const destination = (fields['destination'] as string).trim();
    const domain = (fields['tenant_domain'] as string).trim().toLowerCase();
    if (!DESTINATION.test(destination)) return failure(400, 'destination is not a valid phone number or SIP URI');

    const tenant = this.tenants.find((t) => t.domain.toLowerCase() === domain);
    if (!tenant) return failure(404, `Tenant ${domain} not found`);
    if (kind === 'agent') {
      if (!tenant.agents.includes(name)) return failure(404, `Agent ${name} not found in tenant ${tenant.domain}`);
      if (tenant.unavailableAgents?.includes(name)) return failure(409, `Agent ${name} is not available to place a call`);
    } else if (!tenant.queues.includes(name)) {
      return failure(404, `Queue ${name} not found in tenant ${tenant.domain}`);
    }

    const callId = randomUUID();
    this.placed.push({ kind, callId, tenantDomain: tenant.domain, name, destination, at: new Date() });
    return { status: 200, json: { success: true, message: kind === 'agent' ? 'Call initiated' : 'Callback queued', call_id: callId } };
  }

  /** A token this auth server issued for the CX API to a client that still exists. */
  private acceptsClaims(claims: JWTPayload): boolean {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    return claims.iss === SANGOMA_ISSUER && audiences.includes(SANGOMA_AUDIENCE) && this.clients.some((c) => c.clientId === claims['client_id']);
  }
}

// --- helpers -------------------------------------------------------------------

function failure(status: number, message: string): SimResponse {
  return { status, json: { success: false, message } };
}

function checkLifetime(value: number): number {
  if (!(Number.isInteger(value) && value >= 1 && value <= MAX_LIFETIME_SEC)) {
    throw new RangeError(`tokenLifetimeSec must be an integer between 1 and ${MAX_LIFETIME_SEC}; got ${value}`);
  }
  return value;
}
