/** Which upstream URLs may be plain http: loopback only (simulators and tests); everything else must be https. */
import { isIP } from 'node:net';

export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}
