/**
 * Token storms an identity provider can cause (issue 17 item 6), over real HTTP against the CallJourney (Azure AD)
 * simulator, with time driven by one injected clock shared by cxgraph's token manager and the simulator's issuer:
 * - the token endpoint hands back the very token the API has just refused with 401 (`repeatTokens`);
 * - the token endpoint's clock is behind, so the JWT's `exp` is already past on arrival though `expires_in` is 3600
 *   (`tokenClockSkewSec`).
 * Either way a grant costs a handful of token requests a minute, not one per query, and one warning names the cause.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { createCallJourneySimulator, SAMPLE_RECORDINGS, type CallJourneySimulator } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';

const ONE = `query ($key: RecordingKey!) { recording(key: $key) { filename exists callId } }`;
const known = SAMPLE_RECORDINGS[0]!;
const KEY = { company: known.company, organisation: known.organisation, folder: known.folder, filename: known.filename };
const FOUND = { recording: { filename: known.filename, exists: true, callId: known.callId } };

/** A clock the test moves; cxgraph and the simulator read it. */
function testClock() {
  let t = Date.now();
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

async function simConfig(sim: CallJourneySimulator, values: Record<string, number>): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(values) });
  expect(res.status).toBe(200);
}

const warnings = (t: TestServer, text: string) => t.logs.json().filter((l) => Number(l.level) === 40 && String(l.msg).includes(text));

describe('token storms caused by the identity provider', () => {
  const sim = useSimulator(createCallJourneySimulator(), { resetAfterEach: true });
  let t: TestServer | undefined;

  afterEach(async () => {
    await t?.close();
    t = undefined;
    await simConfig(sim, { repeatTokens: 0, tokenClockSkewSec: 0, tokenLifetimeSec: 3599 });
    sim.issuer.now = () => Date.now();
  });

  it('the same token handed back after a 401: a handful of token requests over a minute, one warning, then recovery', async () => {
    const clock = testClock();
    sim.issuer.now = clock.now;
    t = await startServer(sim.env(), { clock });
    expect((await t.gql(ONE, { key: KEY })).data).toEqual(FOUND);
    expect(sim.server.count('token')).toBe(1);

    await simConfig(sim, { repeatTokens: 1 });
    sim.revokeTokens();
    const codes = new Set<unknown>();
    // Two queries a second for a minute.
    for (let i = 0; i < 120; i++) {
      const r = await t.gql(ONE, { key: KEY });
      expect(r.data).toEqual({ recording: null });
      codes.add(r.errors?.[0]?.extensions?.code);
      clock.advance(500);
    }
    expect([...codes]).toEqual(['PROVIDER_AUTH_FAILED']);
    // Backing off 1, 2, 4 … s (drawn from the upper half of each step): at most 8 in 60 s, against 120 without.
    const tokenRequests = sim.server.count('token') - 1;
    expect(tokenRequests).toBeGreaterThanOrEqual(2);
    expect(tokenRequests).toBeLessThanOrEqual(8);
    // The refused token reached the API once, never again.
    expect(sim.server.count('conversationexists')).toBe(2);
    expect(warnings(t, 'same token returned after 401')).toHaveLength(1);
    const status = await t.gql<{ providers: { provider: string; lastError: string | null }[] }>('{ providers { provider lastError } }');
    expect(status.data!.providers.find((p) => p.provider === 'CALLJOURNEY')!.lastError).toContain('same token returned after 401');

    // The platform issues new tokens again: once the backoff has run out, the next query gets one and answers.
    await simConfig(sim, { repeatTokens: 0 });
    clock.advance(61_000);
    expect((await t.gql(ONE, { key: KEY })).data).toEqual(FOUND);
  });

  it("a JWT whose exp has passed on arrival (the issuer's clock 4000 s behind, expires_in 3600): 20 queries, 1 token request", async () => {
    const clock = testClock();
    sim.issuer.now = clock.now;
    await simConfig(sim, { tokenClockSkewSec: 4000, tokenLifetimeSec: 3600 });
    t = await startServer(sim.env(), { clock });
    // 20 queries over a minute.
    for (let i = 0; i < 20; i++) {
      expect((await t.gql(ONE, { key: KEY })).data).toEqual(FOUND);
      clock.advance(3_000);
    }
    expect(sim.server.count('token')).toBe(1);
    expect(sim.server.count('conversationexists')).toBe(20);
    const said = warnings(t, 'clock skew of');
    expect(said).toHaveLength(1);
    expect(String(said[0]!.msg)).toMatch(/clock skew of 400[01] s/);
  });
});
