/**
 * OAuth 2 resource owner password credentials grant (RFC 6749 §4.3) with refresh tokens (§6), as CloudCX
 * uses it: client id and secret in the form body (client_secret_post, as CloudCX's guide shows), the
 * platform user's username and password, and `grant_type=refresh_token` to renew.
 *
 * The token manager tries the refresh token first and uses the password again only when the refresh is
 * refused (`invalid_grant`), so the password is sent once per refresh-token chain, not once per hour.
 * The username is the token's subject: two cxgraph configurations acting as different platform users
 * never share a cached token.
 */
import type { ProviderName } from '../../domain/provider-name.js';
import { formRequest, type Grant, type GrantIdentity, type TokenHttpRequest } from '../grant.js';

export interface PasswordCredentials {
  provider: ProviderName;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  /** Space-separated scopes; omitted from the request when empty (CloudCX's guide sends none). */
  scope?: string;
}

export class PasswordGrant implements Grant {
  readonly identity: GrantIdentity;
  readonly renewBeforeExpiry = true;

  constructor(private readonly c: PasswordCredentials) {
    this.identity = { provider: c.provider, tokenUrl: c.tokenUrl, clientId: c.clientId, scope: c.scope ?? '', subject: c.username };
  }

  buildRequest(): TokenHttpRequest {
    return formRequest(this.c.tokenUrl, {
      grant_type: 'password',
      client_id: this.c.clientId,
      client_secret: this.c.clientSecret,
      username: this.c.username,
      password: this.c.password,
      ...(this.c.scope ? { scope: this.c.scope } : {}),
    });
  }

  /** RFC 6749 §6: a confidential client authenticates the refresh request the same way as the grant. */
  buildRefreshRequest(refreshToken: string): TokenHttpRequest {
    return formRequest(this.c.tokenUrl, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: this.c.clientId,
      client_secret: this.c.clientSecret,
    });
  }
}
