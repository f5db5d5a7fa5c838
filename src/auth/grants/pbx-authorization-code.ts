/**
 * Telphin PBX authorization code exchange (RFC 6749 §4.1.3), as the PBX documents it: `POST https://<host>/oauth/token`,
 * form `grant_type=authorization_code`, `code`, `redirect_uri`, `client_id`, `client_secret` (all in the body), answered
 * by `{"access_token","expires_in","token_type":"Bearer","refresh_token"}`. docs/providers/pbx.md#authorization-code-exchange.
 *
 * cxgraph uses this token exactly once: to create the account's trusted application (pbx-trusted-app.ts), which then
 * gets its own tokens. So the grant is one-shot: its subject is the consent attempt, not the account (unknown until
 * `/api/ver1.0/user/` answers), and the connect flow forgets it as soon as the trusted application exists. A code is
 * single-use: the refresh request is kept for completeness (a failed refresh is 401 `invalid_grant`).
 */
import { CxError } from '../../errors/errors.js';
import { formRequest, type Grant, type GrantIdentity, type TokenHttpRequest } from '../grant.js';
import { tokenSetFromResponse, type TokenSet } from '../token-set.js';

/** The only scope the PBX defines for public applications. */
export const PBX_SCOPE = 'all';

export interface PbxAuthorizationCode {
  tokenUrl: string;
  /** The public application's App ID (PBX_CLIENT_ID). */
  clientId: string;
  clientSecret: string;
  /** Must be the redirect URI the authorize request carried (PBX_REDIRECT_URI). */
  redirectUri: string;
  code: string;
  /** Names this consent attempt (never the code or the state themselves): keys the one-shot token. */
  attempt: string;
}

export class PbxAuthorizationCodeGrant implements Grant {
  readonly identity: GrantIdentity;
  readonly renewBeforeExpiry = true;

  constructor(private readonly c: PbxAuthorizationCode) {
    this.identity = { provider: 'PBX', tokenUrl: c.tokenUrl, clientId: c.clientId, scope: PBX_SCOPE, subject: `consent:${c.attempt}` };
  }

  buildRequest(): TokenHttpRequest {
    return formRequest(this.c.tokenUrl, {
      grant_type: 'authorization_code',
      code: this.c.code,
      redirect_uri: this.c.redirectUri,
      client_id: this.c.clientId,
      client_secret: this.c.clientSecret,
    });
  }

  buildRefreshRequest(refreshToken: string): TokenHttpRequest {
    return formRequest(this.c.tokenUrl, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: this.c.clientId,
      client_secret: this.c.clientSecret,
    });
  }

  processResponse(body: unknown, requestedAt: number): TokenSet {
    return processPbxTokenResponse(body, requestedAt);
  }
}

/**
 * The PBX's token response: standard RFC 6749 §5.1 processing, plus the PBX's promise that `token_type` is always
 * `Bearer` — any other type would be sent in a header the API does not understand, so it is refused here, clearly.
 * Lifetimes are not documented: without `expires_in` (and without a JWT `exp`) 3600 s is assumed.
 */
export function processPbxTokenResponse(body: unknown, requestedAt: number): TokenSet {
  const t = tokenSetFromResponse('PBX', body, requestedAt);
  if (t.tokenType.toLowerCase() !== 'bearer') {
    throw new CxError(`PBX token endpoint answered token_type ${JSON.stringify(t.tokenType.slice(0, 20))}; expected Bearer`, {
      code: 'PROVIDER_ERROR',
      provider: 'PBX',
      upstreamStatus: 200,
    });
  }
  return { ...t, tokenType: 'Bearer' };
}
