/**
 * A fake of Sangoma CX and of the Sangoma auth server that guards it, on one server:
 * `POST /oauth/token` (route `token`, routes-token.ts), `POST /cx/api/v1/agents/call/` (route `agents-call`) and
 * `POST /cx/api/v1/queues/call/` (route `queues-call`, both routes-api.ts). The API sits under `/cx` so that
 * `SANGOMA_BASE_URL = ${url}/cx` and `SANGOMA_TOKEN_URL = ${url}/oauth/token` mirror the real hosts'
 * paths (`https://cpaas.sangoma.com/cx`, `https://auth.sangoma.com/oauth/token`).
 *
 * See docs/providers/sangoma.md and Sangoma's "API Authentication" guide (the curl example with `--basic --user`).
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
import { defineSimulator } from '../common/simulator-entry.js';
import { SimulatorShell, type Simulator } from '../common/simulator-shell.js';
import {
  DEFAULT_SANGOMA_CLIENT,
  SAMPLE_SANGOMA_TENANTS,
  SANGOMA_TOKEN_LIFETIME_SEC,
  demoTenantData,
  type SangomaSimClient,
  type SangomaSimTenant,
} from './data.js';
import { apiRoutes } from './routes-api.js';
import { tokenRoutes } from './routes-token.js';
import type { SangomaPlacedCall, SangomaState } from './state.js';

export type { SangomaPlacedCall } from './state.js';

export interface SangomaSimulatorOptions {
  clients?: SangomaSimClient[];
  tenants?: SangomaSimTenant[];
  /** Default 24304413 s (about 281 days, as the real one answers); at most ten years. */
  tokenLifetimeSec?: number;
}

export type SangomaEnv = Readonly<Record<'SANGOMA_CLIENT_ID' | 'SANGOMA_CLIENT_SECRET' | 'SANGOMA_BASE_URL' | 'SANGOMA_TOKEN_URL', string>>;

export interface SangomaSimulator extends Simulator<SangomaEnv> {
  readonly clients: readonly SangomaSimClient[];
  readonly tenants: readonly SangomaSimTenant[];
  /** `${url}/oauth/token`; throws before start(). */
  readonly tokenUrl: string;
  /** `${url}/cx`, the API base; throws before start(). */
  readonly baseUrl: string;
  /** Every call the API accepted, oldest first. */
  readonly calls: readonly SangomaPlacedCall[];
  clearCalls(): void;
}

const MAX_LIFETIME_SEC = 10 * 365 * 86_400;

export function createSangomaSimulator(opts: SangomaSimulatorOptions = {}): SangomaSimulator {
  return new SangomaSim(opts);
}

export class SangomaSim extends SimulatorShell<SangomaEnv> implements SangomaSimulator, SangomaState {
  readonly clients: readonly SangomaSimClient[];
  readonly tenants: readonly SangomaSimTenant[];
  private readonly placed: SangomaPlacedCall[] = [];

  constructor(opts: SangomaSimulatorOptions) {
    super('sangoma', { initial: opts.tokenLifetimeSec ?? SANGOMA_TOKEN_LIFETIME_SEC, max: MAX_LIFETIME_SEC });
    this.clients = Object.freeze((opts.clients ?? [DEFAULT_SANGOMA_CLIENT]).map((c) => Object.freeze({ ...c })));
    this.tenants = Object.freeze((opts.tenants ?? SAMPLE_SANGOMA_TENANTS).map((t) => Object.freeze({ ...t })));
    tokenRoutes(this);
    apiRoutes(this);
  }

  get tokenUrl(): string {
    return `${this.server.url}/oauth/token`;
  }

  get baseUrl(): string {
    return `${this.server.url}/cx`;
  }

  /** The first client's credentials (SANGOMA_SCOPES keeps its default). */
  env(): SangomaEnv {
    const client = this.clients[0]!;
    return { SANGOMA_CLIENT_ID: client.clientId, SANGOMA_CLIENT_SECRET: client.clientSecret, SANGOMA_BASE_URL: this.baseUrl, SANGOMA_TOKEN_URL: this.tokenUrl };
  }

  get calls(): readonly SangomaPlacedCall[] {
    return this.placed;
  }

  clearCalls(): void {
    this.placed.length = 0;
  }

  /** Records a call the API accepted. */
  place(call: SangomaPlacedCall): void {
    this.placed.push(call);
  }
}

/** Its entry in the simulator list (src/simulators/index.ts). */
export const sangomaSimulator = defineSimulator({
  key: 'sangoma',
  provider: 'SANGOMA',
  create: () => createSangomaSimulator(),
  createFor: (tenant) => createSangomaSimulator(demoTenantData(tenant)),
  createForMany: (owners) => createSangomaSimulator({ clients: owners.flatMap((o) => demoTenantData(o).clients) }),
  envFor: (sim, owner) => {
    const client = demoTenantData(owner).clients[0]!;
    return { ...sim.env(), SANGOMA_CLIENT_ID: client.clientId, SANGOMA_CLIENT_SECRET: client.clientSecret };
  },
  env: (sim) => sim.env(),
});
