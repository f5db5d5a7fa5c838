/**
 * cxgraph as it is deployed: several replicas (real `node src/index.ts` processes) behind a router, sharing one
 * Redis. Cold concurrent queries to all of them make one token request per credential and scope; nothing in
 * Redis is readable without the key; PBX connections survive a restart of every replica and a key rotation;
 * SIGTERM drains in-flight requests and releases the token locks it holds.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from '@keyv/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCallJourneySimulator,
  createNvmSimulator,
  createPbxSimulator,
  type CallJourneySimulator,
  type NvmSimulator,
  type PbxSimulator,
} from '../../src/simulators/index.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';
import { cjEnv, JWT, nvmEnv, pbxEnv, RECORDING, RECORDING_KEY } from './sim-env.js';
import { connectPbx, exited, runCxToExit, startCxProcess, waitFor, type CxProcess } from './support.js';

const NVM_BOTH_SCOPES = '{ users(provider: NEWVOICEMEDIA) { totalCount } agentAvailability(skillNames: ["Sales"]) { ready } }';
const ACCOUNTS = '{ pbxAccounts { id login status } }';
const PBX_AGENTS = '{ agents(provider: PBX) { id } }';
/** The public callback URL registered with the PBX app: the router's, in front of every replica. */
const REDIRECT_URI = 'http://127.0.0.1:9/oauth/pbx/callback';

describe.skipIf(!HAS_REDIS)('cxgraph replicas as separate processes sharing one Redis', () => {
  let cj: CallJourneySimulator;
  let nvm: NvmSimulator;
  let pbx: PbxSimulator;
  const ns = uniqueNamespace();
  const oldKey = randomBytes(32).toString('base64');
  const newKey = randomBytes(32).toString('base64');
  const redis = createClient({ url: REDIS_URL });
  const started: CxProcess[] = [];

  const start = async (env: Record<string, string>) => {
    const p = await startCxProcess(env);
    started.push(p);
    return p;
  };
  const env = (keys: string) => ({
    REDIS_URL,
    CXGRAPH_REDIS_PREFIX: ns,
    CXGRAPH_ENCRYPTION_KEYS: keys,
    ...cjEnv(cj),
    ...nvmEnv(nvm),
    ...pbxEnv(pbx, REDIRECT_URI),
  });
  const keysOf = async (prefix: string) => redis.keys(`${prefix}*`);
  /**
   * The processes of the last two tests, started with the first test's replicas: start-up is most of what each
   * costs, and these use nothing the tests before them change (a Redis prefix of their own; CallJourney's token
   * endpoint only once they are asked).
   */
  const lockPrefix = uniqueNamespace();
  let lockReplica: Promise<CxProcess>;
  let refusedStartUp: ReturnType<typeof runCxToExit>;

  beforeAll(async () => {
    cj = createCallJourneySimulator();
    nvm = createNvmSimulator();
    pbx = createPbxSimulator();
    pbx.addRedirectUri(REDIRECT_URI);
    await Promise.all([cj.start(), nvm.start(), pbx.start(), redis.connect()]);
    lockReplica = startCxProcess({ ...cjEnv(cj), CXGRAPH_REDIS_PREFIX: lockPrefix, REDIS_URL, CXGRAPH_SHUTDOWN_GRACE_MS: '200' });
    refusedStartUp = runCxToExit({ ...cjEnv(cj), NODE_ENV: 'production', REDIS_URL, CXGRAPH_AUTH: 'none' });
    // Failures are the tests' that await them.
    lockReplica.catch(() => {});
    refusedStartUp.catch(() => {});
  });
  afterAll(async () => {
    // Killed whatever happened in the tests: no replica outlives the run.
    await Promise.all([
      ...started.map((p) => p.kill()),
      lockReplica?.then(
        (p) => p.kill(),
        () => {},
      ),
      refusedStartUp?.catch(() => {}),
    ]);
    const left = await redis.keys(`${ns}*`);
    if (left.length) await redis.del(left);
    await redis.close();
    await Promise.all([cj.stop(), nvm.stop(), pbx.stop()]);
  });

  it('three replicas hit with concurrent cold queries make exactly one token request per credential and scope', async () => {
    // Slow token endpoints: every replica is surely asking at the same time.
    cj.server.setLatency('token', 300);
    nvm.server.setLatency('token', 300);
    const replicas = await Promise.all([start(env(oldKey)), start(env(oldKey)), start(env(oldKey))]);
    const results = await Promise.all(
      replicas.flatMap((r) => Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? r.gql(RECORDING, { key: RECORDING_KEY }) : r.gql(NVM_BOTH_SCOPES)))),
    );
    cj.server.setLatency('token', 0);
    nvm.server.setLatency('token', 0);
    for (const r of results) expect(r.errors).toBeUndefined();
    expect(cj.server.count('token')).toBe(1); // one credential, one scope
    expect(nvm.server.count('token')).toBe(2); // one credential, two scopes (users, availability)
    expect(cj.server.count('conversationexists')).toBe(15);
  });

  it('keeps nothing readable in Redis: tokens, refresh tokens and the PBX trusted app secret are sealed', async () => {
    const [a, b, c] = started;
    // Begun on one replica, called back on another, listed by a third: the consent state and the connection are shared.
    expect(await connectPbx((q) => a!.gql(q), b!.url)).toBe(200);
    expect((await c!.gql(ACCOUNTS)).data).toEqual({ pbxAccounts: [{ id: '20', login: 'client1', status: 'CONNECTED' }] });
    expect((await c!.gql(PBX_AGENTS)).errors).toBeUndefined();

    const keys = await keysOf(ns);
    expect(keys.some((k) => k.includes('token:calljourney'))).toBe(true);
    expect(keys.some((k) => k.includes(':account:'))).toBe(true);
    for (const k of keys) {
      if (k.includes(':lock:')) continue;
      // The account index is a set of ids (not secret), which every replica adds to: nothing else is in it.
      if (k.includes(':set:')) {
        expect(await redis.sMembers(k), k).toEqual(['20']);
        continue;
      }
      const raw = (await redis.get(k)) ?? '';
      // Nothing but the sealed envelope: the trusted app secret, tokens and logins are all inside the ciphertext.
      // keyv wraps values that have a TTL as {"value": …, "expires": …}.
      const outer = JSON.parse(raw) as { value?: unknown };
      const stored = (typeof outer.value === 'string' ? JSON.parse(outer.value) : outer) as Record<string, Record<string, unknown>>;
      expect(Object.keys(stored), k).toEqual(['$sealed']);
      expect(Object.keys(stored.$sealed!).sort(), k).toEqual(['ct', 'iv', 'k', 'tag', 'v']);
      expect(raw, k).not.toMatch(JWT);
      expect(raw, k).not.toContain('client1');
      expect(raw, k).not.toContain(cj.clients[0]!.clientSecret);
      expect(raw, k).not.toContain(pbx.publicApps[0]!.clientSecret);
    }
  });

  it('a PBX connection and the cached tokens survive a restart of every replica and a key rotation', async () => {
    // Every replica stops (gracefully) ...
    const exits = await Promise.all(started.splice(0).map((p) => p.terminate()));
    for (const e of exits) expect(e.code).toBe(0);
    const before = { cj: cj.server.count('token'), authorize: pbx.server.count('authorize_decision') };

    // ... and one comes back with a new key first and the old one still listed.
    const back = await start(env(`${newKey},${oldKey}`));
    expect((await back.gql(ACCOUNTS)).data).toEqual({ pbxAccounts: [{ id: '20', login: 'client1', status: 'CONNECTED' }] });
    expect((await back.gql(PBX_AGENTS)).errors).toBeUndefined();
    expect((await back.gql(RECORDING, { key: RECORDING_KEY })).errors).toBeUndefined();
    // Nobody authorised again, and the CallJourney token came from Redis, not from a new token request.
    expect(pbx.server.count('authorize_decision')).toBe(before.authorize);
    expect(cj.server.count('token')).toBe(before.cj);
  });

  it('SIGTERM answers the request in flight (telling its client to reconnect elsewhere), says 503 on /readyz meanwhile, then closes and exits 0', async () => {
    const p = started.at(-1)!; // the replica that came back above
    cj.server.setLatency('conversationexists', 1_000);
    try {
      const before = cj.server.count('conversationexists');
      const inFlight = fetch(`${p.url}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: RECORDING, variables: { key: RECORDING_KEY } }),
      });
      await waitFor('the query to reach the platform', () => cj.server.count('conversationexists') > before);
      p.process.kill('SIGTERM');
      const exit = exited(p.process);
      // Draining: still listening, so a load balancer's probe gets 503 and takes the replica out.
      await waitFor(
        '/readyz to answer 503',
        async () =>
          (await fetch(`${p.url}/readyz`).then(
            (r) => r.status,
            () => 0,
          )) === 503,
        2_000,
        20,
      );
      const res = await inFlight;
      // Once the request in flight is answered, no new connection is accepted.
      await waitFor(
        'the listener to close',
        async () =>
          await fetch(`${p.url}/healthz`).then(
            () => false,
            () => true,
          ),
        2_000,
        20,
      );
      // Not kept alive: the router's next request goes to a replica that stays.
      expect(res.headers.get('connection')).toBe('close');
      const answered = (await res.json()) as { data?: unknown; errors?: unknown };
      expect(answered.errors).toBeUndefined();
      expect(answered.data).toMatchObject({ recording: { exists: true } });
      expect((await exit).code).toBe(0);
      expect(p.lines.join('\n')).toContain('shutting down');
    } finally {
      cj.server.setLatency('conversationexists', 0);
    }
  });

  it('in production, Redis without CXGRAPH_ENCRYPTION_KEYS stops start-up with a message naming the variable', async () => {
    const { status, output } = await refusedStartUp;
    expect(status).toBe(2);
    expect(output).toMatch(/CXGRAPH_ENCRYPTION_KEYS: required in production when REDIS_URL is set/);
    expect(output).not.toContain(cj.clients[0]!.clientSecret);
  });

  it('SIGTERM while a token request is pending releases the token lock at once instead of leaving it to its lease', async () => {
    const prefix = lockPrefix;
    const p = await lockReplica;
    cj.server.setLatency('token', 5_000);
    try {
      const pending = p.gql(RECORDING, { key: RECORDING_KEY }).catch(() => undefined);
      await waitFor('the token lock in Redis', async () => (await keysOf(`${prefix}:lock:`)).length > 0);
      const exit = await p.terminate();
      expect(exit.code).toBe(0);
      // Redis without CXGRAPH_ENCRYPTION_KEYS outside production: allowed, and said out loud.
      expect(p.lines.join('\n')).toContain('CXGRAPH_ENCRYPTION_KEYS is not set');
      // The lease is 15 s (the token request time limit + 5 s): gone now means released by the shutdown.
      expect(await keysOf(`${prefix}:lock:`)).toEqual([]);
      await pending;
    } finally {
      cj.server.setLatency('token', 0);
    }
  });
});
