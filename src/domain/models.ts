/**
 * The shapes resolvers return (codegen `mappers`): plain objects mapped from upstream bodies by each
 * provider's mappers, so resolvers stay thin.
 */
import type { ProviderName } from './provider-name.js';
import type { ConnectionState } from './connection-state.js';

export interface RecordingKeyModel {
  company: string;
  organisation: string;
  folder: string;
  filename: string;
}

export interface RecordingModel extends RecordingKeyModel {
  /** The account it came from (docs/tenancy.md); undefined = the variables' account `default`. */
  account?: string;
  exists: boolean;
  callId: string | null;
}

export interface ProviderConnectionModel {
  /** The account this row is about (docs/tenancy.md). */
  account?: string;
  provider: ProviderName;
  status: ConnectionState;
  tokenExpiresAt: string | null;
  lastError: string | null;
  store: StoreStatusModel;
  coolDowns: UpstreamCoolDownModel[];
}

export interface UpstreamCoolDownModel {
  host: string;
  account: string;
  until: string;
  remainingSeconds: number;
  probing: boolean;
}

export interface StoreStatusModel {
  kind: 'MEMORY' | 'REDIS' | 'REDIS_CLUSTER';
  healthy: boolean;
  degradedSince: string | null;
}

export interface UserModel {
  /** The account it came from (docs/tenancy.md); undefined = the variables' account `default`. */
  account?: string;
  provider: ProviderName;
  id: string;
  login: string | null;
  firstName: string | null;
  lastName: string | null;
  name: string | null;
  email: string | null;
  phoneNumber: string | null;
  roles: string[];
  active: boolean | null;
}

export interface UserPageModel {
  nodes: UserModel[];
  totalCount: number;
  /** 1-based */
  page: number;
  pageSize: number;
  totalPages: number;
}

export interface AgentModel {
  /** The account it came from (docs/tenancy.md); undefined = the variables' account `default`. */
  account?: string;
  provider: ProviderName;
  id: string;
  /**
   * The name to display. Left out (undefined) on the agents a call names, which carry ids only: `Agent.name` then
   * looks it up in the provider's agent list, fetched at most once per request.
   */
  name?: string | null;
  /** The user id behind the agent, resolved through the user loader (NewVoiceMedia); null for PBX extensions. */
  userId: string | null;
}

export interface AgentAvailabilityModel {
  skillNames: string[];
  ready: number;
  away: number;
  extendedAway: number;
  loggedOut: number;
}

export type PbxAccountStatus = 'CONNECTED' | 'NEEDS_REAUTHORIZATION' | 'UNAVAILABLE';

export interface PbxAccountModel {
  /** The account it came from (docs/tenancy.md); undefined = the variables' account `default`. */
  account?: string;
  id: string;
  login: string;
  admin: boolean;
  access: string | null;
  clientId: string | null;
  dealerId: string | null;
  extensionGroupId: string | null;
  extensionId: string | null;
  timezone: string | null;
  status: PbxAccountStatus;
}

export interface CallMediaModel {
  key: string;
  kind: string;
  contentType: string | null;
  contentLength: number | null;
  filename: string | null;
  /** A cxgraph-relative path (e.g. /media/nvm/<guid>/<key>); the resolver makes it absolute. */
  downloadPath: string;
}

export interface CallModel {
  /** The account it came from (docs/tenancy.md); undefined = the variables' account `default`. */
  account?: string;
  provider: ProviderName;
  id: string;
  /** ISO 8601 in UTC (the DateTime scalar serialises it). */
  startTime: string | null;
  direction: 'INBOUND' | 'OUTBOUND' | 'INTERNAL' | null;
  from: string | null;
  to: string | null;
  durationSeconds: number | null;
  agents: AgentModel[];
  media: CallMediaModel[];
}

/** Page state as a provider computes it; the PageInfo resolvers answer the Relay fields it leaves out. */
export interface PageInfoModel {
  hasNextPage: boolean;
  endCursor: string | null;
  /** Set by the `calls` resolver, which knows whether the page was asked for with `after`. */
  hasPreviousPage?: boolean;
}

export interface CallConnectionModel {
  nodes: CallModel[];
  pageInfo: PageInfoModel;
}

export interface CallStartModel {
  provider: ProviderName;
  accepted: boolean;
  callId: string | null;
  message: string | null;
}

export interface PbxConnectionStartModel {
  authorizationUrl: string;
  state: string;
}
