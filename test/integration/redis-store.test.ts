/**
 * Token managers over the shared store on a real Redis: two of them (two replicas) fetch one token between
 * them, tokens are sealed at rest (no plaintext token in Redis), and rotating the key list keeps them readable
 * without a new token request. What the store itself promises (values, TTL, locks, sealing, compareAndSet)
 * is the contract suite's, test/contract/kv-store.test.ts, run against Redis too.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { createClient } from '@keyv/redis';
import { AzureClientCredentialsGrant } from '../../src/auth/grants/azure-client-credentials.js';
import { tokenManagerOver } from '../support/token-manager.js';
import { createStore } from '../../src/store/create-store.js';
import type { KvStore } from '../../src/store/kv-store.js';
import { createCallJourneySimulator } from '../../src/simulators/index.js';
import { LogCapture } from '../support/log-capture.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';

describe.skipIf(!HAS_REDIS)('Redis store', () => {
  const sim = useSimulator(createCallJourneySimulator());
  const stores: KvStore[] = [];
  const redis = createClient({ url: REDIS_URL });

  beforeAll(async () => {
    await redis.connect();
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await redis.close();
  });

  const store = (namespace: string, keys: Buffer[]) => {
    const s = createStore({ redisUrl: REDIS_URL, encryptionKeys: keys, logger: new LogCapture().logger, namespace });
    stores.push(s);
    return s;
  };
  const grant = () =>
    new AzureClientCredentialsGrant({
      provider: 'CALLJOURNEY',
      tokenUrl: sim.tokenUrl,
      clientId: sim.clients[0]!.clientId,
      clientSecret: sim.clients[0]!.clientSecret,
      scope: `api://${sim.clients[0]!.clientId}/.default`,
    });

  it('two token managers on separate connections, hit concurrently on a cold cache, make one token request between them', async () => {
    const ns = uniqueNamespace();
    const key = randomBytes(32);
    // the simulator answers slowly, so both replicas are surely waiting at the same time
    sim.server.setLatency('token', 150);
    sim.server.resetCounts();
    const a = tokenManagerOver({ store: store(ns, [key]), logger: new LogCapture().logger });
    const b = tokenManagerOver({ store: store(ns, [key]), logger: new LogCapture().logger });
    const tokens = await Promise.all([...Array.from({ length: 20 }, () => a.getToken(grant())), ...Array.from({ length: 20 }, () => b.getToken(grant()))]);
    sim.server.setLatency('token', 0);
    expect(sim.server.count('token')).toBe(1);
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
  });

  it('keeps no plaintext token in Redis, and a rotated key list still reads what the old key wrote', async () => {
    const ns = uniqueNamespace();
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const writer = tokenManagerOver({ store: store(ns, [oldKey]), logger: new LogCapture().logger });
    const token = await writer.getToken(grant());

    const keys = await redis.keys(`${ns}*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      const raw = (await redis.get(k)) ?? '';
      expect(raw).not.toContain(token.accessToken);
      expect(raw).not.toContain(sim.clients[0]!.clientSecret);
      expect(raw).toContain('$sealed');
    }

    // a replica started after rotation (new key first, old key kept) reads the token without asking for a new one
    const before = sim.server.count('token');
    const rotated = tokenManagerOver({ store: store(ns, [newKey, oldKey]), logger: new LogCapture().logger });
    expect((await rotated.getToken(grant())).accessToken).toBe(token.accessToken);
    expect(sim.server.count('token')).toBe(before);

    // a replica that no longer lists the old key cannot read it and fetches anew instead of failing
    const dropped = tokenManagerOver({ store: store(ns, [newKey]), logger: new LogCapture().logger });
    expect((await dropped.getToken(grant())).accessToken).not.toBe(token.accessToken);
    expect(sim.server.count('token')).toBe(before + 1);
  });
});
