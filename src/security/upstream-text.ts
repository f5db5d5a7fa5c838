/**
 * Upstream text made safe to show (issue 11 item 5, issue 17 item 7). What a platform writes into an error body is
 * not ours: a 400 may echo the bearer token it was sent, a token endpoint's `error_description` may echo the form
 * (client_secret=…), a refused refresh token may come back verbatim — and in any spelling: percent-encoded in either
 * case, base64 or base64url with or without padding, `\uXXXX`-escaped, as HTML entities (`&#47;`, `&#x2F;`, `&sol;`),
 * as hex, upper-cased, or split by a space. Opaque secrets have no shape a pattern could recognise, so:
 *
 * 1. the exact values cxgraph knows to be secret — the credentials the request carried, the tokens held for its grant,
 *    the configured secrets in use — are removed in every spelling above that can be replaced in place (removeSecrets);
 * 2. then every credential-shaped part (redact.ts: JWTs, `Bearer …`, `client_secret=…`);
 * 3. then the text is decoded every way above (percent, JSON escapes and HTML entities, repeatedly; base64 and hex runs
 *    at every alignment; case and whitespace ignored), and if any piece of 8 characters of a secret is still there in
 *    any of those readings, the whole text is withheld (echoesSecret). Withheld rather than cut out: a decoded reading
 *    does not map back onto the characters it came from (a base64 run shifts, an entity spans several), so cutting
 *    could leave pieces behind. The status, error code and `oauthError` still say what happened.
 *
 * Only upstream text goes through step 3 (src/errors/errors.ts calls this wherever upstream text becomes part of a message),
 * so cxgraph's own words are never withheld; a GraphQL error, `providers { lastError }` and the log lines made from
 * them never carry a secret.
 */
import { isSecretKey, REDACTED, scrubString } from './redact.js';

/** The longest piece of upstream text a message carries. */
export const UPSTREAM_TEXT_MAX_CHARS = 200;
/** Text beyond this is not even looked at. */
const READ_AT_MOST = 8 * 1024;
/** Shorter values are not searched for: a 1-character "secret" would erase every message. */
const MIN_SECRET_LENGTH = 4;
/** The length of a piece of a secret that is enough to withhold upstream text (a shorter secret: all of it). */
export const SECRET_FRAGMENT_CHARS = 8;
/** What upstream text is replaced by when a reading of it shows a piece of a secret. */
export const WITHHELD = '[upstream text withheld: it echoed a credential]';

/** `text` as a message may carry it: its first line, without any of `secrets` or credential-shaped parts, capped. */
export function scrubUpstreamText(text: string, secrets: Iterable<string> = [], maxChars = UPSTREAM_TEXT_MAX_CHARS): string {
  const head = text.length > READ_AT_MOST ? text.slice(0, READ_AT_MOST) : text;
  const line = (head.split(/\r?\n/, 1)[0] ?? '').trim();
  const list = [...secrets];
  const safe = scrubString(removeSecrets(line, list));
  const capped = safe.length > maxChars ? `${safe.slice(0, maxChars - 1)}…` : safe;
  // Only what goes out is read every way (a short text: cheap, whatever came in).
  return echoesSecret(capped, list) ? WITHHELD : capped;
}

/** `text` with every occurrence of each secret, in each spelling it may be echoed in, replaced by [redacted]. */
export function removeSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  // Longest first, so a secret that contains another is removed whole.
  const all = usable(secrets).sort((a, b) => b.length - a.length);
  for (const s of all) {
    for (const form of spellings(s)) {
      if (!out.toLowerCase().includes(form.toLowerCase())) continue;
      out = out.replace(new RegExp(escapeRegExp(form), 'gi'), REDACTED);
    }
  }
  return out;
}

/**
 * True when any reading of `text` (decoded as percent-encoding, JSON escapes, HTML entities, base64/base64url and hex,
 * without case or whitespace) holds SECRET_FRAGMENT_CHARS characters in a row of one of `secrets` (all of a shorter one).
 */
export function echoesSecret(text: string, secrets: Iterable<string>): boolean {
  const atoms = atomsOf(usable(secrets))
    .map(normalise)
    .filter((a) => a.length >= MIN_SECRET_LENGTH);
  if (!atoms.length || !text) return false;
  const views = readings(text).map(normalise);
  const windows = new Set<string>();
  const lengths = new Set(atoms.map((a) => Math.min(a.length, SECRET_FRAGMENT_CHARS)));
  for (const v of views) for (const n of lengths) for (let i = 0; i + n <= v.length; i++) windows.add(v.slice(i, i + n));
  for (const a of atoms) {
    const n = Math.min(a.length, SECRET_FRAGMENT_CHARS);
    for (let i = 0; i + n <= a.length; i++) if (windows.has(a.slice(i, i + n))) return true;
  }
  return false;
}

function usable(secrets: Iterable<string>): string[] {
  return [...new Set(secrets)].filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH);
}

/**
 * The secrets that are not made of others: `Bearer <token>`, a Basic `id:secret` pair and its base64 hold a secret
 * that is listed on its own, next to words that are not secret (the scheme, the client id), which must not count.
 */
function atomsOf(secrets: string[]): string[] {
  return secrets.filter(
    (s) => !secrets.some((t) => t !== s && t.length >= MIN_SECRET_LENGTH && t.length < s.length && (s.includes(t) || s.includes(encodeURIComponent(t)))),
  );
}

function normalise(s: string): string {
  return s.toLowerCase().replace(/\s+/g, '');
}

/** Spellings of `s` that can be replaced in place (compared without case). */
function spellings(s: string): Set<string> {
  const b64 = Buffer.from(s).toString('base64');
  const hex = Buffer.from(s).toString('hex');
  return new Set(
    [
      s,
      encodeURIComponent(s),
      new URLSearchParams({ v: s }).toString().slice(2),
      JSON.stringify(s).slice(1, -1),
      [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
      b64,
      b64.replace(/=+$/, ''),
      Buffer.from(s).toString('base64url'),
      hex,
      htmlEscape(s, (c) => `&#${c};`),
      htmlEscape(s, (c) => `&#x${c.toString(16)};`),
      htmlEscape(s, (c) => (NAMED_BY_CODE.has(c) ? `&${NAMED_BY_CODE.get(c)};` : String.fromCharCode(c))),
    ].filter((f) => f.length >= MIN_SECRET_LENGTH),
  );
}

function htmlEscape(s: string, entity: (code: number) => string): string {
  return s.replace(/[^A-Za-z0-9]/g, (c) => entity(c.charCodeAt(0)));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * HTML named references of the ASCII characters a secret may hold (HTML5's list). Enough here: a named reference of a
 * non-ASCII character decodes to no character of an ASCII secret, and the `entities` package is not a dependency.
 */
const NAMED: Readonly<Record<string, string>> = {
  excl: '!',
  quot: '"',
  QUOT: '"',
  num: '#',
  dollar: '$',
  percnt: '%',
  amp: '&',
  AMP: '&',
  apos: "'",
  lpar: '(',
  rpar: ')',
  ast: '*',
  midast: '*',
  plus: '+',
  comma: ',',
  hyphen: '-',
  dash: '-',
  period: '.',
  sol: '/',
  colon: ':',
  semi: ';',
  lt: '<',
  LT: '<',
  equals: '=',
  gt: '>',
  GT: '>',
  quest: '?',
  commat: '@',
  lsqb: '[',
  lbrack: '[',
  bsol: '\\',
  rsqb: ']',
  rbrack: ']',
  Hat: '^',
  lowbar: '_',
  UnderBar: '_',
  grave: '`',
  DiacriticalGrave: '`',
  lcub: '{',
  lbrace: '{',
  verbar: '|',
  vert: '|',
  VerticalLine: '|',
  rcub: '}',
  rbrace: '}',
  tilde: '~',
  DiacriticalTilde: '~',
  nbsp: ' ',
  Tab: '\t',
  NewLine: '\n',
};
const NAMED_BY_CODE = new Map<number, string>(
  [
    ['!', 'excl'],
    ['"', 'quot'],
    ['#', 'num'],
    ['$', 'dollar'],
    ['%', 'percnt'],
    ['&', 'amp'],
    ["'", 'apos'],
    ['(', 'lpar'],
    [')', 'rpar'],
    ['*', 'ast'],
    ['+', 'plus'],
    [',', 'comma'],
    ['-', 'hyphen'],
    ['.', 'period'],
    ['/', 'sol'],
    [':', 'colon'],
    [';', 'semi'],
    ['<', 'lt'],
    ['=', 'equals'],
    ['>', 'gt'],
    ['?', 'quest'],
    ['@', 'commat'],
    ['[', 'lsqb'],
    ['\\', 'bsol'],
    [']', 'rsqb'],
    ['^', 'Hat'],
    ['_', 'lowbar'],
    ['`', 'grave'],
    ['{', 'lcub'],
    ['|', 'verbar'],
    ['}', 'rcub'],
    ['~', 'tilde'],
  ].map(([c, n]) => [c!.charCodeAt(0), n!]),
);

/** Percent-encoding (either case, `+` as a space or not), JSON escapes and HTML references, decoded once. */
function decodeTextOnce(s: string): string[] {
  const percent = (t: string) => t.replace(/(?:%[0-9a-f]{2})+/gi, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('latin1'));
  const json = (t: string) => t.replace(/\\u([0-9a-f]{4})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))).replace(/\\([\\/"'])/g, '$1');
  const html = (t: string) =>
    t
      .replace(/&#x([0-9a-f]{1,6});?/gi, (m, h: string) => codePoint(parseInt(h, 16), m))
      .replace(/&#(\d{1,7});?/g, (m, d: string) => codePoint(parseInt(d, 10), m))
      .replace(/&([A-Za-z]{2,20});?/g, (m, n: string) => NAMED[n] ?? m);
  const decoded = html(json(percent(s)));
  return [decoded, percent(s.replace(/\+/g, ' '))];
}

function codePoint(n: number, fallback: string): string {
  return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : fallback;
}

/** Base64/base64url runs (padded or not, at every alignment) and hex runs of `s`, decoded. */
function binaryReadings(s: string): string[] {
  const out: string[] = [];
  for (const [run] of s.matchAll(/[A-Za-z0-9+/_-]{8,}={0,2}/g)) {
    // Node's base64 decoder reads both alphabets and missing padding.
    for (let off = 0; off < 4 && run.length - off >= 8; off++) out.push(Buffer.from(run.slice(off), 'base64').toString('latin1'));
  }
  for (const [run] of s.matchAll(/[0-9a-f]{16,}/gi)) {
    for (let off = 0; off < 2; off++) out.push(Buffer.from(run.slice(off, off + ((run.length - off) & ~1)), 'hex').toString('latin1'));
  }
  return out;
}

/** Every reading of `text`: as is, decoded as text (up to three layers), and each of those read as binary. */
function readings(text: string): string[] {
  const texts = new Set<string>([text]);
  let layer = [text];
  for (let round = 0; round < 3 && layer.length; round++) {
    const next: string[] = [];
    for (const t of layer)
      for (const d of decodeTextOnce(t))
        if (!texts.has(d)) {
          texts.add(d);
          next.push(d);
        }
    layer = next;
  }
  const out = [...texts];
  for (const t of texts) for (const b of binaryReadings(t)) out.push(b, ...decodeTextOnce(b));
  return out;
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
