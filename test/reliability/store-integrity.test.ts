/**
 * Integrity of what replicas share in Redis (issue #11, item 4), tried as someone who can write to Redis would:
 * with encryption keys configured, a plaintext value is refused (a forged PBX account never becomes CONNECTED), a
 * sealed value copied to another key is refused (AES-GCM binds each value to its full store key), and an account
 * deleted from Redis disappears from every replica, whatever it held in process. Data written before encryption
 * was enabled is brought over once, explicitly, by the reseal command.
 */
import { spawnSync } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { createClient } from '@keyv/redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/create-store.js';
import { keyId, SecretBox } from '../../src/store/secret-box.js';
import { createPbxSimulator, type PbxSimulator } from '../../src/simulators/index.js';
import type { TestServer } from '../support/harness.js';
import { LogCapture } from '../support/log-capture.js';
import { connectPbxUser, startWithPbx } from '../support/pbx.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';
import { ROOT, waitFor } from './support.js';

const ACCOUNTS = '{ pbxAccounts { id login status } }';
const ACCOUNT = 'query ($id: ID!) { pbxAccount(id: $id) { id login status } }';
const AGENTS = '{ agents(provider: PBX) { id } }';
const PROVIDERS = '{ providers { provider status lastError } }';
const CALLS = 'query ($from: DateTime!, $to: DateTime!) { calls(provider: PBX, from: $from, to: $to) { nodes { id } } }';

/** A value sealed as the version before key binding sealed it: format 1, no associated data, in keyv's envelope. */
function sealedV1(key: Buffer, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  const sealed = { v: 1, k: keyId(key), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ct: ct.toString('base64') };
  return JSON.stringify({ value: JSON.stringify({ $sealed: sealed }) });
}

describe.skipIf(!HAS_REDIS)('integrity of the shared store', () => {
  let sim: PbxSimulator;
  let ns: string;
  let open: TestServer[] = [];
  const redis = createClient({ url: REDIS_URL });
  const key = randomBytes(32).toString('base64');

  beforeAll(async () => {
    sim = createPbxSimulator();
    await Promise.all([sim.start(), redis.connect()]);
  });
  afterAll(async () => {
    await redis.close();
    await sim.stop();
  });
  beforeEach(() => {
    ns = uniqueNamespace();
  });
  afterEach(async () => {
    await Promise.all(open.map((t) => t.close()));
    open = [];
    const left = await redis.keys(`${ns}*`);
    if (left.length) await redis.del(left);
  });

  const replica = async (env: Record<string, string> = { CXGRAPH_ENCRYPTION_KEYS: key }) => {
    const t = await startWithPbx(sim, { REDIS_URL, CXGRAPH_REDIS_PREFIX: ns, ...env });
    open.push(t);
    return t;
  };
  /** The Redis key holding account `id`'s record. */
  const accountKey = async (id: string) => {
    const [k, ...more] = await redis.keys(`${ns}*:account:${id}`);
    expect(k, `the record of account ${id} in Redis`).toBeDefined();
    expect(more).toEqual([]);
    return k!;
  };
  /** The reseal command, run as an operator would, with the replicas' environment. */
  const run = (...args: string[]) => {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'test',
      REDIS_URL,
      CXGRAPH_REDIS_PREFIX: ns,
      CXGRAPH_ENCRYPTION_KEYS: key,
    };
    return spawnSync(process.execPath, ['--import', 'tsx', 'src/app/reseal-command.ts', ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 });
  };
  const accounts = async (t: TestServer) => (await t.gql<{ pbxAccounts: { id: string; login: string; status: string }[] }>(ACCOUNTS)).data!.pbxAccounts;
  const pbxProvider = async (t: TestServer) =>
    (await t.gql<{ providers: { provider: string; status: string; lastError: string | null }[] }>(PROVIDERS)).data!.providers.find(
      (p) => p.provider === 'PBX',
    )!;

  it('refuses a plaintext record written into Redis: the forged account is not CONNECTED and its app is never used', async () => {
    const a = await replica();
    await connectPbxUser(a, 'client1');
    const k = await accountKey('20');
    const forged = {
      id: '20',
      login: 'mallory',
      admin: true,
      access: 'full',
      clientId: '12',
      dealerId: null,
      extensionGroupId: null,
      extensionId: null,
      timezone: null,
      status: 'CONNECTED',
      trustedApp: { clientId: 'attacker-app', clientSecret: 'attacker-secret' },
      connectedAt: new Date().toISOString(),
    };
    await redis.set(k, JSON.stringify({ value: JSON.stringify(forged) }));

    const b = await replica(); // no in-process copy of anything
    for (const t of [a, b]) {
      expect(await accounts(t)).toEqual([{ id: '20', login: '', status: 'UNAVAILABLE' }]);
      const status = await pbxProvider(t);
      expect(status.status).toBe('UNAVAILABLE');
      expect(status.lastError).toMatch(/not sealed/);
    }
    const tokenRequests = sim.server.count('token');
    expect((await b.gql(AGENTS)).errors?.[0]?.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    expect(sim.server.count('token')).toBe(tokenRequests); // the attacker's app was never sent to the PBX
    expect(b.logs.json().filter((l) => l.msg === 'stored value cannot be opened')).toEqual([
      expect.objectContaining({ key: expect.stringMatching(/:account:20$/), reason: 'unsealed' }),
    ]);
  });

  it('refuses a sealed record copied to another account’s key: account 30 never answers as client1', async () => {
    const a = await replica();
    await connectPbxUser(a, 'client1');
    await connectPbxUser(a, 'client2');
    await redis.set(await accountKey('30'), (await redis.get(await accountKey('20')))!);

    const b = await replica();
    for (const t of [a, b]) {
      const one = await t.gql<{ pbxAccount: { id: string; login: string; status: string } | null }>(ACCOUNT, { id: '30' });
      expect(one.data!.pbxAccount).toEqual({ id: '30', login: '', status: 'UNAVAILABLE' });
      expect(await accounts(t)).toEqual([
        { id: '20', login: 'client1', status: 'CONNECTED' },
        { id: '30', login: '', status: 'UNAVAILABLE' },
      ]);
      expect((await pbxProvider(t)).lastError).toMatch(/account 30.*(tampered|another key)/);
    }
    expect(b.logs.json().filter((l) => l.msg === 'stored value cannot be opened')).toEqual([
      expect.objectContaining({ key: expect.stringMatching(/:account:30$/), reason: 'not-authentic' }),
    ]);
  });

  it('an account deleted from Redis is gone from every replica, also from the one that connected it', async () => {
    const a = await replica();
    const b = await replica();
    await connectPbxUser(a, 'client1');
    await connectPbxUser(a, 'client2');
    expect((await accounts(b)).map((x) => x.id)).toEqual(['20', '30']);
    await redis.del(await accountKey('20'));
    for (const t of [a, b]) {
      expect(await accounts(t)).toEqual([{ id: '30', login: 'client2', status: 'CONNECTED' }]);
      expect((await t.gql<{ pbxAccount: unknown }>(ACCOUNT, { id: '20' })).data!.pbxAccount).toBeNull();
      expect((await t.gql(AGENTS)).errors).toBeUndefined();
    }
  });

  it('data written before encryption was enabled is refused until the reseal command seals it, once and explicitly', async () => {
    const before = await replica({}); // no keys: plaintext at rest
    await connectPbxUser(before, 'client1');
    expect(await redis.get(await accountKey('20'))).toContain('client1');
    await before.close();
    open = open.filter((t) => t !== before);

    const after = await replica();
    expect(await accounts(after)).toEqual([{ id: '20', login: '', status: 'UNAVAILABLE' }]);
    expect((await pbxProvider(after)).lastError).toMatch(/reseal/);

    // Without --plaintext, plaintext values are reported and left alone.
    const dry = run();
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/[1-9]\d* plaintext values? left unsealed/); // the record, and the token cached for it
    expect(await accounts(after)).toEqual([{ id: '20', login: '', status: 'UNAVAILABLE' }]);

    const sealed = run('--plaintext');
    expect(sealed.status, sealed.stderr).toBe(0);
    expect(sealed.stdout).toMatch(/resealed [1-9]\d* value/);
    const raw = (await redis.get(await accountKey('20')))!;
    expect(raw).toContain('$sealed');
    expect(raw).not.toContain('client1');
    expect(await accounts(after)).toEqual([{ id: '20', login: 'client1', status: 'CONNECTED' }]);
    expect((await after.gql(AGENTS)).errors).toBeUndefined();
    // Nothing left to do the second time: what the command would report, asked of the store it drives (one process
    // of tsx fewer; the two runs above show how the command reads the environment and prints the report).
    const store = createStore({ redisUrl: REDIS_URL, namespace: ns, encryptionKeys: [Buffer.from(key, 'base64')], logger: new LogCapture().logger });
    try {
      await waitFor('the store to connect', () => store.ping()); // as the command does before reseal
      expect(await store.reseal({ plaintext: true })).toMatchObject({ resealed: 0, plaintextLeft: 0, unreadable: [] });
    } finally {
      await store.close();
    }
  });

  it('data from the version before key binding (format 1, a sealed index) is refused, said so, and readable again after the reseal command', async () => {
    const a = await replica();
    await connectPbxUser(a, 'client1');
    await a.close();
    open = [];
    // Rewrite what Redis holds as the earlier version wrote it: the record in format 1, the index a sealed list.
    const k = await accountKey('20');
    const box = new SecretBox([Buffer.from(key, 'base64')]);
    const opened = box.open<Record<string, unknown>>((JSON.parse((await redis.get(k))!) as { value: string }).value, k);
    expect(opened.ok).toBe(true);
    await redis.set(k, sealedV1(Buffer.from(key, 'base64'), opened.ok && opened.value));
    const [set] = await redis.keys(`${ns}:set:*:accounts`);
    await redis.del(set!);
    await redis.set(`${ns}::${set!.slice(`${ns}:set:`.length)}`, sealedV1(Buffer.from(key, 'base64'), ['20']));

    const b = await replica();
    const listed = await b.gql(ACCOUNTS);
    expect(listed.errors?.[0]?.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider: 'PBX' });
    expect(listed.errors?.[0]?.message).toMatch(/index an earlier version wrote cannot be opened.*reseal command/);
    expect((await pbxProvider(b)).status).toBe('UNAVAILABLE');
    expect((await b.gql(AGENTS)).errors?.[0]?.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    expect((await b.gql(CALLS, { from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' })).errors?.[0]?.extensions).toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
    });

    const r = run();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/resealed 2 values/);
    expect(await accounts(b)).toEqual([{ id: '20', login: 'client1', status: 'CONNECTED' }]);
    expect((await b.gql(AGENTS)).errors).toBeUndefined();
    expect((await pbxProvider(b)).status).toBe('CONNECTED');
    expect(await redis.sMembers(set!)).toEqual(['20']); // the old index's ids joined the set
  });
});
