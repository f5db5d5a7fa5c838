/**
 * OAuth 2.0 client credentials with HTTP Basic client authentication (RFC 6749 §2.3.1 client_secret_basic,
 * §4.4) and space-separated scopes, as Sangoma CX uses it: `POST https://auth.sangoma.com/oauth/token`,
 * `Authorization: Basic base64(client_id:client_secret)`, form `grant_type=client_credentials&scope=a b`.
 * https://help.sangoma.com (Sangoma CX "API Authentication"; docs/providers/sangoma.md#authentication)
 *
 * The secret travels only in the Authorization header, never in the body. Sangoma's tokens live about a year
 * and "a token can be renewed only once it is expired", so by default the token manager keeps the token for
 * its whole life and renews it only when it has expired or an API answered 401 (`renewBeforeExpiry = false`).
 */
import type { ProviderName } from '../../domain/provider-name.js';
import { basicAuthorization, formRequest, type Grant, type GrantIdentity, type TokenHttpRequest } from '../grant.js';

export interface BasicClientCredentials {
  provider: ProviderName;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Scope identifiers; sent joined by one space (RFC 6749 §3.3). At least one. */
  scopes: readonly string[];
  /** Whether the platform allows renewing before expiry. Default false (Sangoma forbids it). */
  renewBeforeExpiry?: boolean;
  /** How id and secret are put in the header (grant.ts `basicAuthorization`); Sangoma documents `raw`. Default `form`. */
  basicEncoding?: 'form' | 'raw';
}

export class BasicClientCredentialsGrant implements Grant {
  readonly identity: GrantIdentity;
  readonly renewBeforeExpiry: boolean;
  /** The scopes asked for, deduplicated, in the configured order. */
  readonly scopes: readonly string[];

  constructor(private readonly c: BasicClientCredentials) {
    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), separated by single spaces.
    this.scopes = Object.freeze([...new Set(c.scopes.flatMap((s) => s.split(/\s+/)).filter(Boolean))]);
    if (this.scopes.length === 0) throw new TypeError(`${c.provider}: at least one scope is required`);
    this.renewBeforeExpiry = c.renewBeforeExpiry ?? false;
    this.identity = { provider: c.provider, tokenUrl: c.tokenUrl, clientId: c.clientId, scope: this.scopes.join(' ') };
  }

  buildRequest(): TokenHttpRequest {
    return formRequest(
      this.c.tokenUrl,
      { grant_type: 'client_credentials', scope: this.identity.scope },
      { authorization: basicAuthorization(this.c.clientId, this.c.clientSecret, this.c.basicEncoding) },
    );
  }
}
