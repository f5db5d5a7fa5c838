/** What `providers` and `/readyz` say of one provider's connection (src/auth/connection-status.ts keeps it). */
export type ConnectionState = 'CONNECTED' | 'NOT_CONFIGURED' | 'NEEDS_REAUTHORIZATION' | 'UNAVAILABLE';

export interface ProviderState {
  status: ConnectionState;
  tokenExpiresAt?: number;
  lastError?: string;
}
