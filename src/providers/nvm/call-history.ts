/**
 * NewVoiceMedia calls: the interaction content API (v3) behind the CallHistory capability. Pages of `first`
 * are cut from the platform's continuation-token pages (see cursor.ts); the 7-day rule is checked before any
 * upstream call.
 */
import { badInput } from '../../errors/errors.js';
import { mapBounded } from '../map-bounded.js';
import type { CallConnectionModel, CallModel } from '../../domain/models.js';
import type { CallHistory, CallQuery } from '../../domain/capabilities.js';
import { NVM_MAX_INTERACTION_RANGE_MS, type NvmClient } from './client.js';
import { decodeCursor, encodeCursor, type CallCursor } from './cursor.js';
import { toCall } from './mappers.js';

/** Upstream pages fetched for one `calls` page at most, should the platform answer empty pages with tokens. */
const MAX_FETCHES_PER_PAGE = 20;
/** Interactions looked up by guid at once (entity references). */
const LOOKUP_CONCURRENCY = 8;

export class NvmCallHistory implements CallHistory {
  constructor(private readonly client: NvmClient) {}

  async listCalls(q: CallQuery): Promise<CallConnectionModel> {
    const span = q.to.getTime() - q.from.getTime();
    if (span > NVM_MAX_INTERACTION_RANGE_MS) {
      throw badInput(
        `NEWVOICEMEDIA answers at most 7 days of calls per query; from and to are ${(span / 86_400_000).toFixed(1)} days apart`,
        'to',
        'NEWVOICEMEDIA',
      );
    }
    // Any cursor given is checked, the empty string too: it is not "no cursor".
    let pos: CallCursor = q.after !== undefined ? decodeCursor(q.after, q.from, q.to) : { token: null, offset: 0 };
    const nodes: CallModel[] = [];
    for (let fetches = 1; ; fetches++) {
      const page = await this.client.listInteractions({ start: q.from, end: q.to, continuationToken: pos.token });
      const rest = page.items.slice(pos.offset);
      const taken = rest.slice(0, q.first - nodes.length);
      nodes.push(...taken.map(toCall));
      if (taken.length < rest.length) {
        // Stopped inside this upstream page: the next page starts at the same token, further in.
        return { nodes, pageInfo: { hasNextPage: true, endCursor: encodeCursor(q.from, q.to, { token: pos.token, offset: pos.offset + taken.length }) } };
      }
      const next = page.meta.nextContinuationToken ?? null;
      if (next === null) return { nodes, pageInfo: { hasNextPage: false, endCursor: null } };
      pos = { token: next, offset: 0 };
      if (nodes.length >= q.first || fetches >= MAX_FETCHES_PER_PAGE) {
        return { nodes, pageInfo: { hasNextPage: true, endCursor: encodeCursor(q.from, q.to, pos) } };
      }
    }
  }

  async getCalls(ids: readonly string[]): Promise<(CallModel | null | Error)[]> {
    return mapBounded(ids, LOOKUP_CONCURRENCY, async (id) => {
      const i = await this.client.getInteraction(id);
      return i ? toCall(i) : null;
    });
  }
}
