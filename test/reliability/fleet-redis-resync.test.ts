/**
 * A replica that starts while another one's 429 cool-down runs learns it by reading back what was announced before
 * its subscription was up (FleetRedis.onResync, src/upstream/limits/fleet-redis.ts). The read-back runs when the
 * connection says 'ready' — which node-redis emits before connect() resolves — so the connection must be usable from
 * that moment: a read-back refused as "not connected yet" is a cool-down the new replica never learns.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FleetRedis } from '../../src/upstream/limits/fleet-redis.js';
import { LogCapture } from '../support/log-capture.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';

describe.skipIf(!HAS_REDIS)('FleetRedis read-back on (re)connection', () => {
  const prefix = uniqueNamespace();
  const opened: FleetRedis[] = [];
  const open = () => {
    const f = new FleetRedis({ target: { url: REDIS_URL }, prefix, logger: new LogCapture().logger });
    opened.push(f);
    return f;
  };
  afterAll(async () => {
    await Promise.all(opened.map((f) => f.close()));
  });

  it('every read-back a new connection asks for finds the cool-downs announced before it', async () => {
    const first = open();
    await expect.poll(() => first.usable).toBe(true);
    expect(await first.announceCoolDown('CALLJOURNEY', 'host|account', 30_000)).toBe(true);

    const late = open();
    const readBacks: (Map<string, number> | undefined)[] = [];
    late.onResync(() => void late.coolDownsLeft('CALLJOURNEY').then((m) => readBacks.push(m)));
    await expect.poll(() => readBacks.length).toBeGreaterThanOrEqual(1);
    await expect.poll(() => late.usable).toBe(true);
    // Each read-back answered (none refused for a connection not counted as up yet), and found the cool-down.
    for (const m of readBacks) expect(m?.has('host|account')).toBe(true);
  });
});
