/** How the token manager names what it keeps: a grant's store key, and a token's fingerprint (never the token). */
import { createHash } from 'node:crypto';
import type { GrantIdentity } from './grant.js';

/** Store key of a grant: provider plus a hash of token URL, client id, scope and subject — never the secret. */
export function cacheKey(id: GrantIdentity): string {
  const h = createHash('sha256')
    .update([id.tokenUrl, id.clientId, id.scope, id.subject ?? ''].join('\n'))
    .digest('hex')
    .slice(0, 32);
  return `token:${id.provider.toLowerCase()}:${h}`;
}

/** A short hash of a token, to remember which tokens an API refused without keeping them. */
export function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('base64url').slice(0, 22);
}
