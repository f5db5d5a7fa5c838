/**
 * Upstream text made safe to show (issue 11 item 5). What a platform writes into an error body is not ours: a 400
 * may echo the bearer token it was sent, a token endpoint's `error_description` may echo the form (client_secret=…),
 * a refused refresh token may come back verbatim. Opaque secrets have no shape a pattern could recognise, so the text
 * is cleared of the exact values cxgraph knows to be secret — the credentials the request carried, the tokens held
 * for its grant, the configured secrets in use — in every spelling a platform might echo (as sent, URL- or
 * form-encoded, JSON-escaped, base64), then of every credential-shaped part (redact.ts: JWTs, `Bearer …`,
 * `client_secret=…`), and capped. src/errors/errors.ts calls this wherever upstream text becomes part of a message, so a
 * GraphQL error, `providers { lastError }` and the log lines made from them never carry it.
 */
import { isSecretKey, REDACTED, scrubString } from './redact.js';

/** The longest piece of upstream text a message carries. */
export const UPSTREAM_TEXT_MAX_CHARS = 200;
/** Text beyond this is not even looked at. */
const READ_AT_MOST = 8 * 1024;
/** Shorter values are not searched for: a 1-character "secret" would erase every message. */
const MIN_SECRET_LENGTH = 4;

/** `text` as a message may carry it: its first line, without any of `secrets` or credential-shaped parts, capped. */
export function scrubUpstreamText(text: string, secrets: Iterable<string> = [], maxChars = UPSTREAM_TEXT_MAX_CHARS): string {
  const head = text.length > READ_AT_MOST ? text.slice(0, READ_AT_MOST) : text;
  const line = (head.split(/\r?\n/, 1)[0] ?? '').trim();
  const safe = scrubString(removeSecrets(line, secrets));
  return safe.length > maxChars ? `${safe.slice(0, maxChars - 1)}…` : safe;
}

/** `text` with every occurrence of each secret, in each spelling it may be echoed in, replaced by [redacted]. */
export function removeSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  // Longest first, so a secret that contains another is removed whole.
  const all = [...new Set(secrets)].filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  for (const s of all) {
    for (const form of spellings(s)) if (out.includes(form)) out = out.split(form).join(REDACTED);
  }
  return out;
}

function spellings(s: string): Set<string> {
  return new Set([s, encodeURIComponent(s), new URLSearchParams({ v: s }).toString().slice(2), JSON.stringify(s).slice(1, -1), Buffer.from(s).toString('base64')]);
}

/**
 * The secret values a request carries: its Authorization credentials (a Basic pair decoded, so an echo of the bare
 * secret is caught too) and the form fields named like credentials (client_secret, password, refresh_token, code, …).
 */
export function credentialsIn(headers?: Record<string, string>, form?: URLSearchParams): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'authorization' || !value) continue;
    const [scheme, credentials] = value.split(/\s+/, 2);
    out.push(value, credentials ?? scheme ?? value);
    if (credentials && /^basic$/i.test(scheme ?? '')) {
      const pair = Buffer.from(credentials, 'base64').toString('utf8');
      const colon = pair.indexOf(':');
      if (colon >= 0) out.push(pair, decodeFormPart(pair.slice(colon + 1)));
    }
  }
  for (const [k, v] of form ?? []) if (v && isSecretKey(k)) out.push(v);
  return out;
}

function decodeFormPart(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
