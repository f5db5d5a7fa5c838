/**
 * OAuth 2 authorization-server plumbing every simulated platform needs the same way: RFC 6749 client_secret_basic
 * parsing, constant-time secret checks, and the headers and error bodies of token responses.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { SimResponse } from './sim-http.js';

/** RFC 6749 §5.1: token responses must not be cached. */
export const NO_STORE: Readonly<Record<string, string>> = Object.freeze({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
/** What Microsoft's and IdentityServer's token endpoints send instead. */
export const NO_STORE_NO_CACHE: Readonly<Record<string, string>> = Object.freeze({ 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' });

/**
 * client_secret_basic. `form` (RFC 6749 §2.3.1): both parts are form-urlencoded before base64. `raw`:
 * `base64(client_id:client_secret)` as sent (Sangoma's documented form): split at the first colon, nothing decoded.
 */
export function basicCredentials(header: string | undefined, encoding: 'form' | 'raw' = 'form'): { clientId: string; clientSecret: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  if (encoding === 'raw') return { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) };
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      clientSecret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return null;
  }
}

/** Constant-time comparison (hashing first makes the lengths equal), as real authorization servers do. */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}

/** An RFC 6749 §5.2 error response. */
export function oauthError(status: number, error: string, description: string, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { ...NO_STORE, ...headers }, json: { error, error_description: description } };
}
