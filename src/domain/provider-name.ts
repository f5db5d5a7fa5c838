/**
 * A provider's name: the upper-case GraphQL `Provider` enum value its module declares. A plain string, so a
 * module added to the list (src/providers/index.ts) needs no change here.
 */
export type ProviderName = string;
