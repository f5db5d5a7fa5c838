/**
 * NewVoiceMedia users and agents: the User admin API (v4) behind the UserDirectory and AgentDirectory
 * capabilities. There is no server-side search (none is documented), so `search` filters the fetched page.
 */
import { mapBounded } from '../map-bounded.js';
import type { AgentModel, UserModel, UserPageModel } from '../../domain/models.js';
import type { AgentDirectory, UserDirectory, UserQuery } from '../../domain/capabilities.js';
import type { NvmClient } from './client.js';
import type { NvmUser } from './types.js';
import { isAgent, matchesSearch, toAgent, toUser } from './mappers.js';

/** Users looked up by id at once (entity references, Agent.user). */
const LOOKUP_CONCURRENCY = 8;
/**
 * How long the full listing behind `agents` answers lookups by id. `agents { user { … } }` would otherwise
 * fetch every agent's user again, one call each, right after listing them all: the N+1 this avoids. Short,
 * so an edit on the platform shows within seconds.
 */
const LISTING_REUSE_MS = 5_000;

export class NvmDirectory implements UserDirectory, AgentDirectory {
  private listing: { at: number; byId: Map<string, NvmUser> } | undefined;

  constructor(
    private readonly client: NvmClient,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * One upstream page (`include=All`: active and archived users, `active` tells them apart). Totals are the
   * platform's, before any `search` filter. Under the `{"users":[…]}` envelope, which carries no totals,
   * they are derived: a full page means at least one more page.
   */
  async listUsers(q: UserQuery): Promise<UserPageModel> {
    const p = await this.client.listUsers({ page: q.page, limit: q.pageSize, include: 'All' });
    let users = p.users;
    let totalCount: number;
    let totalPages: number;
    if (p.totalCount !== undefined) {
      totalCount = p.totalCount;
      totalPages = p.pageCount ?? Math.ceil(totalCount / q.pageSize);
    } else if (users.length > q.pageSize) {
      // The platform ignored page/limit and sent everyone: page here.
      totalCount = users.length;
      totalPages = Math.ceil(totalCount / q.pageSize);
      users = users.slice((q.page - 1) * q.pageSize, q.page * q.pageSize);
    } else {
      totalCount = (q.page - 1) * q.pageSize + users.length;
      totalPages = users.length === q.pageSize ? q.page + 1 : Math.ceil(totalCount / q.pageSize);
    }
    const all = users.map(toUser);
    const nodes = q.search ? all.filter((u) => matchesSearch(u, q.search!)) : all;
    return { nodes, totalCount, page: q.page, pageSize: q.pageSize, totalPages };
  }

  getUsers(ids: readonly string[]): Promise<(UserModel | null | Error)[]> {
    const listed = this.listing && this.now() - this.listing.at < LISTING_REUSE_MS ? this.listing.byId : undefined;
    return mapBounded(ids, LOOKUP_CONCURRENCY, async (id) => {
      const u = listed?.get(id) ?? (await this.client.getUser(id));
      return u ? toUser(u) : null;
    });
  }

  /** Every user (active and archived) whose account acts as an agent, over all pages. */
  async listAgents(): Promise<AgentModel[]> {
    const users = await this.client.listAllUsers('All');
    this.listing = { at: this.now(), byId: new Map(users.map((u) => [String(u.userId), u])) };
    return users.filter(isAgent).map(toAgent);
  }
}
