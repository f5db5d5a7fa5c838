/**
 * The shapes resolvers return (codegen `mappers`): plain objects mapped from upstream bodies by each
 * provider's mappers, so resolvers stay thin.
 */
import type { ProviderName } from '../providers/names.js';
import type { ConnectionState } from '../auth/connection-status.js';

export interface RecordingKeyModel {
  company: string;
  organisation: string;
  folder: string;
  filename: string;
}

export interface RecordingModel extends RecordingKeyModel {
  exists: boolean;
  callId: string | null;
}

export interface ProviderConnectionModel {
  provider: ProviderName;
  status: ConnectionState;
  tokenExpiresAt: string | null;
  lastError: string | null;
}
