/**
 * The `users` capability (UserDirectory) as clients see it through the GraphQL API: `users(provider, page,
 * pageSize, search)` and `User` entity references. Written once, run against every provider whose module lists
 * `users` (users.test.ts). What providers legitimately do differently is a fixture field, documented there and
 * in schema/user.graphql — never a branch on the provider's name here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureStarter, ProviderFixture } from './providers-offering.js';
import { badInputFields, MAX_PAGES } from './graphql-helpers.js';

export interface UsersFixture extends ProviderFixture {
  /** Every user the simulator holds, in the platform's order: what paging through all pages must give. */
  userIds: readonly string[];
  /** A search term (any case) matching some users but not all, by login, name or e-mail. */
  search: string;
  /**
   * What `totalCount` counts under `search` (schema/user.graphql): `matches` where the platform searches
   * server-side (CloudCX), `unfiltered` where cxgraph filters the fetched page (NewVoiceMedia: the platform's count).
   */
  searchTotals: 'matches' | 'unfiltered';
  /**
   * How a `User` reference resolves: `lookup` (get-by-id: the user, null for an unknown id) or `keys-only` (no
   * get-by-id endpoint: provider and id as given, every other field null and roles empty, no upstream call).
   */
  references: 'lookup' | 'keys-only';
  /** Ids the platform does not know (well-formed and not). */
  unknownIds: readonly string[];
}

const USER_FIELDS = 'provider id login firstName lastName name email phoneNumber roles active';
const USERS = `query ($provider: Provider!, $search: String, $page: Int, $pageSize: Int) {
  users(provider: $provider, search: $search, page: $page, pageSize: $pageSize) {
    totalCount page pageSize totalPages
    nodes { ${USER_FIELDS} }
  }
}`;
const ENTITIES = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { ${USER_FIELDS} } } }`;

interface UserNode {
  provider: string;
  id: string;
  login: string | null;
  name: string | null;
  email: string | null;
  roles: string[];
  [field: string]: unknown;
}
interface UserPage {
  totalCount: number;
  page: number;
  pageSize: number;
  totalPages: number;
  nodes: UserNode[];
}

const matches = (u: UserNode, term: string) => [u.login, u.name, u.email].some((v) => v !== null && v.toLowerCase().includes(term.trim().toLowerCase()));

export function describeUsersContract(provider: string, start: FixtureStarter<UsersFixture>): void {
  describe(`'users' contract: ${provider}`, () => {
    let f: UsersFixture;
    /** Every user as listed in one page of the largest size, the reference the other tests compare with. */
    let everyone: UserNode[];

    const page = async (vars: { page?: number; pageSize?: number; search?: string }): Promise<UserPage> => {
      const r = await f.server.gql<{ users: UserPage | null }>(USERS, { provider, ...vars });
      expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
      expect(r.data?.users).toBeTruthy();
      return r.data!.users!;
    };
    const allPages = async (pageSize: number, search?: string): Promise<UserPage[]> => {
      const first = await page({ page: 1, pageSize, search });
      const pages = [first];
      for (let p = 2; p <= Math.min(first.totalPages, MAX_PAGES); p++) pages.push(await page({ page: p, pageSize, search }));
      return pages;
    };

    beforeAll(async () => {
      f = await start();
      everyone = (await page({ page: 1, pageSize: 500 })).nodes;
    });
    afterAll(async () => {
      await f?.stop();
    });

    it('one page of the largest size holds every user, in the platform order, each carrying provider and id', () => {
      expect(f.userIds.length).toBeGreaterThan(1);
      expect(f.userIds.length).toBeLessThanOrEqual(500);
      expect(everyone.map((u) => u.id)).toEqual(f.userIds);
      for (const u of everyone) {
        expect(u.provider).toBe(provider);
        expect(u.id).not.toBe('');
        expect(Array.isArray(u.roles)).toBe(true);
      }
    });

    it('pages 1..totalPages are disjoint, full but the last, in a stable order, and together every user; totals agree on each page', async () => {
      const total = f.userIds.length;
      const divisor = [2, 3, 4, 5].find((d) => total % d === 0 && total / d > 1);
      const sizes = [...new Set([1, 7, total - 1, total, total + 1, ...(divisor ? [total / divisor] : [])])].filter((s) => s >= 1 && s <= 500);
      for (const pageSize of sizes) {
        const pages = await allPages(pageSize);
        const totalPages = Math.ceil(total / pageSize);
        expect(pages, `pageSize ${pageSize}`).toHaveLength(totalPages);
        pages.forEach((p, i) => {
          expect(p, `pageSize ${pageSize}, page ${i + 1}`).toMatchObject({ totalCount: total, totalPages, page: i + 1, pageSize });
          expect(p.nodes.length, `pageSize ${pageSize}, page ${i + 1}`).toBe(i + 1 < totalPages ? pageSize : total - (totalPages - 1) * pageSize);
        });
        const ids = pages.flatMap((p) => p.nodes.map((u) => u.id));
        expect(new Set(ids).size, `pageSize ${pageSize}: a user on two pages`).toBe(ids.length);
        expect(ids, `pageSize ${pageSize}`).toEqual(f.userIds);
        expect(
          pages.flatMap((p) => p.nodes),
          `pageSize ${pageSize}: same users as one big page`,
        ).toEqual(everyone);
      }
    });

    it('a page past the end is empty, with the same totals', async () => {
      const total = f.userIds.length;
      for (const [pageNo, pageSize] of [
        [Math.ceil(total / 7) + 1, 7],
        [2, total],
        [1_000, 10],
      ] as const) {
        const p = await page({ page: pageNo, pageSize });
        expect(p, `page ${pageNo} of ${pageSize}`).toEqual({ totalCount: total, totalPages: Math.ceil(total / pageSize), page: pageNo, pageSize, nodes: [] });
      }
    });

    it('page and pageSize default to 1 and 25', async () => {
      const p = await page({});
      expect(p).toMatchObject({ page: 1, pageSize: 25, totalCount: f.userIds.length, totalPages: Math.ceil(f.userIds.length / 25) });
      expect(p.nodes.map((u) => u.id)).toEqual(f.userIds.slice(0, 25));
    });

    it('page below 1 and pageSize outside 1..500 are BAD_USER_INPUT naming the argument, with no upstream request', async () => {
      const before = f.upstreamRequests();
      const cases: [Record<string, unknown>, string][] = [
        [{ page: 0 }, 'page'],
        [{ page: -1 }, 'page'],
        [{ pageSize: 0 }, 'pageSize'],
        [{ pageSize: -5 }, 'pageSize'],
        [{ pageSize: 501 }, 'pageSize'],
      ];
      for (const [vars, field] of cases) {
        const r = await f.server.gql<{ users: UserPage | null }>(USERS, { provider, ...vars });
        expect(badInputFields(r), JSON.stringify(vars)).toEqual([field]);
        expect(r.data?.users ?? null).toBeNull();
      }
      expect(f.upstreamRequests()).toBe(before);
      // The bounds themselves are fine.
      expect((await page({ page: 1, pageSize: 1 })).nodes).toHaveLength(1);
    });

    it('search narrows to the users whose login, name or e-mail holds the term (any case), in the same order', async () => {
      const expected = everyone.filter((u) => matches(u, f.search));
      expect(expected.length, `fixture search "${f.search}" should match some users`).toBeGreaterThan(0);
      expect(expected.length, `fixture search "${f.search}" should not match everyone`).toBeLessThan(everyone.length);
      for (const term of [f.search, f.search.toUpperCase(), f.search.toLowerCase(), `  ${f.search} `]) {
        const p = await page({ search: term, pageSize: 500 });
        expect(p.nodes, `search ${JSON.stringify(term)}`).toEqual(expected);
        const total = f.searchTotals === 'matches' ? expected.length : everyone.length;
        expect(p, `search ${JSON.stringify(term)}`).toMatchObject({ page: 1, pageSize: 500, totalCount: total, totalPages: Math.ceil(total / 500) });
      }
      // A blank search is everyone.
      expect((await page({ search: '   ', pageSize: 500 })).nodes).toEqual(everyone);
    });

    it('search pages like the listing: pages of the matches are disjoint and together every match', async () => {
      if (f.searchTotals !== 'matches') return; // cxgraph filters each fetched page: its pages are the listing's, narrowed (above)
      const expected = everyone.filter((u) => matches(u, f.search));
      const pageSize = Math.max(1, Math.ceil(expected.length / 2));
      const pages = await allPages(pageSize, f.search);
      expect(pages.flatMap((p) => p.nodes)).toEqual(expected);
      for (const p of pages) expect(p).toMatchObject({ totalCount: expected.length, totalPages: Math.ceil(expected.length / pageSize) });
    });

    it('User references answer in reference order: known ids as listed, unknown ids as the fixture documents', async () => {
      const known = [everyone[0]!, everyone[Math.floor(everyone.length / 2)]!, everyone.at(-1)!];
      const ids = [known[0]!.id, f.unknownIds[0]!, known[1]!.id, known[0]!.id, ...f.unknownIds.slice(1), known[2]!.id];
      const before = f.upstreamRequests();
      const r = await f.server.gql<{ _entities: (UserNode | null)[] }>(ENTITIES, { reps: ids.map((id) => ({ __typename: 'User', provider, id })) });
      expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
      const keysOnly = (id: string) => ({
        provider,
        id,
        login: null,
        firstName: null,
        lastName: null,
        name: null,
        email: null,
        phoneNumber: null,
        roles: [],
        active: null,
      });
      expect(r.data!._entities).toEqual(
        ids.map((id) => {
          if (f.references === 'keys-only') return keysOnly(id);
          return everyone.find((u) => u.id === id) ?? null;
        }),
      );
      if (f.references === 'keys-only') expect(f.upstreamRequests()).toBe(before);
    });
  });
}
