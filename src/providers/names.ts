/** The GraphQL `Provider` enum values, in the order `providers` lists them. */
export const PROVIDERS = ['CALLJOURNEY', 'SANGOMA', 'CLOUDCX', 'NEWVOICEMEDIA', 'PBX'] as const;
export type ProviderName = (typeof PROVIDERS)[number];
