/**
 * The `calls` capability (CallHistory) as clients see it through the GraphQL API: `calls(provider, from, to,
 * first, after)` paged with cursors, and `Call` entity references (schema/call.graphql). Written once, run against
 * every provider whose module lists `calls` (calls.test.ts); what providers do differently is in their fixtures.
 *
 * `from`/`to` are written into the query as literals (see dateLiteral), so the queries hold whether the schema
 * types them String! or DateTime!.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureStarter, ProviderFixture } from './providers-offering.js';
import { badInputFields, dateLiteral, MAX_PAGES } from './graphql-helpers.js';

export interface CallsFixture extends ProviderFixture {
  /** The window the suite pages through: it should leave calls out at both ends. */
  window: { from: string; to: string };
  /** Every call that started in the window, each once, any order. */
  callIds: readonly string[];
  /** The documented order by start time (NewVoiceMedia: oldest first; PBX: newest first). */
  order: 'ascending' | 'descending';
  /**
   * Where the order holds within groups listed one after another (PBX: one PBX client's history, then the
   * next's): the group of a call id. Absent: the whole window is one group.
   */
  orderGroup?: (callId: string) => string;
  /** Whether a cursor is bound to `first` too (PBX), beside `from`/`to` (every provider). */
  cursorBoundToFirst: boolean;
  /**
   * How a `Call` reference resolves: `lookup` (get-by-id: the call as listed, null for an unknown id) or
   * `keys-only` (no get-by-id endpoint: provider and id as given, other fields null, lists empty, no upstream call).
   */
  references: 'lookup' | 'keys-only';
  /** Call ids the platform does not know (well-formed and not). */
  unknownIds: readonly string[];
}

// Not media.downloadUrl: a link signed per request (src/security/media-links.ts), so two answers differ by design.
const CALL_FIELDS = 'provider id startTime direction from to durationSeconds agents { id } media { key kind contentType contentLength filename }';
const ENTITIES = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Call { ${CALL_FIELDS} } } }`;
const callsQuery = (w: { from: string; to: string }) => `query ($provider: Provider!, $first: Int, $after: String) {
  calls(provider: $provider, from: ${dateLiteral(w.from)}, to: ${dateLiteral(w.to)}, first: $first, after: $after) {
    nodes { ${CALL_FIELDS} }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

interface CallNode {
  provider: string;
  id: string;
  startTime: string | null;
  [field: string]: unknown;
}
interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}
interface CallPage {
  nodes: CallNode[];
  pageInfo: PageInfo;
}

/** Checks of this suite that a provider may be known to fail today (see KNOWN_DEFECTS in calls.test.ts). */
export type CallsCheck = 'empty-cursor' | 'next-page-not-empty';

/**
 * `knownDefects`: checks this provider is known to fail, each with what goes wrong. Such a check runs as
 * `it.fails`, so the suite stays green while the defect is open and fails once it is fixed (remove the entry then).
 */
export function describeCallsContract(provider: string, start: FixtureStarter<CallsFixture>, knownDefects: Partial<Record<CallsCheck, string>> = {}): void {
  const check = (name: CallsCheck, title: string, fn: () => Promise<void>) => {
    const defect = knownDefects[name];
    if (defect) it.fails(`${title} [known defect: ${defect}]`, fn);
    else it(title, fn);
  };
  describe(`'calls' contract: ${provider}`, () => {
    let f: CallsFixture;
    /** Every call of the window, walked with first = 100. */
    let everyCall: CallNode[];

    const ask = (vars: { first?: number; after?: string | null }, window = f.window) =>
      f.server.gql<{ calls: CallPage | null }>(callsQuery(window), { provider, ...vars });
    const page = async (vars: { first?: number; after?: string | null }, window = f.window): Promise<CallPage> => {
      const r = await ask(vars, window);
      expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
      expect(r.data?.calls).toBeTruthy();
      return r.data!.calls!;
    };
    /** Follows endCursor from the first page to the last, checking each page's own promises on the way. */
    const walk = async (first: number): Promise<CallPage[]> => {
      const pages: CallPage[] = [];
      let after: string | null = null;
      do {
        const p = await page({ first, after });
        const where = `first ${first}, page ${pages.length + 1}`;
        expect(p.nodes.length, where).toBeLessThanOrEqual(first);
        expect(p.pageInfo.hasNextPage, `${where}: endCursor is there exactly when there is a next page`).toBe(p.pageInfo.endCursor !== null);
        expect(p.pageInfo.hasPreviousPage, where).toBe(after !== null);
        expect(p.pageInfo.startCursor, where).toBeNull();
        pages.push(p);
        after = p.pageInfo.endCursor;
      } while (after !== null && pages.length < MAX_PAGES);
      expect(pages.at(-1)!.pageInfo.hasNextPage, `first ${first}: still a next page after ${MAX_PAGES} pages`).toBe(false);
      return pages;
    };
    const bad = async (vars: { first?: number; after?: string | null }, field: string, window = f.window) => {
      const r = await ask(vars, window);
      expect(badInputFields(r), JSON.stringify({ ...vars, window })).toEqual([field]);
      expect(r.data?.calls ?? null).toBeNull();
    };

    beforeAll(async () => {
      f = await start();
      everyCall = (await walk(100)).flatMap((p) => p.nodes);
    });
    afterAll(async () => {
      await f?.stop();
    });

    it('every call of the window, once, each carrying its provider and id', () => {
      expect(f.callIds.length).toBeGreaterThan(1);
      const ids = everyCall.map((c) => c.id);
      expect(new Set(ids).size, 'a call listed twice').toBe(ids.length);
      expect([...ids].sort()).toEqual([...f.callIds].sort());
      for (const c of everyCall) expect(c.provider).toBe(provider);
    });

    it(`in the documented order by start time, within each group, groups one after another`, () => {
      const group = f.orderGroup ?? (() => '');
      const runs: string[] = [];
      for (const c of everyCall) if (runs.at(-1) !== group(c.id)) runs.push(group(c.id));
      expect(new Set(runs).size, `groups interleaved: ${runs.join(' ')}`).toBe(runs.length);
      for (let i = 1; i < everyCall.length; i++) {
        const [a, b] = [everyCall[i - 1]!, everyCall[i]!];
        if (group(a.id) !== group(b.id) || a.startTime === null || b.startTime === null) continue;
        const step = Date.parse(b.startTime) - Date.parse(a.startTime);
        expect(f.order === 'ascending' ? step >= 0 : step <= 0, `${a.id} at ${a.startTime}, then ${b.id} at ${b.startTime}`).toBe(true);
      }
    });

    it('pages of any size are disjoint, follow one another by endCursor to a last page without one, and together are every call in the same order', async () => {
      for (const first of [1, 4, 7]) {
        const pages = await walk(first);
        const ids = pages.flatMap((p) => p.nodes.map((c) => c.id));
        expect(new Set(ids).size, `first ${first}: a call on two pages`).toBe(ids.length);
        expect(
          pages.flatMap((p) => p.nodes),
          `first ${first}`,
        ).toEqual(everyCall);
        expect(pages.at(-1)!.pageInfo).toMatchObject({ hasNextPage: false, endCursor: null });
      }
    });

    check('next-page-not-empty', 'hasNextPage promises more calls: the page its endCursor gives is never empty', async () => {
      // schema/call.graphql: hasNextPage is "whether `after: endCursor` gives more results".
      for (const first of [1, 2, 3, 4, 7]) {
        const pages = await walk(first);
        pages.forEach((p, i) => {
          if (i > 0) expect(p.nodes.length, `first ${first}: page ${i + 1} of ${pages.length} is empty although page ${i} said hasNextPage`).toBeGreaterThan(0);
        });
      }
    });

    it('a window without calls is one empty last page', async () => {
      const p = await page({ first: 10 }, { from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' });
      expect(p).toEqual({ nodes: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } });
    });

    it('first outside 1..100 and to not after from are BAD_USER_INPUT naming the argument, with no upstream request', async () => {
      const before = f.upstreamRequests();
      for (const first of [0, -1, 101]) await bad({ first }, 'first');
      await bad({ first: 5 }, 'to', { from: f.window.to, to: f.window.from });
      await bad({ first: 5 }, 'to', { from: f.window.from, to: f.window.from });
      expect(f.upstreamRequests()).toBe(before);
      expect((await page({ first: 1 })).nodes).toHaveLength(1);
      // Without first: pages of at most 50, the same calls in the same order.
      const byDefault = await page({});
      expect(byDefault.nodes.length).toBeLessThanOrEqual(50);
      expect(byDefault.nodes).toEqual(everyCall.slice(0, byDefault.nodes.length));
    });

    it('the window includes a call starting at from and leaves out one starting at to', async () => {
      const c = everyCall[Math.floor(everyCall.length / 2)]!;
      expect(c.startTime).not.toBeNull();
      const t = Date.parse(c.startTime!);
      const iso = (ms: number) => new Date(ms).toISOString();
      // Whole seconds: the PBX counts them (docs/providers/pbx.md).
      const at = await page({ first: 100 }, { from: iso(t), to: iso(t + 1_000) });
      expect(at.nodes.map((n) => n.id)).toContain(c.id);
      const before = await page({ first: 100 }, { from: iso(t - 3_600_000), to: iso(t) });
      expect(before.nodes.map((n) => n.id)).not.toContain(c.id);
    });

    it('a cursor that is not one of ours, or was made for another window, is BAD_USER_INPUT on after, with no upstream request', async () => {
      const p1 = await page({ first: 2 });
      const cursor = p1.pageInfo.endCursor!;
      expect(cursor).toEqual(expect.any(String));
      const before = f.upstreamRequests();
      const forged = Buffer.from(JSON.stringify({ v: 1, page: 2 })).toString('base64url');
      for (const after of ['not-a-cursor', 'xyz', forged, cursor.slice(0, -2)]) await bad({ first: 2, after }, 'after');
      const later = { from: new Date(Date.parse(f.window.from) + 60_000).toISOString(), to: f.window.to };
      await bad({ first: 2, after: cursor }, 'after', later);
      await bad({ first: 2, after: cursor }, 'after', { from: f.window.from, to: new Date(Date.parse(f.window.to) - 60_000).toISOString() });
      expect(f.upstreamRequests()).toBe(before);
    });

    check('empty-cursor', 'an empty cursor is no cursor of ours either: BAD_USER_INPUT on after, not the first page', async () => {
      const before = f.upstreamRequests();
      await bad({ first: 2, after: '' }, 'after');
      expect(f.upstreamRequests()).toBe(before);
    });

    it('a cursor continues where its page ended (with another first only where the cursor allows it)', async () => {
      const p1 = await page({ first: 2 });
      const next = await page({ first: 2, after: p1.pageInfo.endCursor });
      const seen = [...p1.nodes, ...next.nodes].map((c) => c.id);
      expect(seen).toEqual(everyCall.slice(0, seen.length).map((c) => c.id));
      if (f.cursorBoundToFirst) {
        await bad({ first: 3, after: p1.pageInfo.endCursor }, 'after');
      } else {
        const wider = await page({ first: 3, after: p1.pageInfo.endCursor });
        expect(wider.nodes.map((c) => c.id)).toEqual(everyCall.slice(p1.nodes.length, p1.nodes.length + wider.nodes.length).map((c) => c.id));
        expect(wider.nodes.length).toBeGreaterThan(0);
      }
    });

    it('Call references answer in reference order: known ids as listed (or their keys), unknown ids as the fixture documents', async () => {
      const known = [everyCall[0]!, everyCall[Math.floor(everyCall.length / 2)]!, everyCall.at(-1)!];
      const ids = [known[0]!.id, f.unknownIds[0]!, known[1]!.id, known[0]!.id, ...f.unknownIds.slice(1), known[2]!.id];
      const before = f.upstreamRequests();
      const r = await f.server.gql<{ _entities: (CallNode | null)[] }>(ENTITIES, { reps: ids.map((id) => ({ __typename: 'Call', provider, id })) });
      expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
      const keysOnly = (id: string) => ({ provider, id, startTime: null, direction: null, from: null, to: null, durationSeconds: null, agents: [], media: [] });
      expect(r.data!._entities).toEqual(ids.map((id) => (f.references === 'keys-only' ? keysOnly(id) : (everyCall.find((c) => c.id === id) ?? null))));
      if (f.references === 'keys-only') expect(f.upstreamRequests()).toBe(before);
    });
  });
}
