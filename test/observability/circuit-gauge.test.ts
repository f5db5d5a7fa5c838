/**
 * `cxgraph_circuit_breaker_open` follows the breaker, not the traffic: once the cool-down is over the circuit no
 * longer fails fast (the next request is let through as the probe), and a scrape says 0 then, even if no request
 * came since. It used to be set only when a request moved the breaker, so it stayed at 1 — an alert firing for a
 * platform that had recovered — until the next request to that provider.
 *
 * A running cxgraph against the CallJourney simulator over real HTTP; the clock (Date) is moved instead of waiting.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { createCallJourneySimulator } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';
import { RECORDING, RECORDING_KEY } from '../reliability/sim-env.js';

const COOL_DOWN_MS = 10_000;

describe('the circuit-breaker gauge', () => {
  const cj = useSimulator(createCallJourneySimulator());
  let t: TestServer;

  beforeAll(async () => {
    t = await startServer({ ...cj.env(), CXGRAPH_BREAKER_FAILURES: '2', CXGRAPH_BREAKER_COOLDOWN_MS: String(COOL_DOWN_MS) });
  });
  afterEach(() => {
    vi.useRealTimers();
    cj.server.clearFaults();
  });
  afterAll(async () => {
    await t?.close();
  });

  const gauge = async () =>
    new RegExp('^cxgraph_circuit_breaker_open\\{provider="CALLJOURNEY"\\} (\\d)', 'm').exec(await (await fetch(`${t.url}/metrics`)).text())?.[1];
  const query = () => t.gql(RECORDING, { key: RECORDING_KEY });

  it('reads 1 while the circuit is open and 0 as soon as the cool-down is over, with no request in between', async () => {
    expect((await query()).errors).toBeUndefined();
    expect(await gauge()).toBe('0');

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now());
    cj.server.inject({ kind: 'status', route: 'conversationexists', status: 503, times: 1_000 });
    for (let i = 0; i < 2; i++) expect((await query()).errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', upstreamStatus: 503 });
    expect((await query()).errors![0]!.extensions).toMatchObject({ circuitOpen: true });
    expect(await gauge()).toBe('1');

    vi.setSystemTime(Date.now() + COOL_DOWN_MS - 1_000);
    expect(await gauge()).toBe('1'); // still failing fast

    const sent = cj.server.count('conversationexists');
    cj.server.clearFaults();
    vi.setSystemTime(Date.now() + 1_000);
    expect(await gauge()).toBe('0'); // the next request will be let through
    expect(cj.server.count('conversationexists')).toBe(sent); // and none was needed to say so

    // The probe finds the platform answering: closed, still 0.
    expect((await query()).errors).toBeUndefined();
    expect(await gauge()).toBe('0');
  });

  it('a failed probe makes it 1 again for another cool-down', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now());
    cj.server.inject({ kind: 'status', route: 'conversationexists', status: 503, times: 1_000 });
    for (let i = 0; i < 2; i++) await query();
    expect(await gauge()).toBe('1');
    vi.setSystemTime(Date.now() + COOL_DOWN_MS);
    expect(await gauge()).toBe('0');
    expect((await query()).errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', upstreamStatus: 503 }); // the probe fails
    expect(await gauge()).toBe('1');
  });
});
