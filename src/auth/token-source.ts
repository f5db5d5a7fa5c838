/**
 * What the upstream client needs of the token manager: a token for a grant around one call, with one retry on a
 * fresh token when the platform says the first was not accepted. Declared on its own so src/http depends on this
 * contract, not on the token manager (which sends its token requests through src/http).
 */
import type { Grant } from './grant.js';
import type { TokenSet } from './token-set.js';

export interface TokenSource {
  withToken<T>(grant: Grant, fn: (token: TokenSet) => Promise<T>, isUnauthorized: (result: T) => boolean): Promise<T>;
  /**
   * What an upstream answer must never be allowed to show (src/security/upstream-text.ts): the configured secrets
   * the source has used, and with a grant, its credentials and the access and refresh tokens held for it.
   */
  secretsFor?(grant?: Grant): string[];
}
