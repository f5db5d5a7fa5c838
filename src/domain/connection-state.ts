/** What `providers` and `/readyz` say of one provider's connection (src/observability/connection-status.ts keeps it). */
export type ConnectionState = 'CONNECTED' | 'NOT_CONFIGURED' | 'NEEDS_REAUTHORIZATION' | 'UNAVAILABLE' | 'NOT_CONNECTED';

export interface ProviderState {
  status: ConnectionState;
  tokenExpiresAt?: number;
  lastError?: string;
  /** Providers with many connections (PBX: one per account): how many are usable now. */
  connectedAccounts?: number;
}
