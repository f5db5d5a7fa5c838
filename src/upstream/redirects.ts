/**
 * The redirects cxgraph follows, and the https rule on every URL it fetches (issue 11 item 6). fetch would follow a
 * redirect anywhere — a 307 re-posts the body, credentials and all, to whatever the Location names — so the upstream
 * client always asks its fetch for `redirect: 'manual'` and follows here, itself:
 *
 * - a request that says `follow: false` (token requests: their form carries the client secret) follows none; the
 *   3xx is the answer;
 * - any other request follows at most MAX_REDIRECTS redirects, each to the **same origin** only (the platform moving
 *   its own path); a redirect to another origin — another host, port or scheme — is refused, unfollowed;
 * - every URL fetched, the first and each redirect's, must be https or http on loopback (src/security/url-policy.ts):
 *   a URL a platform hands out (a PBX `record_url`) is held to the rule the configured ones are.
 *
 * A 303 (and a 301/302 answering a POST) is followed with a GET without a body, as fetch does
 * (https://fetch.spec.whatwg.org/#http-redirect-fetch); 307 and 308 keep the method and the body. Messages never
 * name the URL or host refused: a media route's caller must not learn the platform's storage host from them.
 */
import { readTextCapped } from './read-body.js';
import type { FetchLike } from './upstream-fetch.js';
import { isFetchableUrl } from '../security/url-policy.js';

export const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** A redirect's own body is read (so the connection can be reused) up to this, else dropped. */
const REDIRECT_BODY_BYTES = 16 * 1024;

/** A URL or a redirect cxgraph does not fetch; nothing was sent to where it points. */
export class FetchRefusedError extends Error {
  constructor(
    readonly reason: string,
    /** The redirect's status, when a redirect was refused. */
    readonly status?: number,
  ) {
    super(reason);
    this.name = 'FetchRefusedError';
  }
}

export interface Outgoing {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** Sends `req`, following redirects as the rules above say; resolves to the last answer. */
export async function fetchFollowing(fetchFn: FetchLike, req: Outgoing, follow: boolean, signal: AbortSignal): Promise<Response> {
  let { url, method, body } = req;
  let headers = req.headers;
  for (let hops = 0; ; hops++) {
    if (!isFetchableUrl(url))
      throw new FetchRefusedError(`${hops ? 'a redirect leads to a URL that is' : 'the URL is'} not https (plain http is allowed on loopback only)`);
    const res = await fetchFn(url, { method, headers, body, redirect: 'manual', signal });
    const location = follow && REDIRECT_STATUSES.has(res.status) ? res.headers.get('location') : null;
    if (location === null) return res;
    await readTextCapped(res, REDIRECT_BODY_BYTES).catch(() => undefined);
    const next = resolve(location, url);
    if (!next) throw new FetchRefusedError(`a redirect (${res.status}) to a Location that is not a URL, which is not followed`, res.status);
    if (next.origin !== new URL(url).origin) throw new FetchRefusedError(`a redirect (${res.status}) to another origin, which is not followed`, res.status);
    if (hops >= MAX_REDIRECTS) throw new FetchRefusedError(`more than ${MAX_REDIRECTS} redirects`, res.status);
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'content-type'));
    }
    url = next.href;
  }
}

function resolve(location: string, base: string): URL | undefined {
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}
