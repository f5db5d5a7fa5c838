/**
 * A fake of the Telphin virtual PBX API server (docs/providers/pbx.md; the PBX's "Application Authorization and
 * Integration Start" guide), on one server:
 *
 * - `GET /oauth/authorize` (route `authorize`): the consent page (consent-page.ts, which also exports its driver,
 *   `consent()`); `POST /oauth/authorize` (`authorize_decision`): the user's Allow / Deny, answered by a redirect to
 *   the app's redirect URI with `code` (or `error`) and `state` (both routes-consent.ts);
 * - `POST /oauth/token` (`token`, routes-token.ts): `authorization_code`, `refresh_token` (public apps),
 *   `client_credentials` (trusted apps);
 * - `POST /api/ver1.0/application/` (`application_create`, routes-api.ts): creates a trusted application;
 * - `GET /api/ver1.0/user/` (`user`), `GET /api/ver1.0/client/{id|@me}/extension/` (`extensions`),
 *   `GET /api/ver1.0/client/{id|@me}/call_history/` (`call_history`), `GET /api/ver1.0/extension/{id}/record/`
 *   (`extension_records`), `GET /api/ver1.0/client/{id|@me}/record/{uuid}/storage_url/` (`storage_url`);
 * - `GET /storage/records/{uuid}?expires&signature` (`storage`, routes-storage.ts): the signed storage link serving
 *   the file.
 *
 * Choices where the public documentation is silent (kept here so they are easy to correct):
 * - Consent: a login field (no password) names the PBX user; the page is shown only for a known public app and a
 *   redirect URI registered for it (exact string match), else an error page with no redirect. Once both are
 *   valid, other problems (`response_type` other than `code`, `scope` other than `all`) are redirected as
 *   RFC 6749 §4.1.2.1 errors. Deny redirects with `error=access_denied`. `state` is echoed when given.
 * - Codes: 30 random letters and digits (like the guide's example), valid 120 s, single-use; a second use is
 *   `invalid_grant` and revokes the tokens issued from the code (RFC 6749 §4.1.2).
 * - Token endpoint: form body only (`client_secret_post`, as the guide shows); an unknown client, a wrong secret
 *   or a deleted trusted app is 401 `invalid_client`; a grant type the app type may not use is 400
 *   `unauthorized_client`; a bad code or redirect URI mismatch is 400 `invalid_grant`; a bad refresh token is 401
 *   `invalid_grant` (docs/providers/pbx.md). Refresh tokens rotate and live 30 days. Client credentials get no refresh token.
 * - Access tokens are RS256 JWTs (real ones are opaque) for `sub` = the PBX user id, living 3600 s by default.
 * - `POST /api/ver1.0/application/` accepts `{"name","type":"trusted"}` or `{"name","trusted":true}` from any
 *   user token, and answers 201 `{"id","name","type":"trusted","secret"}` (or `client_id`/`client_secret` with the
 *   `appReplyFields: 'client_id'` option): the secret is never shown again.
 * - `{client}` in a path is `@me` or the user's own `client_id`; another client is 403, an unknown one 404.
 *   Extension group / extension limits of a user are not modelled.
 * - Lists page with `page` (from 1) and `per_page` (1..500, default 20). Call history keeps calls whose
 *   `start_time_gmt` is in [start_datetime, end_datetime), ordered by it (`order=desc` by default); dates not in
 *   `YYYY-MM-DD HH:MM:SS` form are 400 `{"message"}`.
 * - Errors of the API are `{"message": …}`; a 401 is `{"message":"Authorization required"}`.
 *   `rateLimitNext()` injects the PBX's 429 `{"message":"Too many requests: concurrent request not allowed"}`.
 * - A storage link lives 300 s and is signed (HMAC); a request that also carries an Authorization header is 400,
 *   as object stores answer a pre-signed URL with a second credential.
 */
import { defineSimulator } from '../common/simulator-entry.js';
import { createHmac, randomBytes } from 'node:crypto';
import { SimConfigError } from '../common/config-hooks.js';
import type { IntSetting } from '../common/int-setting.js';
import { SimulatorShell, type Simulator } from '../common/simulator-shell.js';
import {
  DEFAULT_PBX_PUBLIC_APP,
  recordWav,
  SAMPLE_PBX_CALLS,
  SAMPLE_PBX_EXTENSIONS,
  SAMPLE_PBX_USERS,
  type PbxSimCall,
  type PbxSimExtension,
  type PbxSimPublicApp,
  type PbxSimRecord,
  type PbxSimTrustedApp,
  type PbxSimUser,
} from './data.js';
import { apiRoutes } from './routes-api.js';
import { consentRoutes } from './routes-consent.js';
import { storageRoutes } from './routes-storage.js';
import { tokenRoutes } from './routes-token.js';
import type { CodeGrant, PbxState, RefreshGrant, TrustedAppEntry } from './state.js';

export interface PbxSimulatorOptions {
  publicApps?: PbxSimPublicApp[];
  users?: PbxSimUser[];
  extensions?: PbxSimExtension[];
  calls?: PbxSimCall[];
  /** The login the consent page offers (default: the first user's). */
  defaultLogin?: string;
  /** Default 3600; 1..86400, as codeLifetimeSec (default 120). */
  tokenLifetimeSec?: number;
  codeLifetimeSec?: number;
  /** Field names of the trusted application reply: `id`/`secret` (default) or `client_id`/`client_secret`. */
  appReplyFields?: 'id' | 'client_id';
}

export type PbxEnv = Readonly<Record<'PBX_BASE_URL' | 'PBX_CLIENT_ID' | 'PBX_CLIENT_SECRET' | 'PBX_REDIRECT_URI', string>>;

export interface PbxSimulator extends Simulator<PbxEnv> {
  readonly publicApps: readonly PbxSimPublicApp[];
  readonly users: readonly PbxSimUser[];
  /** The server's URL: the PBX host (PBX_BASE_URL); throws before start(). */
  readonly baseUrl: string;
  codeLifetimeSec: number;
  /**
   * The first public app, with `redirectUri` (registered for it first: cxgraph's `/oauth/pbx/callback`) or else the
   * first URI registered for it.
   */
  env(opts?: { redirectUri?: string }): PbxEnv;
  /** Registers one more redirect URI for a public app (default: the first). */
  addRedirectUri(uri: string, clientId?: string): void;
  /** Trusted applications created so far (without their secrets). */
  trustedApps(): PbxSimTrustedApp[];
  /** Revokes every access and refresh token issued so far; apps keep working. */
  revokeTokens(): void;
  /** Deletes one trusted app (or every one): its token requests become `invalid_client`, its tokens stop working. */
  revokeTrustedApp(clientId?: string): number;
  /** The next `times` requests of `route` get the PBX's 429 "concurrent request not allowed". */
  rateLimitNext(route: string, times?: number, retryAfterSec?: number): void;
  /** The bytes the storage link of a record serves. */
  recordBytes(recordUuid: string): Uint8Array;
}

const RATE_LIMITED_BODY = { message: 'Too many requests: concurrent request not allowed' };

export function createPbxSimulator(opts: PbxSimulatorOptions = {}): PbxSimulator {
  return new PbxSim(opts);
}

export class PbxSim extends SimulatorShell<PbxEnv> implements PbxSimulator, PbxState {
  readonly publicApps: PbxSimPublicApp[];
  readonly users: readonly PbxSimUser[];
  readonly extensions: readonly PbxSimExtension[];
  readonly calls: readonly PbxSimCall[];
  readonly records = new Map<string, PbxSimRecord>();
  readonly defaultLogin: string;
  readonly appReplyFields: 'id' | 'client_id';
  readonly codes = new Map<string, CodeGrant>();
  readonly refreshTokens = new Map<string, RefreshGrant>();
  readonly trusted = new Map<string, TrustedAppEntry>();
  private readonly codeLifetime: IntSetting;
  private readonly storageKey = randomBytes(32);

  constructor(opts: PbxSimulatorOptions) {
    super('pbx', { initial: opts.tokenLifetimeSec ?? 3600, max: 86_400 });
    this.codeLifetime = this.intSetting('codeLifetimeSec', opts.codeLifetimeSec ?? 120, 1, 86_400);
    this.publicApps = (opts.publicApps ?? [DEFAULT_PBX_PUBLIC_APP]).map((a) => ({ ...a, redirectUris: [...a.redirectUris] }));
    this.users = opts.users ?? SAMPLE_PBX_USERS;
    this.extensions = opts.extensions ?? SAMPLE_PBX_EXTENSIONS;
    this.calls = opts.calls ?? SAMPLE_PBX_CALLS;
    for (const c of this.calls) {
      for (const leg of c.cdr) {
        if (!leg.record_uuid) continue;
        this.records.set(leg.record_uuid, {
          record_uuid: leg.record_uuid,
          client_id: c.client_id,
          extension_id: leg.extension_id ?? c.extension_id,
          call_uuid: c.call_uuid,
          file_name: `${leg.record_uuid}.wav`,
          record_file_size: recordWav(leg.record_uuid).length,
          start_time_gmt: leg.start_time_gmt,
          duration: leg.duration,
        });
      }
    }
    this.defaultLogin = opts.defaultLogin ?? this.users[0]?.login ?? '';
    this.appReplyFields = opts.appReplyFields ?? 'id';

    consentRoutes(this);
    tokenRoutes(this);
    apiRoutes(this);
    storageRoutes(this);
    this.server.onConfig({
      keys: ['revokeTrustedApp'],
      validate: ({ revokeTrustedApp }) => {
        if (typeof revokeTrustedApp !== 'string') throw new SimConfigError('revokeTrustedApp must be a trusted app id, or "*" for every one');
      },
      apply: ({ revokeTrustedApp }) => {
        this.revokeTrustedApp(revokeTrustedApp === '*' ? undefined : (revokeTrustedApp as string));
      },
      snapshot: () => ({ trustedApps: this.trustedApps().map((a) => ({ clientId: a.clientId, userId: a.userId, revoked: a.revoked })) }),
    });
  }

  get baseUrl(): string {
    return this.server.url;
  }

  get codeLifetimeSec(): number {
    return this.codeLifetime.value;
  }
  set codeLifetimeSec(v: number) {
    this.codeLifetime.value = v;
  }

  env(opts: { redirectUri?: string } = {}): PbxEnv {
    const app = this.publicApps[0]!;
    if (opts.redirectUri !== undefined) this.addRedirectUri(opts.redirectUri, app.clientId);
    return {
      PBX_BASE_URL: this.baseUrl,
      PBX_CLIENT_ID: app.clientId,
      PBX_CLIENT_SECRET: app.clientSecret,
      PBX_REDIRECT_URI: opts.redirectUri ?? app.redirectUris[0]!,
    };
  }

  addRedirectUri(uri: string, clientId?: string): void {
    const app = clientId === undefined ? this.publicApps[0] : this.publicApps.find((a) => a.clientId === clientId);
    if (!app) throw new Error(`No public app ${clientId ?? ''}`);
    if (!app.redirectUris.includes(uri)) app.redirectUris.push(uri);
  }

  trustedApps(): PbxSimTrustedApp[] {
    return [...this.trusted.values()].map(({ secret: _secret, ...a }) => ({ ...a }));
  }

  override revokeTokens(): void {
    super.revokeTokens();
    this.refreshTokens.clear();
  }

  revokeTrustedApp(clientId?: string): number {
    let n = 0;
    for (const app of this.trusted.values()) {
      if ((clientId === undefined || app.clientId === clientId) && !app.revoked) {
        app.revoked = true;
        n++;
      }
    }
    return n;
  }

  rateLimitNext(route: string, times = 1, retryAfterSec?: number): void {
    this.server.inject({ kind: 'status', route, status: 429, body: RATE_LIMITED_BODY, times, retryAfterSec });
  }

  recordBytes(recordUuid: string): Uint8Array {
    return recordWav(recordUuid);
  }

  /** The signature of a storage link to a record, valid until `expires` (Unix seconds). */
  sign(uuid: string, expires: number): string {
    return createHmac('sha256', this.storageKey).update(`${uuid}\n${expires}`).digest('base64url');
  }
}

/** Its entry in the simulator list (src/simulators/index.ts). */
export const pbxSimulator = defineSimulator({
  key: 'pbx',
  provider: 'PBX',
  create: () => createPbxSimulator(),
  // The consent page sends the browser back to cxgraph's own callback (PBX_REDIRECT_URI).
  env: (sim, cxgraph) => sim.env({ redirectUri: `${cxgraph.url}/oauth/pbx/callback` }),
});
