/** What the CallJourney simulator's routes need of it (CallJourneySim implements it): its tenant, clients and recordings. */
import type { ShellState } from '../common/simulator-shell.js';
import type { CallJourneyClient } from './data.js';

export interface CallJourneyState extends ShellState {
  /** Lower-case. */
  readonly tenantId: string;
  readonly clients: readonly CallJourneyClient[];
  /** The call id of a recording, exact and case-sensitive on all four fields. */
  callIdOf(company: string, organisation: string, folder: string, filename: string): string | undefined;
}
