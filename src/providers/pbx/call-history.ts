/**
 * `calls(provider: PBX, from, to, first, after)`: the call history of every connected PBX client
 * (`GET /api/ver1.0/client/{client_id}/call_history/`), newest first.
 *
 * Several accounts may belong to one PBX client (one history): clients are walked one after another in a
 * stable order, each page by page with `per_page = first`, and the opaque cursor says which client and page
 * come next. A page holds calls of one client only, so it may be shorter than `first` while `hasNextPage` is
 * true. A client's history is read with the first of its accounts that works; one the PBX refuses is marked
 * NEEDS_REAUTHORIZATION and the next account of that client is tried.
 */
import { badInput } from '../../errors/errors.js';
import type { CallConnectionModel } from '../../domain/models.js';
import type { CallHistory, CallQuery } from '../../domain/capabilities.js';
import { decodeCallCursor, encodeCallCursor, toCall, toPbxDate } from './mappers.js';
import { needsReauthorization, PbxAccounts } from './accounts.js';
import type { PbxCallBody, PbxConnectionRecord } from './types.js';

interface PbxClientRef {
  /** Sort and cursor key: the PBX client id, or `@me:<account>` for an account without one. */
  key: string;
  /** What goes in the URL path. */
  pathId: string;
  accounts: PbxConnectionRecord[];
}

export class PbxCallHistory implements CallHistory {
  constructor(private readonly pbx: PbxAccounts) {}

  async listCalls(q: CallQuery): Promise<CallConnectionModel> {
    const from = Math.floor(q.from.getTime() / 1000) * 1000;
    const to = Math.floor(q.to.getTime() / 1000) * 1000;
    if (to <= from) throw badInput('to must be at least one second after from (the PBX counts whole seconds)', 'to', 'PBX');
    const cursor = q.after !== undefined ? decodeCallCursor(q.after, { first: q.first, from, to }) : undefined;
    const clients = groupByClient(await this.pbx.usableAccounts());

    let index = cursor ? clients.findIndex((c) => c.key >= cursor.client) : 0;
    let page = cursor && clients[index]?.key === cursor.client ? cursor.page : 1;
    if (index < 0) index = clients.length;
    const refused: PbxConnectionRecord[] = [];
    const window = { start: toPbxDate(new Date(from)), end: toPbxDate(new Date(to)) };
    for (; index < clients.length; index++, page = 1) {
      const client = clients[index]!;
      const got = await this.page(client, { ...window, page, perPage: q.first }, refused);
      if (!got || got.calls.length === 0) continue;
      const next = await this.nextPosition(clients, index, got.calls.length >= q.first ? page * q.first + 1 : undefined, window, refused);
      const nextCursor = next && { client: clients[next.index]!.key, page: next.index === index ? page + 1 : 1 };
      return {
        nodes: got.calls.slice(0, q.first).map((c) => toCall(c, got.accountId)),
        pageInfo: { hasNextPage: nextCursor !== undefined, endCursor: nextCursor ? encodeCallCursor({ ...nextCursor, first: q.first, from, to }) : null },
      };
    }
    const accounts = clients.flatMap((c) => c.accounts);
    if (accounts.length > 0 && refused.length === accounts.length) throw needsReauthorization(refused);
    return { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } };
  }

  /**
   * Where the next non-empty page starts, so `hasNextPage` promises calls (the schema's contract): the same client
   * when its page was full and it holds a call past it (`itemAfter`, 1-based), else the first later client holding
   * any call in the window. Each look is one call of one item (`per_page=1`), which the PBX pages like any other.
   */
  private async nextPosition(
    clients: PbxClientRef[],
    index: number,
    itemAfter: number | undefined,
    window: { start: string; end: string },
    refused: PbxConnectionRecord[],
  ): Promise<{ index: number } | undefined> {
    if (itemAfter !== undefined && (await this.page(clients[index]!, { ...window, page: itemAfter, perPage: 1 }, refused))?.calls.length) return { index };
    for (let j = index + 1; j < clients.length; j++) {
      if ((await this.page(clients[j]!, { ...window, page: 1, perPage: 1 }, refused))?.calls.length) return { index: j };
    }
    return undefined;
  }

  /** One page of one client, with the first of its accounts the PBX accepts; undefined when it accepts none. */
  private async page(
    client: PbxClientRef,
    q: { start: string; end: string; page: number; perPage: number },
    refused: PbxConnectionRecord[],
  ): Promise<{ calls: PbxCallBody[]; accountId: string } | undefined> {
    for (const account of client.accounts) {
      try {
        const calls = await this.pbx.withAccount(account, (grant) => this.pbx.client.callHistory(grant, client.pathId, q));
        return { calls, accountId: account.id };
      } catch (e) {
        if (!PbxAccounts.isNeedsReauthorization(e)) throw e;
        refused.push(account);
      }
    }
    return undefined;
  }
}

function groupByClient(accounts: PbxConnectionRecord[]): PbxClientRef[] {
  const byKey = new Map<string, PbxClientRef>();
  for (const a of accounts) {
    const key = a.clientId ?? `@me:${a.id}`;
    const ref = byKey.get(key) ?? { key, pathId: a.clientId ?? '@me', accounts: [] };
    ref.accounts.push(a);
    byKey.set(key, ref);
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
