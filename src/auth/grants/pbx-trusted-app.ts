/**
 * A Telphin PBX account's trusted application (docs/providers/pbx.md#trusted-application-tokens): client credentials with the trusted app's
 * own id and secret in the form body — `grant_type=client_credentials`, `client_id`, `client_secret`, no scope —
 * answered without a refresh token. One grant per connected account: `identity.subject` is the account (PBX user)
 * id, so two accounts never share a cached token even if a platform reused app ids.
 *
 * The PBX says "on any authorisation error, request a new token even if `expires_in` has not passed": the token
 * manager does exactly that on a 401 (invalidate, fetch once more). A token request refused with `invalid_client`
 * (the trusted app was deleted or its secret reset) cannot be recovered by any retry: the PBX service marks the
 * account NEEDS_REAUTHORIZATION and stops asking.
 */
import { formRequest, type Grant, type GrantIdentity, type TokenHttpRequest } from '../grant.js';
import type { TokenSet } from '../token-set.js';
import { processPbxTokenResponse } from './pbx-authorization-code.js';

export interface PbxTrustedApp {
  tokenUrl: string;
  /** The PBX user id the trusted application acts for (the PbxAccount id). */
  accountId: string;
  /** The trusted application's id and secret, as `POST /api/ver1.0/application/` returned them. */
  clientId: string;
  clientSecret: string;
}

export class PbxTrustedAppGrant implements Grant {
  readonly identity: GrantIdentity;
  readonly renewBeforeExpiry = true;

  constructor(private readonly c: PbxTrustedApp) {
    this.identity = { provider: 'PBX', tokenUrl: c.tokenUrl, clientId: c.clientId, scope: '', subject: c.accountId };
  }

  buildRequest(): TokenHttpRequest {
    return formRequest(this.c.tokenUrl, {
      grant_type: 'client_credentials',
      client_id: this.c.clientId,
      client_secret: this.c.clientSecret,
    });
  }

  processResponse(body: unknown, requestedAt: number): TokenSet {
    // Client credentials have no refresh token (RFC 6749 §4.4.3); one sent anyway is not kept, so a renewal is
    // always the primary grant and a revoked trusted app shows up as the `invalid_client` it is.
    const { refreshToken: _ignored, ...t } = processPbxTokenResponse(body, requestedAt);
    return t;
  }
}
