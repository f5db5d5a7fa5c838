/** The GraphQL `Provider` enum values, in the order `providers` lists them. */
export const PROVIDER_NAMES = ['CALLJOURNEY', 'SANGOMA', 'CLOUDCX', 'NEWVOICEMEDIA', 'PBX'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];
