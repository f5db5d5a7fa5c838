/** Which upstream URLs may be plain http: loopback only (simulators and tests); everything else must be https. */
import { isIP } from 'node:net';

export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}

/**
 * The rule for every URL cxgraph fetches — configured, handed out by a platform (a PBX `record_url`) or reached by a
 * redirect: https, or http on a loopback host.
 */
export function isFetchableUrl(url: string | URL): boolean {
  try {
    const u = typeof url === 'string' ? new URL(url) : url;
    return u.protocol === 'https:' || (u.protocol === 'http:' && isLoopback(u.hostname));
  } catch {
    return false;
  }
}
