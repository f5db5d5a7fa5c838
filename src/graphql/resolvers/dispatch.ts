/** Argument checks shared by resolvers; the capability dispatch itself is Services.capability (derived from the module list). */
import { badInput } from '../../errors/errors.js';

export function intInRange(value: number | null | undefined, def: number, min: number, max: number, field: string): number {
  const v = value ?? def;
  if (!Number.isInteger(v) || v < min || v > max) throw badInput(`${field} must be an integer from ${min} to ${max}, got ${v}`, field);
  return v;
}
