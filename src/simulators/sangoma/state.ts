/** What the Sangoma simulator's routes need of it (SangomaSim implements it): clients, tenants and the calls placed. */
import type { ShellState } from '../common/simulator-shell.js';
import type { SangomaSimClient, SangomaSimTenant } from './data.js';

export interface SangomaPlacedCall {
  kind: 'agent' | 'queue';
  callId: string;
  tenantDomain: string;
  /** The agent or queue name. */
  name: string;
  destination: string;
  at: Date;
}

export interface SangomaState extends ShellState {
  readonly clients: readonly SangomaSimClient[];
  readonly tenants: readonly SangomaSimTenant[];
  /** Records a call the API accepted. */
  place(call: SangomaPlacedCall): void;
}
