/**
 * PBX consent during a Redis outage (issue #11, item 9): a private redis-server, SIGKILLed. The replica that begins
 * a consent keeps its state in process when the store cannot take it, so the same replica finishes the flow — the
 * state still single-use — and the new connection is written to Redis once it is back, for every replica.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { randomBytes } from 'node:crypto';
import { consent, createPbxSimulator } from '../../src/simulators/index.js';
import type { TestServer } from '../support/harness.js';
import { startWithPbx } from '../support/pbx.js';
import { uniqueNamespace } from '../support/redis.js';
import { HAS_REDIS_SERVER, startPrivateRedis, waitFor, type PrivateRedis } from './support.js';

const ACCOUNTS = '{ pbxAccounts { id login status } }';
const AGENTS = '{ agents(provider: PBX) { id } }';

describe.skipIf(!HAS_REDIS_SERVER)('PBX consent while Redis is down', () => {
  const sim = useSimulator(createPbxSimulator());
  let redis: PrivateRedis;
  const servers: TestServer[] = [];
  const ns = uniqueNamespace();
  const key = randomBytes(32).toString('base64');

  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await redis?.stop();
  });

  const env = () => ({ REDIS_URL: redis.url, CXGRAPH_REDIS_PREFIX: ns, CXGRAPH_ENCRYPTION_KEYS: key });
  const degraded = async (t: TestServer) => ((await (await fetch(`${t.url}/readyz`)).json()) as { status: string }).status === 'degraded';
  /** The store's own warnings: an operation that failed or outlasted its time limit, or the store going degraded. */
  const storeTrouble = (t: TestServer) => t.logs.lines.filter((l) => /Redis (operation failed|store unreachable)/.test(l)).length;
  /**
   * A replica that has reached Redis. It connects in the background and answers from its own memory until it has
   * (src/store/redis-connection.ts); on a loaded machine that takes longer than the store's time limit, and a replica
   * asked at once would answer as a degraded one.
   */
  const start = async () => {
    const t = await startWithPbx(sim, env());
    servers.push(t);
    await waitFor('a new replica to reach Redis', async () => !(await degraded(t)));
    return t;
  };
  const begin = async (t: TestServer) => {
    const r = await t.gql<{ beginPbxConnection: { authorizationUrl: string } }>('mutation { beginPbxConnection { authorizationUrl } }');
    expect(r.errors).toBeUndefined();
    return consent(r.data!.beginPbxConnection.authorizationUrl, { login: 'client1', decision: 'allow' });
  };

  it('the replica that began the consent finishes it, the state stays single-use, and the connection reaches Redis once it is back', async () => {
    const a = await start();
    const other = await start();
    // One consent begun while Redis still answers: its state lives in Redis only. Should a store operation of the
    // begin fail or outlast its time limit (a loaded machine), the state is kept in process instead, and the store
    // says so in the log: such a consent does not count, another is begun.
    const beforeOutage = await waitFor('a consent begun with every store operation answered', async () => {
      const trouble = storeTrouble(a);
      if (await degraded(a)) return false;
      const callback = await begin(a);
      return storeTrouble(a) === trouble && callback;
    });

    await redis.kill();
    await waitFor('both replicas to report the store degraded', async () => (await degraded(a)) && (await degraded(other)));

    const callback = await begin(a);
    const viaOther = new URL(callback.pathname + callback.search, other.url);
    // Another replica never saw the state: refused before any token request.
    const tokens = sim.server.count('token');
    expect((await fetch(viaOther)).status).toBe(400);
    expect(sim.server.count('token')).toBe(tokens);

    const done = await fetch(callback);
    expect(done.status, await done.text()).toBe(200);
    expect((await a.gql(ACCOUNTS)).data).toEqual({ pbxAccounts: [{ id: '20', login: 'client1', status: 'CONNECTED' }] });
    expect((await a.gql(AGENTS)).errors).toBeUndefined();
    // Single-use: the same callback again is refused.
    expect((await fetch(callback)).status).toBe(400);
    // A state that reached Redis before the outage cannot be checked for single use while Redis is down: refused.
    expect((await fetch(beforeOutage)).status).toBe(400);

    await redis.restart(); // same port, empty
    await waitFor('the store to recover', async () => !(await degraded(a)), 10_000, 100);
    // Written back by the replica that made it as soon as Redis answers, unasked: a replica started now, which never
    // saw it and reads Redis, sees it.
    const fresh = await start();
    await waitFor(
      'the connection to reach Redis',
      async () => (await fresh.gql<{ pbxAccounts: unknown[] }>(ACCOUNTS)).data!.pbxAccounts.length === 1,
      10_000,
      100,
    );
    expect((await fresh.gql(ACCOUNTS)).data).toEqual({ pbxAccounts: [{ id: '20', login: 'client1', status: 'CONNECTED' }] });
    expect((await fresh.gql(AGENTS)).errors).toBeUndefined();
  });
});
