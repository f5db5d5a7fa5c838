/**
 * The Basic client-credentials grant and the token manager's no-early-renewal path, with an injected clock
 * (so a year-long lifetime can pass in a test) and the real Sangoma simulator as the token endpoint.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { BasicClientCredentialsGrant } from '../../src/auth/grants/basic-client-credentials.js';
import { tokenManagerOver } from '../support/token-manager.js';
import { MemoryKvStore } from '../../src/store/memory-store.js';
import { createSangomaSimulator, SANGOMA_TOKEN_LIFETIME_SEC } from '../../src/simulators/index.js';
import { LogCapture } from '../support/log-capture.js';

class FakeClock {
  constructor(public t = Date.now()) {}
  now = () => this.t;
  set(ms: number) {
    this.t = ms;
  }
}

/** Records the TTL of every write, to show how long the shared store keeps a token. */
class RecordingStore extends MemoryKvStore {
  readonly ttls: (number | undefined)[] = [];
  override async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    this.ttls.push(ttlMs);
    await super.set(key, value, ttlMs);
  }
}

const sim = useSimulator(createSangomaSimulator());
afterEach(() => {
  sim.server.resetCounts();
  sim.tokenLifetimeSec = SANGOMA_TOKEN_LIFETIME_SEC;
});

function grant(over: { scopes?: string[]; secret?: string; renewBeforeExpiry?: boolean } = {}) {
  return new BasicClientCredentialsGrant({
    provider: 'SANGOMA',
    tokenUrl: sim.tokenUrl,
    clientId: sim.clients[0]!.clientId,
    clientSecret: over.secret ?? sim.clients[0]!.clientSecret,
    scopes: over.scopes ?? ['cx.agent-calls', 'cx.queue-calls'],
    renewBeforeExpiry: over.renewBeforeExpiry,
  });
}

function manager(clock: FakeClock, store = new MemoryKvStore()) {
  return tokenManagerOver({ store, logger: new LogCapture().logger, clock, random: () => 0 });
}

async function until(cond: () => boolean, ms = 1000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

describe('BasicClientCredentialsGrant', () => {
  it('authenticates with HTTP Basic only and sends the scopes joined by one space', () => {
    const g = new BasicClientCredentialsGrant({
      provider: 'SANGOMA',
      tokenUrl: 'https://auth.example/oauth/token',
      clientId: 'my id',
      clientSecret: 's:e&c',
      scopes: ['cx.agent-calls', 'cx.queue-calls'],
    });
    const req = g.buildRequest();
    expect(req.url).toBe('https://auth.example/oauth/token');
    // RFC 6749 §2.3.1 by default: each part form-encoded before base64.
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('my+id:s%3Ae%26c').toString('base64')}`);
    expect(Object.fromEntries(req.body)).toEqual({ grant_type: 'client_credentials', scope: 'cx.agent-calls cx.queue-calls' });
    expect(req.body.toString()).not.toContain('s%3Ae');
  });

  it('as Sangoma documents it, base64(client_id:client_secret) with the values as they are', () => {
    const g = new BasicClientCredentialsGrant({
      provider: 'SANGOMA',
      tokenUrl: 'https://a/t',
      clientId: 'my id',
      clientSecret: 's:e&c+/=%',
      scopes: ['cx.agent-calls'],
      basicEncoding: 'raw',
    });
    expect(g.buildRequest().headers.authorization).toBe(`Basic ${Buffer.from('my id:s:e&c+/=%').toString('base64')}`);
  });

  it('identifies the token by scope and client, never by secret, and does not renew early by default', () => {
    const g = new BasicClientCredentialsGrant({
      provider: 'SANGOMA',
      tokenUrl: 'https://a/t',
      clientId: 'id',
      clientSecret: 'top-secret',
      scopes: ['cx.queue-calls', 'cx.agent-calls cx.queue-calls'],
    });
    expect(g.renewBeforeExpiry).toBe(false);
    expect(g.scopes).toEqual(['cx.queue-calls', 'cx.agent-calls']);
    expect(g.identity).toEqual({ provider: 'SANGOMA', tokenUrl: 'https://a/t', clientId: 'id', scope: 'cx.queue-calls cx.agent-calls' });
    expect(JSON.stringify(g.identity)).not.toContain('top-secret');
  });

  it('refuses an empty scope list', () => {
    expect(() => new BasicClientCredentialsGrant({ provider: 'SANGOMA', tokenUrl: 'https://a/t', clientId: 'id', clientSecret: 's', scopes: [' '] })).toThrow(
      /at least one scope/,
    );
  });

  it('gets a token from the simulator that grants both scopes', async () => {
    const t = await manager(new FakeClock()).getToken(grant());
    expect(t.scope).toBe('cx.agent-calls cx.queue-calls');
    expect(t.tokenType).toBe('bearer');
  });
});

describe('year-long Sangoma token in the token manager', () => {
  it('is used to the last millisecond of its ~281 days and renewed only once expired', async () => {
    const clock = new FakeClock();
    const tm = manager(clock);
    const g = grant();
    const first = await tm.getToken(g);
    expect(first.expiresAt - first.obtainedAt).toBeGreaterThan((SANGOMA_TOKEN_LIFETIME_SEC - 2) * 1000);

    for (const at of [0.5, 0.9, 0.99, 0.999999]) {
      clock.set(first.obtainedAt + (first.expiresAt - first.obtainedAt) * at);
      expect((await tm.getToken(g)).accessToken).toBe(first.accessToken);
    }
    clock.set(first.expiresAt - 1);
    expect((await tm.getToken(g)).accessToken).toBe(first.accessToken);
    await until(() => sim.server.count('token') > 1, 200);
    expect(sim.server.count('token')).toBe(1);

    clock.set(first.expiresAt);
    const second = await tm.getToken(g);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(sim.server.count('token')).toBe(2);
  });

  it('(the same grant allowed to renew early would renew in the background before expiry)', async () => {
    const clock = new FakeClock();
    const tm = manager(clock);
    const g = grant({ renewBeforeExpiry: true });
    const first = await tm.getToken(g);
    clock.set(first.expiresAt - 1000);
    await tm.getToken(g);
    await until(() => sim.server.count('token') > 1);
    expect(sim.server.count('token')).toBe(2);
  });

  it('is kept in the shared store for its whole life, so another replica reuses it to the end', async () => {
    const store = new RecordingStore();
    const clock = new FakeClock();
    const first = await manager(clock, store).getToken(grant());
    expect(store.ttls).toHaveLength(1);
    expect(store.ttls[0]).toBeGreaterThan((SANGOMA_TOKEN_LIFETIME_SEC - 2) * 1000);
    expect(store.ttls[0]).toBeLessThanOrEqual(SANGOMA_TOKEN_LIFETIME_SEC * 1000);

    const replicaClock = new FakeClock(first.expiresAt - 1);
    const other = await manager(replicaClock, store).getToken(grant());
    expect(other.accessToken).toBe(first.accessToken);
    expect(sim.server.count('token')).toBe(1);
  });

  it('still renews on a 401 (a revoked token), once', async () => {
    const tm = manager(new FakeClock());
    const g = grant();
    await tm.getToken(g);
    sim.revokeTokens();
    const statuses: number[] = [];
    const res = await tm.withToken(
      g,
      async (t) => {
        const r = await fetch(`${sim.baseUrl}/api/v1/queues/call/`, {
          method: 'POST',
          headers: { authorization: `Bearer ${t.accessToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ queue_name: 'support', destination: '1001', tenant_domain: 'acme.cx.example.com' }),
        });
        await r.text();
        statuses.push(r.status);
        return r;
      },
      (r) => r.status === 401,
    );
    expect(statuses).toEqual([401, 200]);
    expect(res.status).toBe(200);
    expect(sim.server.count('token')).toBe(2);
  });

  it('a rejected secret is PROVIDER_AUTH_FAILED (invalid_client)', async () => {
    await expect(manager(new FakeClock()).getToken(grant({ secret: 'wrong' }))).rejects.toMatchObject({
      extensions: { code: 'PROVIDER_AUTH_FAILED', provider: 'SANGOMA', oauthError: 'invalid_client', upstreamStatus: 401 },
    });
  });
});
