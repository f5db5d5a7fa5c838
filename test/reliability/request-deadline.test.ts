/**
 * The request deadline (CXGRAPH_REQUEST_DEADLINE_MS, docs/reliability.md): a platform that never answers nulls its
 * own fields with PROVIDER_UNAVAILABLE (`timedOut: true`) once the deadline is reached, and the rest of the operation
 * answers on time — queried directly and through a gateway next to another subgraph. The deadline here is short
 * (1.5 s) and the per-attempt upstream limit long (5 s, three attempts), so the deadline is what cuts: without it
 * the hung field would take 15 s. A deadline forwarded by the router (x-cxgraph-deadline-ms) only ever shortens it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useSimulators } from '../support/simulators.js';
import { createCallJourneySimulator, createCloudCxSimulator, createNvmSimulator, SAMPLE_RECORDINGS } from '../../src/simulators/index.js';
import { graphql, startServer, type GraphQLResult, type TestServer } from '../support/harness.js';
import { startTestGateway, type TestGateway } from '../federation/test-gateway.js';
import { startCrmSubgraph, type CrmSubgraph } from '../federation/crm-subgraph.js';

const DEADLINE_MS = 1_500;
/** What an answer may take beyond the deadline: the rest of the operation, the gateway, a loaded machine. */
const SLACK_MS = 1_000;
const KEY = (({ company, organisation, folder, filename }) => ({ company, organisation, folder, filename }))(SAMPLE_RECORDINGS[0]!);

async function hang(url: string, route: string): Promise<void> {
  const res = await fetch(`${url}/__sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'hang', route, times: 1000 }),
  });
  expect(res.status).toBe(200);
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; r: T }> {
  const started = performance.now();
  const r = await run();
  return { ms: performance.now() - started, r };
}

function expectTimedOut(r: GraphQLResult<unknown>, path: string[]): void {
  const e = r.errors?.find((x) => JSON.stringify(x.path) === JSON.stringify(path));
  expect(e, JSON.stringify(r.errors)).toBeDefined();
  expect(e!.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider: 'NEWVOICEMEDIA', timedOut: true });
  expect(e!.message).toMatch(/deadline/);
}

describe('a platform that never answers', { timeout: 60_000 }, () => {
  const [cj, cloudcx, nvm] = useSimulators([createCallJourneySimulator(), createCloudCxSimulator(), createNvmSimulator()]);
  let cx: TestServer;
  let crm: CrmSubgraph;
  let gateway: TestGateway;

  beforeAll(async () => {
    cx = await startServer({
      CXGRAPH_SCOPE_DIRECTIVES: 'off',
      CXGRAPH_REQUEST_DEADLINE_MS: String(DEADLINE_MS),
      CXGRAPH_UPSTREAM_TIMEOUT_MS: '5000',
      // Every query here meets the hung platform: the breaker must not open and answer for the deadline.
      CXGRAPH_BREAKER_FAILURES: '1000',
      ...cj.env(),
      ...cloudcx.env(),
      ...nvm.env(),
    });
    crm = await startCrmSubgraph([{ id: 'c1', name: 'Ada', recordings: [KEY], owner: null }]);
    gateway = await startTestGateway([
      { name: 'cxgraph', url: `${cx.url}/` },
      { name: 'crm', url: crm.url },
    ]);
  });
  afterAll(async () => {
    await gateway?.stop();
    await crm?.stop();
    await cx?.close();
  });
  beforeEach(async () => {
    await fetch(`${nvm.url}/__sim/reset`, { method: 'POST' });
    // The token is had before the platform hangs: what is cut is the API call and its retries.
    const warm = await cx.gql('{ agentAvailability(skillNames: ["French"]) { ready } }');
    expect(warm.errors).toBeUndefined();
    await hang(nvm.url, 'agents-availability');
  });

  it('directly: answers within the deadline, the hung field null with PROVIDER_UNAVAILABLE and timedOut, the others intact', async () => {
    const { ms, r } = await timed(() =>
      cx.gql<{ agentAvailability: unknown; users: { totalCount: number } | null; recording: { exists: boolean } | null }>(
        `query ($key: RecordingKey!) {
          agentAvailability(skillNames: ["French", "English"]) { ready away }
          users(provider: CLOUDCX, pageSize: 2) { totalCount }
          recording(key: $key) { exists }
        }`,
        { key: KEY },
      ),
    );
    console.info(`[request-deadline] direct, hung platform: answered in ${Math.round(ms)} ms`);
    expect(r.status).toBe(200);
    expect(r.data).toEqual({ agentAvailability: null, users: { totalCount: cloudcx.users.length }, recording: { exists: true } });
    expect(r.errors).toHaveLength(1);
    expectTimedOut(r, ['agentAvailability']);
    expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
  });

  it("through a gateway: the other subgraph's field and cxgraph's other fields answer, the hung field is null with timedOut, within the deadline", async () => {
    const { ms, r } = await timed(() =>
      graphql<{ contacts: unknown; agentAvailability: unknown; users: unknown }>(
        gateway.url,
        '{ contacts(first: 5) { nodes { name recordings { exists } } } agentAvailability(skillNames: ["French"]) { ready } users(provider: CLOUDCX, pageSize: 1) { totalCount } }',
      ),
    );
    console.info(`[request-deadline] through the gateway, hung platform: answered in ${Math.round(ms)} ms`);
    expect(r.status).toBe(200);
    expect(r.data).toEqual({
      contacts: { nodes: [{ name: 'Ada', recordings: [{ exists: true }] }] },
      agentAvailability: null,
      users: { totalCount: cloudcx.users.length },
    });
    expect(r.errors).toHaveLength(1);
    expectTimedOut(r, ['agentAvailability']);
    expect(ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
  });

  it('a deadline the router forwards shortens it, and never lengthens it', async () => {
    const query = '{ agentAvailability(skillNames: ["French"]) { ready } }';
    const shorter = await timed(() => cx.gql(query, undefined, { 'x-cxgraph-deadline-ms': '600' }));
    expectTimedOut(shorter.r, ['agentAvailability']);
    expect(shorter.ms).toBeLessThan(600 + SLACK_MS / 2);
    const longer = await timed(() => cx.gql(query, undefined, { 'x-cxgraph-deadline-ms': '60000' }));
    expectTimedOut(longer.r, ['agentAvailability']);
    expect(longer.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
  });

  it('a forwarded deadline that is not a number of milliseconds is refused, naming the header', async () => {
    const r = await cx.gql('{ providers { provider } }', undefined, { 'x-cxgraph-deadline-ms': 'soon' });
    expect(r.status).toBe(400);
    expect(r.errors?.[0]?.message).toMatch(/x-cxgraph-deadline-ms.*whole number of milliseconds.*"soon"/);
  });
});
