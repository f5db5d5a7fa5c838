/**
 * What the NewVoiceMedia simulator's routes need of it (NvmSim implements it): clients, users, interactions and their
 * files, the list settings, the per-scope token counters and the fair-usage limit.
 */
import type { SimResponse } from '../common/sim-http.js';
import type { ShellState } from '../common/simulator-shell.js';
import type { NvmSimClient, NvmSimContent, NvmSimInteraction, NvmSimUser } from './data.js';

export type UsersEnvelope = 'meta' | 'users';

export interface NvmState extends ShellState {
  readonly clients: readonly NvmSimClient[];
  readonly users: readonly NvmSimUser[];
  /** Oldest first. */
  readonly interactions: readonly NvmSimInteraction[];
  readonly interactionsPageSize: number;
  readonly usersEnvelope: UsersEnvelope;
  /** Counts a token request that named `scope`. */
  countTokenRequest(scope: string): void;
  /** Counts one API request against the fair-usage limit: null when within it, else the 429. */
  takeFromLimit(): SimResponse | null;
  /** The file of a content item. */
  fileOf(i: NvmSimInteraction, c: NvmSimContent): Buffer;
}
