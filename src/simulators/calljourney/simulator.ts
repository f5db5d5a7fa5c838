import { randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { checkBearer } from '../common/bearer.js';
import { SimServer, type SimRequest, type SimResponse } from '../common/sim-server.js';
import { TokenIssuer } from '../common/token-issuer.js';
import { basicCredentials, isFormEncoded, isJson, sameSecret, stableUuid, tokenLifetimeConfig } from '../common/http-helpers.js';

/**
 * A fake of CallJourney and of the Azure AD (Microsoft Entra ID) tenant that guards it,
 * on one server: `POST /{tenant}/oauth2/v2.0/token` (route `token`) and
 * `POST /api/v1/search/conversationexists` (route `conversationexists`).
 *
 * See PROVIDERS.md §1 and
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 * https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 *
 * Choices where the public documentation is silent (kept here so they are easy to correct):
 * - Token endpoint checks run in Azure AD's order: tenant, body parameters, grant type,
 *   client id, client secret, scope. A body that is not form-encoded is read as empty, which
 *   is what Azure AD does (AADSTS900144, `grant_type` missing).
 * - Client authentication: `client_secret_post` and `client_secret_basic` are both accepted,
 *   as Azure AD advertises both. A missing secret is 401 `invalid_client` AADSTS7000218, as
 *   Azure AD answers; a wrong one is 401 `invalid_client` AADSTS7000215.
 * - A missing `scope` is 400 `invalid_scope` AADSTS70011 ("must include a 'scope'").
 * - The API requires `Content-Type: application/json` (415 otherwise); invalid JSON is 400
 *   `{"message":"Request body must be valid JSON"}`; fields are checked in the order
 *   company, organisation, folder, filename, and a whitespace-only value counts as empty.
 * - Recording lookup is exact and case-sensitive on all four fields.
 * - The API accepts any token this tenant issued to a registered client whose `roles`
 *   include `Recording.Read`.
 */

export interface SimRecording {
  company: string;
  organisation: string;
  folder: string;
  filename: string;
  callId: string;
}

export interface CallJourneyClient {
  clientId: string;
  clientSecret: string;
}

export interface CallJourneySimulatorOptions {
  tenantId?: string;
  clients?: CallJourneyClient[];
  recordings?: SimRecording[];
  tokenLifetimeSec?: number;
}

export interface CallJourneySimulator {
  readonly server: SimServer;
  readonly issuer: TokenIssuer;
  readonly tenantId: string;
  readonly clients: readonly CallJourneyClient[];
  start(opts?: { port?: number; host?: string }): Promise<string>;
  stop(): Promise<void>;
  /** `${url}/${tenantId}/oauth2/v2.0/token`; throws before start(). */
  readonly tokenUrl: string;
  /** The API base (the server's URL); throws before start(). */
  readonly baseUrl: string;
  /** Lifetime of tokens issued from now on. */
  tokenLifetimeSec: number;
  addRecording(recording: SimRecording): void;
  /** Revokes every access token issued so far. */
  revokeTokens(): void;
}

export const DEFAULT_CALLJOURNEY_TENANT_ID = '00000000-0000-4000-8000-000000000001';
export const DEFAULT_CALLJOURNEY_CLIENT: Readonly<CallJourneyClient> = Object.freeze({
  clientId: 'cj-client',
  clientSecret: 'cj-secret-local',
});
/** The app role the API requires; Azure AD puts application permissions in `roles`. */
export const CALLJOURNEY_ROLE = 'Recording.Read';

export const SAMPLE_RECORDINGS: readonly SimRecording[] = Object.freeze([
  { company: 'acme', organisation: 'support', folder: '2024/05/01', filename: 'call-0001.wav', callId: 'xFcLypwBMZ_pyZ-a8f3p' },
  { company: 'acme', organisation: 'support', folder: '2024/05/01', filename: 'call-0002.wav', callId: 'q3RkLypwBMZ_Tn8a0Wc1' },
  { company: 'acme', organisation: 'sales', folder: '2024/05/02', filename: 'call-0003.mp3', callId: 'Zr2mMJpwBMZ_hX7u9Lq4' },
  { company: 'globex', organisation: 'billing', folder: 'inbound', filename: 'B-2024-0042.wav', callId: 'N1cPLypwBMZ_o0Yd3Rt7' },
  { company: 'globex', organisation: 'billing', folder: 'outbound', filename: 'B-2024-0043.ogg', callId: 'a9DfMZpwBMZ_Ke2s5Vx8' },
].map((r) => Object.freeze(r)));

const UNAUTHORIZED_BODY = { message: 'Unauthorized' };
const RECORDING_FIELDS = ['company', 'organisation', 'folder', 'filename'] as const;

export function createCallJourneySimulator(opts: CallJourneySimulatorOptions = {}): CallJourneySimulator {
  return new CallJourneySim(opts);
}

class CallJourneySim implements CallJourneySimulator {
  readonly server = new SimServer('calljourney');
  readonly issuer = new TokenIssuer();
  readonly tenantId: string;
  readonly clients: readonly CallJourneyClient[];
  private lifetimeSec: number;
  private readonly recordings = new Map<string, string>();

  constructor(opts: CallJourneySimulatorOptions) {
    this.tenantId = (opts.tenantId ?? DEFAULT_CALLJOURNEY_TENANT_ID).toLowerCase();
    this.clients = Object.freeze((opts.clients ?? [DEFAULT_CALLJOURNEY_CLIENT]).map((c) => Object.freeze({ ...c })));
    this.lifetimeSec = checkLifetime(opts.tokenLifetimeSec ?? 3599);
    for (const r of opts.recordings ?? SAMPLE_RECORDINGS) this.addRecording(r);

    this.server.route('POST', '/:tenant/oauth2/v2.0/token', 'token', (req) => this.token(req));
    this.server.route('POST', '/api/v1/search/conversationexists', 'conversationexists', (req) => this.conversationExists(req));
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
    return `${this.server.url}/${this.tenantId}/oauth2/v2.0/token`;
  }

  get baseUrl(): string {
    return this.server.url;
  }

  start(opts?: { port?: number; host?: string }): Promise<string> {
    return this.server.start(opts);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  addRecording(r: SimRecording): void {
    this.recordings.set(recordingKey(r.company, r.organisation, r.folder, r.filename), r.callId);
  }

  revokeTokens(): void {
    this.issuer.revokeAll();
  }

  // --- Azure AD token endpoint ------------------------------------------------

  private async token(req: SimRequest): Promise<SimResponse> {
    const tenant = req.params['tenant'] ?? '';
    if (tenant.toLowerCase() !== this.tenantId) {
      return aadError(400, 'invalid_request', 90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. ` +
        'Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.');
    }

    // Azure AD only reads form-encoded bodies; anything else looks like an empty body.
    const form = isFormEncoded(req.headers['content-type']) ? req.form() : new URLSearchParams();
    const basic = basicCredentials(req.headers.authorization);
    const grantType = form.get('grant_type');
    if (!grantType) return missingParameter('grant_type');
    if (grantType !== 'client_credentials') {
      return aadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
    }

    const clientId = basic?.clientId ?? form.get('client_id');
    if (!clientId) return missingParameter('client_id');
    const client = this.clients.find((c) => c.clientId === clientId);
    if (!client) {
      return aadError(400, 'unauthorized_client', 700016,
        `Application with identifier '${clientId}' was not found in the directory '${this.tenantId}'. ` +
        'This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. ' +
        'You may have sent your authentication request to the wrong tenant.');
    }

    const secret = basic?.clientSecret ?? form.get('client_secret');
    if (!secret) {
      return aadError(401, 'invalid_client', 7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    if (!sameSecret(secret, client.clientSecret)) {
      // Like Azure AD, name the app but never echo the secret that was sent.
      return aadError(401, 'invalid_client', 7000215,
        'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, ' +
        `not the client secret ID, for a secret added to app '${client.clientId}'.`);
    }

    const scope = form.get('scope');
    if (!scope) return aadError(400, 'invalid_scope', 70011, "The provided request must include a 'scope' input parameter.");
    const expectedScope = `api://${client.clientId}/.default`;
    if (scope !== expectedScope) {
      return aadError(400, 'invalid_scope', 70011,
        `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`);
    }

    const lifetime = this.lifetimeSec;
    const objectId = stableUuid(`${this.tenantId}/${client.clientId}`);
    const accessToken = await this.issuer.issue({
      aud: `api://${client.clientId}`,
      iss: `https://login.microsoftonline.com/${this.tenantId}/v2.0`,
      tid: this.tenantId,
      oid: objectId,
      sub: objectId,
      azp: client.clientId,
      azpacr: '1',
      idtyp: 'app',
      roles: [CALLJOURNEY_ROLE],
      ver: '2.0',
    }, lifetime);
    return {
      status: 200,
      headers: NO_STORE,
      json: { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken },
    };
  }

  // --- CallJourney API ---------------------------------------------------------

  private async conversationExists(req: SimRequest): Promise<SimResponse> {
    const auth = await checkBearer(req, this.issuer, { body: UNAUTHORIZED_BODY, accept: (claims) => this.acceptsClaims(claims) });
    if (!auth.ok) return auth.response;

    if (!isJson(req.headers['content-type'])) {
      return { status: 415, json: { message: 'Content-Type must be application/json' } };
    }
    let body: unknown;
    try {
      body = req.json();
    } catch {
      return { status: 400, json: { message: 'Request body must be valid JSON' } };
    }
    const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
    for (const field of RECORDING_FIELDS) {
      const value = fields[field];
      if (typeof value !== 'string' || value.trim() === '') return { status: 400, json: { message: `${field} is required` } };
    }
    const callId = this.recordings.get(
      recordingKey(fields['company'] as string, fields['organisation'] as string, fields['folder'] as string, fields['filename'] as string),
    );
    return { status: 200, json: callId === undefined ? { exists: false, callId: '' } : { exists: true, callId } };
  }

  /** A token of this tenant, for a registered client's API, carrying the app role. */
  private acceptsClaims(claims: JWTPayload): boolean {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const roles = claims['roles'];
    return (
      claims['tid'] === this.tenantId &&
      claims.iss === `https://login.microsoftonline.com/${this.tenantId}/v2.0` &&
      audiences.some((aud) => this.clients.some((c) => aud === `api://${c.clientId}`)) &&
      Array.isArray(roles) && roles.includes(CALLJOURNEY_ROLE)
    );
  }
}

// --- helpers -------------------------------------------------------------------

const NO_STORE = { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' };

/** Azure AD's error body; the description ends with the trace/correlation ids and time as Azure's does. */
function aadError(status: number, error: string, code: number, message: string): SimResponse {
  const now = new Date();
  const timestamp = `${now.toISOString().slice(0, 19).replace('T', ' ')}Z`;
  const traceId = randomUUID();
  const correlationId = randomUUID();
  return {
    status,
    headers: NO_STORE,
    json: {
      error,
      error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}

function missingParameter(name: string): SimResponse {
  return aadError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);
}

function recordingKey(company: string, organisation: string, folder: string, filename: string): string {
  return JSON.stringify([company, organisation, folder, filename]);
}

function checkLifetime(value: number): number {
  if (!(Number.isInteger(value) && value >= 1 && value <= 86_400)) {
    throw new RangeError(`tokenLifetimeSec must be an integer between 1 and 86400; got ${value}`);
  }
  return value;
}
