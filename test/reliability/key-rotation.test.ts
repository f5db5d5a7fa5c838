/**
 * Encryption keys across replicas (issue #11, item 1): replicas on one Redis with different key lists — as during a
 * rolling deploy — never lose a PBX connection. A replica never overwrites a value it cannot open (the account
 * index is a set every replica updates, not a sealed list); a value it cannot open is logged once with its key and
 * the key id it needs, and shows in `pbxAccounts` (status UNAVAILABLE) and `providers`; the rotation docs/security.md
 * describes (new key read-only everywhere, then sealing, then the old one resealed away and dropped) keeps every
 * account listed and usable on every replica at every step.
 *
 * Two replicas = two createServer instances on one Redis with one prefix, against one PBX simulator.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from '@keyv/redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { ConfigError, describeConfig, loadConfig } from '../../src/app/config.js';
import { keyId } from '../../src/store/secret-box.js';
import { createPbxSimulator } from '../../src/simulators/index.js';
import type { TestServer } from '../support/harness.js';
import { connectPbxUser, startWithPbx } from '../support/pbx.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';

const ACCOUNTS = '{ pbxAccounts { id login status } }';
const AGENTS = '{ agents(provider: PBX) { id } }';
const PROVIDERS = '{ providers { provider status lastError } }';
const CALLS = 'query ($from: DateTime!, $to: DateTime!) { calls(provider: PBX, from: $from, to: $to, first: 50) { nodes { id } } }';
const MAY_2024 = { from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' };

interface Account {
  id: string;
  login: string;
  status: string;
}
const LOGINS: Record<string, string> = { '20': 'client1', '21': 'client1-supervisor', '30': 'client2' };
const connected = (...ids: string[]): Account[] => ids.map((id) => ({ id, login: LOGINS[id]!, status: 'CONNECTED' }));
const b64 = (k: Buffer) => k.toString('base64');

describe.skipIf(!HAS_REDIS)('encryption keys across replicas: PBX connections', () => {
  const sim = useSimulator(createPbxSimulator());
  let ns: string;
  let open: TestServer[] = [];
  const redis = createClient({ url: REDIS_URL });
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);

  beforeAll(async () => {
    await redis.connect();
  });
  afterAll(async () => {
    await redis.close();
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

  /** A replica on the shared Redis and prefix, with these key variables. */
  const replica = async (keys: Record<string, string>) => {
    const t = await startWithPbx(sim, { REDIS_URL, CXGRAPH_REDIS_PREFIX: ns, ...keys });
    open.push(t);
    return t;
  };
  const restart = async (t: TestServer, keys: Record<string, string>) => {
    await t.close();
    open = open.filter((x) => x !== t);
    return replica(keys);
  };
  const accounts = async (t: TestServer) => {
    const r = await t.gql<{ pbxAccounts: Account[] }>(ACCOUNTS);
    expect(r.errors).toBeUndefined();
    return r.data!.pbxAccounts;
  };
  const pbxProvider = async (t: TestServer) =>
    (await t.gql<{ providers: { provider: string; status: string; lastError: string | null }[] }>(PROVIDERS)).data!.providers.find(
      (p) => p.provider === 'PBX',
    )!;
  /** Every account listed as CONNECTED, and usable: `agents` asks the PBX with each account's own token, `calls` with one per client. */
  const allUsable = async (t: TestServer, ids: string[], step: string) => {
    expect(await accounts(t), step).toEqual(connected(...ids));
    const agents = await t.gql<{ agents: { id: string }[] }>(AGENTS);
    expect(agents.errors, step).toBeUndefined();
    expect(agents.data!.agents.map((a) => a.id).sort(), step).toEqual(['1201', '1202', '1203', '1301']);
    const calls = await t.gql<{ calls: { nodes: unknown[] } }>(CALLS, MAY_2024);
    expect(calls.errors, step).toBeUndefined();
    expect(calls.data!.calls.nodes.length, step).toBeGreaterThan(0);
    expect((await pbxProvider(t)).status, step).toBe('CONNECTED');
  };

  it('a replica with the old key connecting after one with the new key overwrites nothing: every account stays listed', async () => {
    // The sequence: A runs with K1, B already with K2 first (K1 readable).
    const a = await replica({ CXGRAPH_ENCRYPTION_KEYS: b64(k1) });
    const b = await replica({ CXGRAPH_ENCRYPTION_KEYS: `${b64(k2)},${b64(k1)}` });
    await connectPbxUser(b, 'client1'); // sealed with K2
    await connectPbxUser(a, 'client2'); // A cannot open anything B sealed: it must not drop it
    // B and any later replica with both keys see both accounts (no in-process copy helps a fresh replica).
    const c = await replica({ CXGRAPH_ENCRYPTION_KEYS: `${b64(k2)},${b64(k1)}` });
    await allUsable(c, ['20', '30'], 'fresh replica with both keys');
    await allUsable(b, ['20', '30'], 'B');
    // A still lists account 20: as UNAVAILABLE, naming the key it would need, never as gone.
    expect(await accounts(a)).toEqual([
      { id: '20', login: '', status: 'UNAVAILABLE' },
      { id: '30', login: 'client2', status: 'CONNECTED' },
    ]);
    const status = await pbxProvider(a);
    expect(status.status).toBe('UNAVAILABLE');
    expect(status.lastError).toContain(keyId(k2));
  });

  it('a replica started with only the new key lists the accounts it cannot open as UNAVAILABLE, says why once in the log, and cannot overwrite them', async () => {
    const old = await replica({ CXGRAPH_ENCRYPTION_KEYS: b64(k1) });
    await connectPbxUser(old, 'client1');
    await connectPbxUser(old, 'client2');

    const fresh = await replica({ CXGRAPH_ENCRYPTION_KEYS: b64(k2) });
    for (let i = 0; i < 3; i++) {
      expect(await accounts(fresh)).toEqual([
        { id: '20', login: '', status: 'UNAVAILABLE' },
        { id: '30', login: '', status: 'UNAVAILABLE' },
      ]);
    }
    const status = await pbxProvider(fresh);
    expect(status.status).toBe('UNAVAILABLE');
    expect(status.lastError).toContain(keyId(k1));
    expect(status.lastError).toMatch(/CXGRAPH_DECRYPTION_KEYS/);
    const agents = await fresh.gql(AGENTS);
    expect(agents.errors?.[0]?.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider: 'PBX' });
    expect(agents.errors?.[0]?.message).toContain(keyId(k1));
    const calls = await fresh.gql(CALLS, MAY_2024);
    expect(calls.errors?.[0]?.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider: 'PBX' });

    // Logged once per value, at error level, with the store key and the key id it needs.
    const unreadable = fresh.logs.json().filter((l) => l.msg === 'stored value cannot be opened');
    expect(unreadable.map((l) => l.key).sort()).toEqual([expect.stringMatching(/:account:20$/), expect.stringMatching(/:account:30$/)]);
    for (const l of unreadable) expect(l).toMatchObject({ level: 50, keyId: keyId(k1), reason: 'unknown-key' });

    // Reconnecting through it is refused rather than overwriting a record it could not read …
    await expect(connectPbxUser(fresh, 'client1')).rejects.toThrow(/502/);
    // … so the replica with the right key still has both accounts, usable.
    await allUsable(old, ['20', '30'], 'replica with the old key');
  });

  it('the rolling rotation (K1 everywhere → K2 read-only everywhere → K2 sealing everywhere → resealed, K1 dropped) keeps every account listed and usable on every replica at every step', async () => {
    const K1 = { CXGRAPH_ENCRYPTION_KEYS: b64(k1) };
    const K1_READS_K2 = { CXGRAPH_ENCRYPTION_KEYS: b64(k1), CXGRAPH_DECRYPTION_KEYS: b64(k2) };
    const K2_READS_K1 = { CXGRAPH_ENCRYPTION_KEYS: b64(k2), CXGRAPH_DECRYPTION_KEYS: b64(k1) };
    const K2 = { CXGRAPH_ENCRYPTION_KEYS: b64(k2) };

    let a = await replica(K1);
    let b = await replica(K1);
    await connectPbxUser(a, 'client1');
    await connectPbxUser(b, 'client2');
    const everyone = ['20', '21', '30'];
    /** Connections made on each replica at this step (sealed with its current key), then every account checked on both. */
    const step = async (name: string, onA: string[], onB: string[]) => {
      for (const login of onA) await connectPbxUser(a, login);
      for (const login of onB) await connectPbxUser(b, login);
      await allUsable(a, everyone, `${name}: replica A`);
      await allUsable(b, everyone, `${name}: replica B`);
    };
    await step('K1 on both', ['client1-supervisor'], ['client1']);

    a = await restart(a, K1_READS_K2);
    await step('A reads K2, B on K1 only', ['client2'], ['client1']);
    b = await restart(b, K1_READS_K2);
    await step('both read K2', ['client1'], ['client2']);
    a = await restart(a, K2_READS_K1);
    await step('A seals with K2, B still seals with K1', ['client1-supervisor'], ['client1', 'client2']);
    b = await restart(b, K2_READS_K1);
    // Account 30 stays as B sealed it with K1.
    await step('both seal with K2', ['client1-supervisor'], ['client1']);

    // What is still sealed with K1 is sealed again with K2 (the reseal command), then K1 can go.
    const sealedWith = async (id: string) => {
      const [k] = await redis.keys(`${ns}::*:account:${id}`);
      const outer = JSON.parse((await redis.get(k!))!) as { value: string };
      return (JSON.parse(outer.value) as { $sealed: { k: string } }).$sealed.k;
    };
    expect(await sealedWith('30')).toBe(keyId(k1));
    const report = await b.server.services.store.reseal({ plaintext: false });
    expect(report.unreadable).toEqual([]);
    expect(report.plaintextLeft).toBe(0);
    expect(report.resealed).toBeGreaterThanOrEqual(1); // account 30's record, and its cached token
    expect(await sealedWith('30')).toBe(keyId(k2));
    a = await restart(a, K2);
    b = await restart(b, K2);
    await step('K1 dropped', ['client2'], ['client1-supervisor']);
    for (const t of [a, b]) expect(t.logs.text).not.toContain('stored value cannot be opened');
  });

  it('configuration: read-only keys need a sealing key, a bad key is named by position (never shown), and the start-up summary names the key ids', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ NODE_ENV: 'test', ...env });
      } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
      }
      return [];
    };
    expect(problems({ CXGRAPH_DECRYPTION_KEYS: b64(k1) })).toEqual([
      { variable: 'CXGRAPH_DECRYPTION_KEYS', problem: expect.stringContaining('set CXGRAPH_ENCRYPTION_KEYS too') },
    ]);
    const short = Buffer.alloc(16, 7).toString('base64');
    const bad = problems({ CXGRAPH_ENCRYPTION_KEYS: b64(k2), CXGRAPH_DECRYPTION_KEYS: `${b64(k1)},${short}` });
    expect(bad).toEqual([{ variable: 'CXGRAPH_DECRYPTION_KEYS', problem: expect.stringContaining('key #2 must be 32 bytes') }]);
    expect(JSON.stringify(bad)).not.toContain(short);
    const summary = describeConfig(loadConfig({ NODE_ENV: 'test', CXGRAPH_ENCRYPTION_KEYS: b64(k2), CXGRAPH_DECRYPTION_KEYS: `${b64(k1)},${b64(k2)}` }));
    expect(summary).toMatchObject({ encryptionAtRest: true, sealingKeyId: keyId(k2), readOnlyKeyIds: [keyId(k1)] });
    expect(JSON.stringify(summary)).not.toContain(b64(k1));
  });
});
