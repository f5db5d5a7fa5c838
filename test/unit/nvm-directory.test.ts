/** Users and agents over an in-memory stand-in of the NewVoiceMedia client (dependency injection, fake clock). */
import { describe, expect, it } from 'vitest';
import type { NvmClient } from '../../src/providers/nvm/client.js';
import { NvmDirectory } from '../../src/providers/nvm/directory.js';
import type { NvmUser, NvmUserPage } from '../../src/providers/nvm/types.js';

const users: NvmUser[] = Array.from({ length: 12 }, (_, i) => ({
  userId: `u${i}`,
  username: `user${i}`,
  name: `User ${i}`,
  userAccountConfiguration: { role: 'Agent', actAsAgent: i % 3 === 0 },
}));

function fakeClient(page: (q: { page: number; limit: number }) => NvmUserPage) {
  const calls = { listUsers: 0, getUser: 0 };
  const client = {
    async listUsers(q: { page: number; limit: number }) {
      calls.listUsers++;
      return page(q);
    },
    async listAllUsers() {
      calls.listUsers++;
      return users;
    },
    async getUser(id: string) {
      calls.getUser++;
      return users.find((u) => u.userId === id) ?? null;
    },
  } as unknown as NvmClient;
  return { client, calls };
}

const metaPage = ({ page, limit }: { page: number; limit: number }): NvmUserPage => ({
  users: users.slice((page - 1) * limit, page * limit),
  totalCount: users.length,
  pageCount: Math.ceil(users.length / limit),
});

describe('NewVoiceMedia directory', () => {
  it('takes totals from the meta envelope and filters only the fetched page by search', async () => {
    const { client } = fakeClient(metaPage);
    const d = new NvmDirectory(client);
    const p = await d.listUsers({ page: 1, pageSize: 5, search: 'user 1' });
    expect(p).toMatchObject({ totalCount: 12, totalPages: 3, page: 1, pageSize: 5 });
    expect(p.nodes.map((n) => n.id)).toEqual(['u1']);
  });

  it('derives totals under the {"users":[…]} envelope: a full page promises one more', async () => {
    const { client } = fakeClient(({ page, limit }) => ({ users: users.slice((page - 1) * limit, page * limit) }));
    const d = new NvmDirectory(client);
    expect(await d.listUsers({ page: 2, pageSize: 5 })).toMatchObject({ totalCount: 10, totalPages: 3 });
    expect(await d.listUsers({ page: 3, pageSize: 5 })).toMatchObject({ totalCount: 12, totalPages: 3 });
  });

  it('pages locally when the platform ignores page/limit and sends everyone', async () => {
    const { client } = fakeClient(() => ({ users }));
    const p = await new NvmDirectory(client).listUsers({ page: 3, pageSize: 5 });
    expect(p).toMatchObject({ totalCount: 12, totalPages: 3 });
    expect(p.nodes.map((n) => n.id)).toEqual(['u10', 'u11']);
  });

  it('agents are the users acting as agents; their users come from that listing for a few seconds', async () => {
    let now = 1_000_000;
    const { client, calls } = fakeClient(metaPage);
    const d = new NvmDirectory(client, () => now);
    const agents = await d.listAgents();
    expect(agents.map((a) => a.id)).toEqual(['u0', 'u3', 'u6', 'u9']);
    const found = await d.getUsers(['u3', 'u6', 'nobody']);
    expect(found.map((u) => (u && !(u instanceof Error) ? u.id : u))).toEqual(['u3', 'u6', null]);
    expect(calls.getUser).toBe(1); // only the id the listing did not hold
    now += 5_000;
    await d.getUsers(['u3']);
    expect(calls.getUser).toBe(2);
  });
});
