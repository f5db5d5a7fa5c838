/**
 * Connecting a Telphin PBX user (docs/providers/pbx.md#connecting-a-pbx-user): the authorization code flow, then a
 * permanent trusted application so the user is never asked again.
 *
 * begin(): a random single-use `state` (10 minutes) bound to this flow's tenant, and the PBX's authorize URL.
 * complete(callback query, caller):
 *   1. the state is claimed first: missing, malformed, unknown, expired or reused → refused, no token request. It
 *      names the tenant that began the attempt (src/providers/pbx/consent-states.ts); the rest runs in that tenant's
 *      flow, so the account is stored for that tenant only. A callback that proves another tenant (its caller's
 *      token or router header names one) is refused, the state spent;
 *   2. `error=access_denied` (the user clicked Deny) → refused, clearly;
 *   3. the code is exchanged (one-shot grant through the token manager, forgotten afterwards);
 *   4. `GET /api/ver1.0/user/` with that token says who consented (and names the trusted app after the login);
 *   5. `POST /api/ver1.0/application/ {"type":"trusted"}` creates the trusted app; its id and secret are stored
 *      (sealed) at once, since the PBX shows the secret only this one time; a previous connection of the same
 *      user is replaced and its token state forgotten;
 *   6. `GET /api/ver1.0/user/` again with the trusted app's client-credentials token proves the app works and
 *      acts for the same user, and refreshes the stored fields.
 * Nothing here logs or returns the code, the state, a token or a secret.
 */
import { createHash } from 'node:crypto';
import { PbxAuthorizationCodeGrant, PBX_SCOPE } from '../../auth/grants/pbx-authorization-code.js';
import type { TokenManager } from '../../auth/token-manager.js';
import type { PbxConfig } from './config.js';
import { CxError, isCxError } from '../../errors/errors.js';
import type { Logger } from '../../observability/logger.js';
import type { PbxClient } from './client.js';
import { scrubUpstreamText } from '../../security/upstream-text.js';
import type { PbxAccounts } from './accounts.js';
import type { PbxConnectionStore } from './connection-store.js';
import { accountFieldsOf, idOrNull } from './mappers.js';
import type { PbxConnectionRecord } from './types.js';
import type { PbxConsentStates } from './consent-states.js';
import { DEFAULT_TENANT, type Tenant } from '../../domain/tenant.js';

export interface PbxConnectionStart {
  authorizationUrl: string;
  state: string;
}

export type ConnectOutcome =
  | { kind: 'connected'; account: PbxConnectionRecord; replaced: boolean }
  | {
      kind: 'refused';
      /** HTTP status of the page. */
      status: number;
      /** Short machine-readable reason (also `pbxError` on a PBX_RETURN_URL redirect). */
      reason: string;
      title: string;
      message: string;
      /** False when the state was not ours: such a request is answered with our page, never redirected. */
      stateAccepted: boolean;
    };

export interface ConnectFlowDeps {
  config: PbxConfig;
  client: PbxClient;
  tokens: TokenManager;
  connections: PbxConnectionStore;
  logger: Logger;
  /** The connected accounts: told of the app's credentials and of replaced apps, and running calls per account. */
  accounts: Pick<PbxAccounts, 'recordAppCredentials' | 'connected' | 'withAccount'>;
  /** Names the trusted app; default `cxgraph-<login>-<yyyymmdd>`. */
  appName?(login: string): string;
  /** Consent states: one set per process, shared by every tenant's flow (the callback learns the tenant from it). */
  states: PbxConsentStates;
  /** The tenant this flow connects accounts for (default `default`). */
  tenant?: Tenant;
  /** The flow of another tenant, to finish a consent that tenant began; undefined when there is none. */
  flowOf?(tenant: Tenant): PbxConnectFlow | undefined;
}

/** OAuth errors of the token endpoint that say the public application itself is refused, not the code. */
const APP_REFUSED = new Set(['invalid_client', 'unauthorized_client']);

export class PbxConnectFlow {
  constructor(private readonly d: ConnectFlowDeps) {}

  /** The consent states this flow creates and claims (shared by every tenant's flow). */
  get states(): PbxConsentStates {
    return this.d.states;
  }

  private get tenant(): Tenant {
    return this.d.tenant ?? DEFAULT_TENANT;
  }

  async begin(): Promise<PbxConnectionStart> {
    const state = await this.d.states.create(this.tenant);
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: this.d.config.clientId,
      redirect_uri: this.d.config.redirectUri,
      scope: PBX_SCOPE,
      state,
    });
    this.d.logger.info({ provider: 'PBX' }, 'PBX connection started');
    return { authorizationUrl: `${this.d.client.authorizeUrl}?${q}`, state };
  }

  /**
   * Finishes the consent the callback's state belongs to, in the flow of the tenant that began it. `caller`: who
   * sent the callback, when the request proved it (a browser coming back from the PBX usually proves nothing).
   */
  async complete(query: URLSearchParams, caller?: { tenant?: Tenant }): Promise<ConnectOutcome> {
    const state = query.get('state');
    if (!state) {
      return this.refuse(
        400,
        'missing_state',
        'This link cannot connect a PBX account',
        'The request carries no state parameter, so it cannot be matched to a connection you started. Start the connection again from the application.',
        false,
      );
    }
    const tenant = await this.d.states.claim(state);
    const owner = tenant === undefined ? undefined : tenant === this.tenant ? this : this.d.flowOf?.(tenant);
    if (!owner) {
      return this.refuse(
        400,
        'invalid_state',
        'This link cannot connect a PBX account',
        'The connection attempt it belongs to is unknown, has expired (after 10 minutes) or was already used. Start the connection again from the application.',
        false,
      );
    }
    if (caller?.tenant !== undefined && caller.tenant !== tenant) {
      // Never says whose attempt it was. The state is spent: its owner starts again.
      return this.refuse(
        403,
        'wrong_tenant',
        'This link cannot connect a PBX account',
        'The connection attempt it belongs to was started for another organisation than the one this request acts for, so nothing was connected. Start the connection again from your own application.',
        false,
      );
    }
    return owner.finish(query, state);
  }

  /** Steps 2 to 6, in the tenant whose state was claimed. */
  private async finish(query: URLSearchParams, state: string): Promise<ConnectOutcome> {
    const error = query.get('error');
    if (error) {
      if (error === 'access_denied') {
        return this.refuse(
          403,
          'access_denied',
          'Access was not allowed',
          'The PBX user did not allow cxgraph to access the account, so nothing was connected. Start again and click Allow to connect it.',
          true,
        );
      }
      const code = /^[a-z_]{1,64}$/.test(error) ? error : 'error';
      // Upstream text: capped and cleared of the app's secret and credential-shaped pairs before it reaches a page.
      const description = scrubUpstreamText(query.get('error_description') ?? '', [this.d.config.clientSecret]);
      return this.refuse(
        400,
        code,
        'The PBX did not authorise the connection',
        `The PBX answered ${code}${description ? `: ${description}` : ''}. Start the connection again, or ask the administrator to check the PBX application.`,
        true,
      );
    }
    const code = query.get('code');
    if (!code) {
      return this.refuse(
        400,
        'missing_code',
        'The PBX sent no authorization code',
        'The PBX redirected back without a code. Start the connection again.',
        true,
      );
    }

    const attempt = createHash('sha256').update(state).digest('hex').slice(0, 16);
    const consent = new PbxAuthorizationCodeGrant({
      tokenUrl: this.d.client.tokenUrl,
      clientId: this.d.config.clientId,
      clientSecret: this.d.config.clientSecret,
      redirectUri: this.d.config.redirectUri,
      code,
      attempt,
    });
    let step = 'exchange';
    try {
      const token = await this.d.tokens.getToken(consent);
      this.d.accounts.recordAppCredentials(undefined);
      step = 'user';
      const user = await this.d.client.getUser({ bearer: token.accessToken });
      step = 'application';
      const trustedApp = await this.d.client.createTrustedApp(token.accessToken, (this.d.appName ?? defaultAppName)(user.login));
      const record: PbxConnectionRecord = { ...accountFieldsOf(user), status: 'CONNECTED', trustedApp, connectedAt: new Date().toISOString() };
      step = 'save';
      const previous = await this.d.connections.save(record);
      await this.d.accounts.connected(previous);

      step = 'verify';
      const verify = (grant: ReturnType<PbxClient['trustedGrant']>) => this.d.client.getUser({ grant });
      const confirmed = await this.d.accounts.withAccount(record, verify);
      if (idOrNull(confirmed.id) !== record.id) {
        throw new CxError('PBX trusted application acts for another user than the one who consented', { code: 'PROVIDER_ERROR', provider: 'PBX' });
      }
      const account: PbxConnectionRecord = { ...record, ...accountFieldsOf(confirmed) };
      if (JSON.stringify(account) !== JSON.stringify(record)) await this.d.connections.save(account);
      this.d.logger.info({ provider: 'PBX', accountId: account.id, login: account.login, replaced: previous !== undefined }, 'PBX account connected');
      return { kind: 'connected', account, replaced: previous !== undefined };
    } catch (e) {
      return this.failed(e, step);
    } finally {
      await this.d.tokens.forget(consent);
    }
  }

  private failed(e: unknown, step: string): ConnectOutcome {
    if (!isCxError(e)) throw e;
    const oauthError = e.extensions.oauthError;
    this.d.logger.warn({ provider: 'PBX', step, code: e.extensions.code, oauthError, upstreamStatus: e.extensions.upstreamStatus }, 'PBX connection failed');
    if (step === 'exchange' && oauthError && APP_REFUSED.has(oauthError)) {
      this.d.accounts.recordAppCredentials(e);
      return this.refuse(
        502,
        oauthError,
        'cxgraph could not finish the connection',
        `The PBX refused cxgraph's application credentials (${oauthError}). Ask the administrator to check PBX_CLIENT_ID and PBX_CLIENT_SECRET.`,
        true,
      );
    }
    if (step === 'exchange' && oauthError === 'invalid_grant') {
      return this.refuse(
        400,
        'invalid_grant',
        'The authorization code was not accepted',
        'The PBX did not accept the authorization code (invalid_grant): it may have expired or been used already. Start the connection again.',
        true,
      );
    }
    const what: Record<string, string> = {
      exchange: 'exchanging the authorization code',
      user: 'reading the PBX user',
      application: 'creating the trusted application',
      save: 'storing the connection',
      verify: 'checking the new trusted application',
    };
    const status = e.extensions.code === 'PROVIDER_RATE_LIMITED' ? 503 : 502;
    return this.refuse(
      status,
      e.extensions.code.toLowerCase(),
      'cxgraph could not finish the connection',
      `Failed while ${what[step] ?? step}: ${e.message}. Start the connection again in a moment.`,
      true,
    );
  }

  private refuse(status: number, reason: string, title: string, message: string, stateAccepted: boolean): ConnectOutcome {
    if (!stateAccepted) this.d.logger.warn({ provider: 'PBX', reason }, 'PBX callback refused before any token request');
    return { kind: 'refused', status, reason, title, message, stateAccepted };
  }
}

/** `cxgraph-<login>-<yyyymmdd>`: tells a PBX administrator who made the app and when. */
export function defaultAppName(login: string): string {
  const safe = login.replace(/[^\w.@-]+/g, '_').slice(0, 40);
  return `cxgraph-${safe}-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`;
}
