/**
 * Small pieces of HTTP and OAuth plumbing every simulated platform needs the same way: content types,
 * RFC 6749 client_secret_basic parsing, constant-time secret checks and OAuth error bodies.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { SimConfigError, type SimConfigHook, type SimResponse } from './sim-server.js';

/** RFC 6749 §5.1: token responses must not be cached. */
export const NO_STORE: Readonly<Record<string, string>> = Object.freeze({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

export function isFormEncoded(header: string | undefined): boolean {
  return mediaType(header) === 'application/x-www-form-urlencoded';
}

export function isJson(header: string | undefined): boolean {
  const type = mediaType(header);
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/** client_secret_basic (RFC 6749 §2.3.1): both parts are form-urlencoded before base64. */
export function basicCredentials(header: string | undefined): { clientId: string; clientSecret: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
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

/** A stable UUID-shaped id derived from a seed, so sample data and object ids are the same on every run. */
export function stableUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** An RFC 6749 §5.2 error response. */
export function oauthError(status: number, error: string, description: string, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { ...NO_STORE, ...headers }, json: { error, error_description: description } };
}

/**
 * The `POST /__sim/config {"tokenLifetimeSec": n}` control every token-issuing simulator offers, so a separate
 * process (benchmarks) can shorten token lifetimes. `set` validates and throws on a bad value.
 */
export function tokenLifetimeConfig(target: { tokenLifetimeSec: number }): SimConfigHook {
  return {
    keys: ['tokenLifetimeSec'],
    apply: (values) => {
      const value = values['tokenLifetimeSec'];
      if (typeof value !== 'number') throw new SimConfigError('tokenLifetimeSec must be a number of seconds');
      try {
        target.tokenLifetimeSec = value;
      } catch (err) {
        throw new SimConfigError((err as Error).message);
      }
    },
    snapshot: () => ({ tokenLifetimeSec: target.tokenLifetimeSec }),
  };
}
