import { createHash } from 'node:crypto';

/** A stable UUID-shaped id (version 4 layout) derived from a seed, so sample data and object ids are the same on every run. */
export function stableUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
