/**
 * What a provider can answer, independent of how its platform does it. Resolvers dispatch on the
 * `provider` argument to these, so adding a platform never touches a resolver.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type DataLoader from 'dataloader';
import type {
  AgentAvailabilityModel,
  AgentModel,
  CallConnectionModel,
  CallModel,
  CallStartModel,
  PbxAccountModel,
  PbxConnectionStartModel,
  RecordingKeyModel,
  RecordingModel,
  UserModel,
  UserPageModel,
} from './models.js';

export interface UserQuery {
  search?: string;
  /** 1-based */
  page: number;
  pageSize: number;
}

export interface UserDirectory {
  listUsers(q: UserQuery): Promise<UserPageModel>;
  /**
   * Users by id, in `ids` order (null = not found, Error = that id failed). Absent when the platform has no
   * get-by-id endpoint; entity references then resolve to the key fields only.
   */
  getUsers?(ids: readonly string[]): Promise<(UserModel | null | Error)[]>;
}

export interface AgentDirectory {
  listAgents(): Promise<AgentModel[]>;
}

export interface CallQuery {
  from: Date;
  to: Date;
  /** page size, 1..100 */
  first: number;
  /** opaque cursor from a previous page's endCursor */
  after?: string;
}

export interface CallHistory {
  listCalls(q: CallQuery): Promise<CallConnectionModel>;
  /** Calls by id, in `ids` order (null = not found). Absent when the platform has no get-by-id endpoint. */
  getCalls?(ids: readonly string[]): Promise<(CallModel | null | Error)[]>;
}

/** An HTTP route beside GraphQL that a provider serves (OAuth callbacks, media streaming). */
export interface HttpRoute {
  method: 'GET' | 'POST';
  /** Exact path, or a prefix when it ends with '/'. */
  path: string;
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> | void;
}

/** Recording existence checks (CallJourney). The loader deduplicates and bounds a request's checks. */
export interface RecordingCatalog {
  /** A fresh per-request loader: keys in, recordings (or an Error per failed key) out, in key order. */
  loader(): DataLoader<RecordingKeyModel, RecordingModel, string>;
}

/** Agent counts per state for a set of skills (NewVoiceMedia). */
export interface AgentAvailabilitySource {
  availability(skillNames: string[]): Promise<AgentAvailabilityModel>;
}

export interface AgentCallInput {
  agentName: string;
  destination: string;
  tenantDomain: string;
}
export interface QueueCallbackInput {
  queueName: string;
  destination: string;
  tenantDomain: string;
}

/** Calls placed through the contact centre (Sangoma): real phone calls, sent at most once. */
export interface CallPlacement {
  startAgentCall(input: AgentCallInput): Promise<CallStartModel>;
  startQueueCallback(input: QueueCallbackInput): Promise<CallStartModel>;
}

/** Accounts whose users consented to cxgraph (Telphin PBX), and the consent flow that connects more. */
export interface AccountConnections {
  listAccounts(): Promise<PbxAccountModel[]>;
  /** A fresh per-request loader of accounts by id (null = not connected). */
  loader(): DataLoader<string, PbxAccountModel | null>;
  beginConnection(): Promise<PbxConnectionStartModel>;
}

/** Everything a provider module can answer; a module offers the subset it names in `capabilities`. */
export interface Capabilities {
  users: UserDirectory;
  agents: AgentDirectory;
  calls: CallHistory;
  recordings: RecordingCatalog;
  availability: AgentAvailabilitySource;
  callPlacement: CallPlacement;
  accounts: AccountConnections;
}
export type CapabilityName = keyof Capabilities;
