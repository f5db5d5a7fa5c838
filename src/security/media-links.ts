/**
 * Signed media links: what lets `<audio src="{downloadUrl}">` play a call recording in a browser, which cannot attach
 * a header or a JWT to the request it makes, without opening the media routes to anyone.
 *
 * `CallMedia.downloadUrl` is `CXGRAPH_PUBLIC_URL` + the media path + `?exp=<unix seconds>&sig=<HMAC>`, where the
 * HMAC-SHA256 covers a version tag, the exact path (as cxgraph parses it) and the expiry. A request under `/media/`
 * is served only when its link verifies — whatever the caller authentication mode, and with no header at all — and
 * is refused with 403 otherwise (no or extra parameters, another path, a changed expiry, a signature of another key,
 * an expired link) before the route runs, so the platform is never asked. Credentials are neither needed nor enough:
 * the signature is what says that an authenticated GraphQL request asked for this file a moment ago.
 *
 * The key comes from the configuration (CXGRAPH_MEDIA_SIGNING_KEY, or HKDF of CXGRAPH_ENCRYPTION_KEYS), so every
 * replica accepts every other replica's links; the first key signs, every listed key verifies (rotation). Outside
 * production a random per-process key may stand in (src/config/media-links-config.ts says when).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** Every route under this prefix streams media and is reached through a signed link only. */
export const MEDIA_PREFIX = '/media/';
const VERSION = 'cxgraph-media-v1';
const SIG = /^[A-Za-z0-9_-]{43}$/;
const EXP = /^[0-9]{1,12}$/;

export interface MediaLinkSettings {
  /** Base of every link (no trailing slash), e.g. https://cx.example.com; read for each link. */
  publicUrl: () => string;
  ttlSeconds: number;
  /** HMAC keys, newest first: the first signs, any verifies. */
  keys: readonly Buffer[];
}

export type MediaLinkCheck = { ok: true } | { ok: false; reason: 'unsigned' | 'malformed' | 'bad signature' | 'expired'; message: string };

export interface MediaLinks {
  /** The absolute, signed URL of a media path (`/media/nvm/<guid>/<key>`), valid `ttlSeconds` from now. */
  url(path: string): string;
  /** Whether a request's URL carries a valid link for exactly its own path. */
  verify(url: URL): MediaLinkCheck;
}

export function isMediaPath(pathname: string): boolean {
  return pathname.startsWith(MEDIA_PREFIX);
}

/** `now` in milliseconds, injectable for tests. */
export function createMediaLinks(settings: MediaLinkSettings, now: () => number = Date.now): MediaLinks {
  if (settings.keys.length === 0) throw new Error('media links need at least one signing key');
  const [signer] = settings.keys as [Buffer, ...Buffer[]];
  return {
    url(path) {
      const pathname = canonicalPath(path);
      const exp = String(Math.floor(now() / 1000) + settings.ttlSeconds);
      return `${settings.publicUrl()}${pathname}?exp=${exp}&sig=${mac(signer, pathname, exp).toString('base64url')}`;
    },
    verify(url) {
      const params = [...url.searchParams.keys()];
      const exp = url.searchParams.get('exp');
      const sig = url.searchParams.get('sig');
      if (exp === null && sig === null) return refused('unsigned', 'This media URL carries no signature: use the downloadUrl cxgraph gives out');
      // Exactly the two parameters, once each: anything added or repeated is an altered link.
      if (params.length !== 2 || exp === null || sig === null || !EXP.test(exp) || !SIG.test(sig)) {
        return refused('malformed', 'This media URL is not a valid signed link: use the downloadUrl exactly as cxgraph gives it out');
      }
      const given = Buffer.from(sig, 'base64url');
      let match = false;
      // Every key is compared, in constant time each, with no early exit.
      for (const key of settings.keys) match = timingSafeEqual(mac(key, url.pathname, exp), given) || match;
      if (!match) return refused('bad signature', 'This media URL has been altered or was signed for another file: ask for a fresh downloadUrl');
      if (Number(exp) * 1000 <= now()) return refused('expired', 'This media URL has expired: ask for a fresh downloadUrl');
      return { ok: true };
    },
  };
}

function mac(key: Buffer, pathname: string, exp: string): Buffer {
  return createHmac('sha256', key).update(`${VERSION}\n${pathname}\n${exp}`, 'utf8').digest();
}

/** The path as the server will see it in `new URL(req.url)` (percent-encoding and dot segments normalised). */
function canonicalPath(path: string): string {
  return new URL(path, 'http://localhost').pathname;
}

function refused(reason: Extract<MediaLinkCheck, { ok: false }>['reason'], message: string): MediaLinkCheck {
  return { ok: false, reason, message };
}

/** 403 with a GraphQL-shaped body, like every other refusal; never cached. */
export function sendMediaRefusal(res: ServerResponse, check: Extract<MediaLinkCheck, { ok: false }>): void {
  const text = JSON.stringify({ errors: [{ message: check.message, extensions: { code: 'FORBIDDEN' } }] });
  res.writeHead(403, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
