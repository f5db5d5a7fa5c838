/** Finds the provider capability a field asks for, or says precisely why there is none. */
import { PROVIDER_VARIABLES } from '../../config.js';
import { badInput, notConfigured } from '../../errors.js';
import type { ProviderName } from '../../domain/provider-name.js';

/** Which providers can answer each capability at all (whether configured or not). */
export const CAPABLE: Record<'users' | 'agents' | 'calls', readonly ProviderName[]> = {
  users: ['CLOUDCX', 'NEWVOICEMEDIA'],
  agents: ['NEWVOICEMEDIA', 'PBX'],
  calls: ['NEWVOICEMEDIA', 'PBX'],
};

export function capability<T>(kind: keyof typeof CAPABLE, provider: ProviderName, registry: Partial<Record<ProviderName, T>>): T {
  if (!CAPABLE[kind].includes(provider)) {
    throw badInput(`${kind} are available for ${CAPABLE[kind].join(' and ')}, not ${provider}`, 'provider', provider);
  }
  const c = registry[provider];
  if (!c) throw notConfigured(provider, PROVIDER_VARIABLES[provider]);
  return c;
}

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
