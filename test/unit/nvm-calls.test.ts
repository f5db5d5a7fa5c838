/**
 * Cutting `calls(first)` pages out of continuation-token pages of whatever size the platform chooses. The
 * client is an in-memory stand-in handed to NvmCallHistory (dependency injection, no fetch involved).
 */
import { describe, expect, it } from 'vitest';
import { validateSkillNames } from '../../src/providers/nvm/skill-names.js';
import { NvmCallHistory } from '../../src/providers/nvm/call-history.js';
import type { NvmClient } from '../../src/providers/nvm/client.js';
import type { NvmInteractionPage } from '../../src/providers/nvm/types.js';

const from = new Date('2024-05-01T00:00:00Z');
const to = new Date('2024-05-02T00:00:00Z');
const guid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Pages by token: token null → pages[0], token "p<i>" → pages[i]. */
function platform(pageSizes: number[]) {
  let n = 0;
  const pages = pageSizes.map((size) => Array.from({ length: size }, () => ({ guid: guid(n++) })));
  const requests: (string | null)[] = [];
  const client = {
    async listInteractions(q: { continuationToken?: string | null }): Promise<NvmInteractionPage> {
      const token = q.continuationToken ?? null;
      requests.push(token);
      const i = token === null ? 0 : Number(token.slice(1));
      return { meta: { nextContinuationToken: i + 1 < pages.length ? `p${i + 1}` : null }, items: pages[i]! };
    },
  } as unknown as NvmClient;
  return { history: new NvmCallHistory(client), requests, total: n };
}

async function all(history: NvmCallHistory, first: number): Promise<{ ids: string[]; sizes: number[] }> {
  const ids: string[] = [];
  const sizes: number[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await history.listCalls({ from, to, first, after });
    ids.push(...page.nodes.map((c) => c.id));
    sizes.push(page.nodes.length);
    if (!page.pageInfo.hasNextPage) {
      expect(page.pageInfo.endCursor).toBeNull();
      return { ids, sizes };
    }
    after = page.pageInfo.endCursor!;
  }
}

describe('NewVoiceMedia calls paging', () => {
  it('gives pages of exactly `first` across upstream pages of other sizes, each call once', async () => {
    const p = platform([3, 4, 0, 5, 1]);
    const { ids, sizes } = await all(p.history, 5);
    expect(ids).toEqual(Array.from({ length: 13 }, (_, i) => guid(i)));
    expect(sizes).toEqual([5, 5, 3]);
  });

  it('stops inside an upstream page and continues from the same token', async () => {
    const p = platform([10]);
    const first = await p.history.listCalls({ from, to, first: 4 });
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await p.history.listCalls({ from, to, first: 4, after: first.pageInfo.endCursor! });
    expect(second.nodes.map((c) => c.id)).toEqual([4, 5, 6, 7].map(guid));
    expect(p.requests).toEqual([null, null]);
  });

  it('checks the 7-day rule before any upstream call', async () => {
    const p = platform([1]);
    await expect(p.history.listCalls({ from, to: new Date(from.getTime() + 7 * 86_400_000 + 1), first: 5 })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'to' },
    });
    expect(p.requests).toEqual([]);
    await expect(p.history.listCalls({ from, to: new Date(from.getTime() + 7 * 86_400_000), first: 5 })).resolves.toBeDefined();
  });
});

describe('skill names', () => {
  it('are trimmed and de-duplicated', () => {
    expect(validateSkillNames([' French', 'English ', 'French'])).toEqual(['French', 'English']);
  });
  it('empty, blank or comma-holding names are BAD_USER_INPUT naming the field', () => {
    expect(() => validateSkillNames([])).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ field: 'skillNames' }) }));
    expect(() => validateSkillNames(['a', ''])).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ field: 'skillNames[1]' }) }));
    expect(() => validateSkillNames(['a,b'])).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ field: 'skillNames[0]', code: 'BAD_USER_INPUT' }) }),
    );
  });
});
