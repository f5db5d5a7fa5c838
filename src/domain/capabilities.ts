/**
 * What a provider can answer, independent of how its platform does it. Resolvers dispatch on the
 * `provider` argument to these, so adding a platform never touches a resolver.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentModel, CallConnectionModel, CallModel, UserModel, UserPageModel } from './models.js';

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
