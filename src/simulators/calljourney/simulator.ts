/**
 * A fake of CallJourney and of the Azure AD (Microsoft Entra ID) tenant that guards it,
 * on one server: `POST /{tenant}/oauth2/v2.0/token` (route `token`, routes-token.ts) and
 * `POST /api/v1/search/conversationexists` (route `conversationexists`, routes-api.ts).
 *
 * See docs/providers/calljourney.md and
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 * https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 *
 * Choices where the public documentation is silent (kept here so they are easy to correct):
 * - Token endpoint checks run in Azure AD's order: tenant, body parameters, grant type,
 *   client id, client secret, scope. A body that is not form-encoded is read as empty, which
 *   is what Azure AD does (AADSTS900144, `grant_type` missing).
 * - Client authentication: `client_secret_post` and `client_secret_basic` are both accepted,
 *   as Azure AD advertises both. A missing secret is 401 `invalid_client` AADSTS7000218, as
 *   Azure AD answers; a wrong one is 401 `invalid_client` AADSTS7000215.
 * - A missing `scope` is 400 `invalid_scope` AADSTS70011 ("must include a 'scope'").
 * - The API requires `Content-Type: application/json` (415 otherwise); invalid JSON is 400
 *   `{"message":"Request body must be valid JSON"}`; fields are checked in the order
 *   company, organisation, folder, filename, and a whitespace-only value counts as empty.
 * - Recording lookup is exact and case-sensitive on all four fields.
 * - The API accepts any token this tenant issued to a registered client whose `roles`
 *   include `Recording.Read`.
 */
import { defineSimulator } from '../common/simulator-entry.js';
import { SimulatorShell, type Simulator } from '../common/simulator-shell.js';
import {
  DEFAULT_CALLJOURNEY_CLIENT,
  DEFAULT_CALLJOURNEY_TENANT_ID,
  SAMPLE_RECORDINGS,
  demoTenantData,
  type CallJourneyClient,
  type SimRecording,
} from './data.js';
import { apiRoutes } from './routes-api.js';
import { tokenRoutes } from './routes-token.js';
import type { CallJourneyState } from './state.js';

export interface CallJourneySimulatorOptions {
  tenantId?: string;
  clients?: CallJourneyClient[];
  recordings?: SimRecording[];
  /** Default 3599, as Azure AD answers; 1..86400. */
  tokenLifetimeSec?: number;
}

export type CallJourneyEnv = Readonly<
  Record<'CALLJOURNEY_TENANT_ID' | 'CALLJOURNEY_CLIENT_ID' | 'CALLJOURNEY_CLIENT_SECRET' | 'CALLJOURNEY_BASE_URL' | 'CALLJOURNEY_TOKEN_URL', string>
>;

export interface CallJourneySimulator extends Simulator<CallJourneyEnv> {
  readonly tenantId: string;
  readonly clients: readonly CallJourneyClient[];
  /** `${url}/${tenantId}/oauth2/v2.0/token`; throws before start(). */
  readonly tokenUrl: string;
  /** The API base (the server's URL); throws before start(). */
  readonly baseUrl: string;
  addRecording(recording: SimRecording): void;
}

export function createCallJourneySimulator(opts: CallJourneySimulatorOptions = {}): CallJourneySimulator {
  return new CallJourneySim(opts);
}

export class CallJourneySim extends SimulatorShell<CallJourneyEnv> implements CallJourneySimulator, CallJourneyState {
  readonly tenantId: string;
  readonly clients: readonly CallJourneyClient[];
  private readonly recordings = new Map<string, string>();

  constructor(opts: CallJourneySimulatorOptions) {
    super('calljourney', { initial: opts.tokenLifetimeSec ?? 3599, max: 86_400 });
    this.tenantId = (opts.tenantId ?? DEFAULT_CALLJOURNEY_TENANT_ID).toLowerCase();
    this.clients = Object.freeze((opts.clients ?? [DEFAULT_CALLJOURNEY_CLIENT]).map((c) => Object.freeze({ ...c })));
    for (const r of opts.recordings ?? SAMPLE_RECORDINGS) this.addRecording(r);
    tokenRoutes(this);
    apiRoutes(this);
  }

  get tokenUrl(): string {
    return `${this.server.url}/${this.tenantId}/oauth2/v2.0/token`;
  }

  get baseUrl(): string {
    return this.server.url;
  }

  /** The first client's credentials. */
  env(): CallJourneyEnv {
    const client = this.clients[0]!;
    return {
      CALLJOURNEY_TENANT_ID: this.tenantId,
      CALLJOURNEY_CLIENT_ID: client.clientId,
      CALLJOURNEY_CLIENT_SECRET: client.clientSecret,
      CALLJOURNEY_BASE_URL: this.baseUrl,
      CALLJOURNEY_TOKEN_URL: this.tokenUrl,
    };
  }

  addRecording(r: SimRecording): void {
    this.recordings.set(recordingKey(r.company, r.organisation, r.folder, r.filename), r.callId);
  }

  /** The call id of a recording, exact and case-sensitive on all four fields. */
  callIdOf(company: string, organisation: string, folder: string, filename: string): string | undefined {
    return this.recordings.get(recordingKey(company, organisation, folder, filename));
  }
}

function recordingKey(company: string, organisation: string, folder: string, filename: string): string {
  return JSON.stringify([company, organisation, folder, filename]);
}

/** Its entry in the simulator list (src/simulators/index.ts). */
export const callJourneySimulator = defineSimulator({
  key: 'calljourney',
  provider: 'CALLJOURNEY',
  create: () => createCallJourneySimulator(),
  createFor: (tenant) => createCallJourneySimulator(demoTenantData(tenant)),
  createForMany: (owners) => createCallJourneySimulator({ clients: owners.flatMap((o) => demoTenantData(o).clients) }),
  envFor: (sim, owner) => {
    const client = demoTenantData(owner).clients[0]!;
    return { ...sim.env(), CALLJOURNEY_CLIENT_ID: client.clientId, CALLJOURNEY_CLIENT_SECRET: client.clientSecret };
  },
  env: (sim) => sim.env(),
});
