/**
 * What the upstream client needs of the token manager: a token for a grant around one call, with one retry on a
 * fresh token when the platform says the first was not accepted. Declared on its own so src/upstream depends on this
 * contract, not on the token manager (which sends its token requests through src/upstream). Grants are opaque here:
 * src/auth defines them, and the upstream layer, below it, only hands them back.
 */
import type { ProviderName } from '../domain/provider-name.js';

/** A grant as the upstream client sees it (src/auth/grant.ts has the whole): passed back to the token source. */
export interface GrantRef {
  /** What the grant acts as: a 429 cool-down holds back this account only (subject, else client id). */
  readonly identity: { readonly provider: ProviderName; readonly clientId: string; readonly subject?: string };
}

/** What a request is sent with. */
export interface AccessToken {
  readonly accessToken: string;
  readonly tokenType: string;
}

export interface TokenSource {
  withToken<T>(grant: GrantRef, fn: (token: AccessToken) => Promise<T>, isUnauthorized: (result: T) => boolean): Promise<T>;
  /**
   * What an upstream answer must never be allowed to show (src/security/upstream-text.ts): the configured secrets
   * the source has used, and with a grant, its credentials and the access and refresh tokens held for it.
   */
  secretsFor?(grant?: GrantRef): string[];
}
