/**
 * What the logger removes from every line, wherever it sits: values under credential-like keys at any depth,
 * and credential-shaped text inside any string (the message included) — JWTs, `Bearer`/`Basic` credentials,
 * OAuth `code`/`state` and token parameters in URLs, credential-looking `key=value` / `key: value` / `"key":"value"`
 * pairs anywhere (`client_secret=…`, `password: …`, `"x-api-key":"…"`), and user:password in URLs. Opaque secrets
 * have no shape: upstream text is also cleared of the exact values the request carried (upstream-text.ts). Call sites need not be careful;
 * this is the net under them. An error code under a `code` key (PROVIDER_AUTH_FAILED, …) is kept: it is a
 * closed set of words, never an OAuth code, and operators need it.
 */
import { APOLLO_REQUEST_CODES, ERROR_CODES } from '../domain/error-codes.js';

export const REDACTED = '[redacted]';

/** Keys whose values are never logged, compared without case, `_` or `-`. */
const SECRET_KEY_NAMES = new Set([
  'clientsecret',
  'password',
  'passwd',
  'apikey',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'secret',
  'token',
  'code',
  'state',
  'encryptionkeys',
  'redisurl',
  'xroutersecret',
  'routersecret',
  'secrets',
  'assertion',
  'clientassertion',
  'codeverifier',
]);

/** Values a `code` key may show: error codes of cxgraph and Apollo Server. */
const SHOWN_CODES = new Set<string>([...ERROR_CODES, 'INTERNAL_SERVER_ERROR', ...APOLLO_REQUEST_CODES]);

export function isSecretKey(key: string): boolean {
  return SECRET_KEY_NAMES.has(key.replace(/[-_]/g, '').toLowerCase());
}

/** pino `redact.censor`: everything under a redacted path, except an error code under `code`. */
export function censor(value: unknown, path: string[]): unknown {
  if (path[path.length - 1] === 'code' && typeof value === 'string' && SHOWN_CODES.has(value)) return value;
  return REDACTED;
}

/** How the name of a credential ends: client_secret, db_password, x-api-key, refreshToken, client_assertion, … */
const CREDENTIAL_WORD = '(?:secret|password|passwd|pwd|passphrase|api[_-]?key|apikey|token|assertion|code[_-]?verifier|credentials?|private[_-]?key)';
const URL_SECRET_PARAMS = 'code|state|access_token|refresh_token|id_token|client_secret|token|password|api_key|apikey|assertion|code_verifier';
const PATTERNS: [RegExp, string][] = [
  // JWS/JWT compact serialisation (header.payload.signature), whatever signed it.
  [/eyJ[\w-]{2,}\.[\w-]{2,}\.[\w-]*/g, REDACTED],
  // Credentials after an auth scheme.
  [/\b(Bearer|Basic)\s+[\w.~+/=-]{4,}/gi, `$1 ${REDACTED}`],
  // Secret query (or fragment, or form) parameters.
  [new RegExp(`([?&#](?:${URL_SECRET_PARAMS})=)[^&#\\s"']*`, 'gi'), `$1${REDACTED}`],
  [new RegExp(`^((?:${URL_SECRET_PARAMS})=)[^&#\\s"']*`, 'gi'), `$1${REDACTED}`],
  // user:password@ in a URL (redis://:pw@host, https://id:secret@host).
  [/(\b[a-z][\w+.-]{0,30}:\/\/)[^\s/@:]*:[^\s/@]*@/gi, `$1${REDACTED}@`],
  // Credential-looking pairs in any text: a key ending in one of these words, then = or :, then the value (quoted or
  // not); an authorization value to the end of its field, scheme and all. `code` and `state` alone are left to the URL
  // patterns above: "error code=42" is no secret. Prefixes are bounded, so a long string costs linear time.
  [/(\b[\w-]{0,40}authorization["']?\s*[=:]\s*["']?)[^"',;\r\n]+/gi, `$1${REDACTED}`],
  [new RegExp(`(\\b[\\w-]{0,40}${CREDENTIAL_WORD}["']?\\s*[=:]\\s*["']?)[^\\s"'&,;)}\\]]+`, 'gi'), `$1${REDACTED}`],
];

/** A string with credential-shaped parts replaced. */
export function scrubString(s: string): string {
  let out = s;
  for (const [re, to] of PATTERNS) out = out.replace(re, to);
  return out;
}

/**
 * A copy of a logged value with secret keys censored and strings scrubbed, at any depth. Errors become
 * `{type, message, stack}` (scrubbed); cycles and depth past 8 are cut.
 */
export function scrubValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value) || depth > 8) return '[…]';
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  seen.add(value);
  try {
    if (value instanceof Error) {
      const e = value as Error & { code?: unknown };
      return {
        type: e.name,
        message: scrubString(e.message),
        ...(typeof e.code === 'string' ? { code: e.code } : {}),
        ...(e.stack ? { stack: scrubString(e.stack) } : {}),
      };
    }
    if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = isSecretKey(k) && v !== undefined && v !== null ? censor(v, [k]) : scrubValue(v, depth + 1, seen);
    }
    return out;
  } finally {
    // Only the path being walked counts as seen: the same object twice side by side is not a cycle.
    seen.delete(value);
  }
}

/** Removes OAuth `code`/`state`, token parameters and user:password from a URL before it is logged. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = REDACTED;
      u.password = '';
    }
    for (const k of [...u.searchParams.keys()]) {
      if (new RegExp(`^(?:${URL_SECRET_PARAMS})$`, 'i').test(k)) u.searchParams.set(k, REDACTED);
    }
    if (u.hash) u.hash = scrubString(u.hash);
    return u.toString();
  } catch {
    return scrubString(url);
  }
}
