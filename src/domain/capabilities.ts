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
import type { Caller } from './caller.js';

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
  /** `caller`: who sent the request, as far as it proved it (anonymous on a public route without credentials). */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, caller?: Caller): Promise<void> | void;
}

/** Recording existence checks (CallJourney). The loader deduplicates and bounds a request's checks. */
export interface RecordingCatalog {
  /** A fresh per-request loader: keys in, recordings (or an Error per failed key) out, in key order. */
  loader(): DataLoader<RecordingKeyModel, RecordingModel, string>;
  /**
   * A key as the platform can take it, checked before any upstream call: BAD_USER_INPUT naming `where`'s field
   * otherwise (`where`: the argument path, e.g. `key`, `keys[3]`, `representation`).
   */
  checkKey(key: Partial<Record<keyof RecordingKeyModel, unknown>>, where: string): RecordingKeyModel;
  /** At most `max` keys (CXGRAPH_MAX_KEYS_PER_BATCH), each checked as checkKey does. */
  checkKeys(keys: readonly RecordingKeyModel[], max: number): RecordingKeyModel[];
  /**
   * How long (seconds) an answer holding what the platform said of this recording may be cached by a router or
   * CDN, beside the schema's static hint; undefined = no shorter than the schema says.
   */
  maxAge(recording: RecordingModel): number | undefined;
}

/** Agent counts per state for a set of skills (NewVoiceMedia). */
export interface AgentAvailabilitySource {
  /** Checks the skill names before any upstream call (BAD_USER_INPUT naming the field), then asks the platform. */
  availability(skillNames: readonly string[]): Promise<AgentAvailabilityModel>;
}

/**
 * Call media that cxgraph streams to browsers through signed links (CallMedia.downloadUrl): the route serving it.
 * A provider offering it makes CXGRAPH_PUBLIC_URL and a shared signing key required in production.
 */
export interface MediaStreaming {
  route: HttpRoute;
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
  /** An account id as the platform's ids go, checked before the store is read: BAD_USER_INPUT naming `field` otherwise. */
  checkId(id: string, field: string): string;
  listAccounts(): Promise<PbxAccountModel[]>;
  /** A fresh per-request loader of accounts by id (null = not connected). */
  loader(): DataLoader<string, PbxAccountModel | null>;
  beginConnection(): Promise<PbxConnectionStartModel>;
  /** Forgets one connected account (its id checked with checkId); false when there is no such account. */
  disconnect(id: string): Promise<boolean>;
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
  media: MediaStreaming;
}
export type CapabilityName = keyof Capabilities;
