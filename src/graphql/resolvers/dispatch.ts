/** Argument checks shared by resolvers; the capability dispatch itself is Services.capability (derived from the module list). */
import { badInput } from '../../errors.js';

export function intInRange(value: number | null | undefined, def: number, min: number, max: number, field: string): number {
  const v = value ?? def;
  if (!Number.isInteger(v) || v < min || v > max) throw badInput(`${field} must be an integer from ${min} to ${max}, got ${v}`, field);
  return v;
}

export function isoDate(value: string, field: string): Date {
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(d.getTime())) throw badInput(`${field} must be an ISO 8601 date-time such as 2024-05-01T00:00:00Z, got ${JSON.stringify(value.slice(0, 40))}`, field);
  return d;
}
