/**
 * The `Cache-Control` header cxgraph answers with, as a router or CDN in front of it reads it: what the
 * `@cacheControl` hints of schema/*.graphql allow for the whole answer (Apollo Server's cache-control plugin), and
 * `no-store` for anything that must not be shared — `providers`, PBX accounts, mutations, any failed field.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useSimulators } from '../support/simulators.js';
import {
  createCallJourneySimulator,
  createCloudCxSimulator,
  createNvmSimulator,
  createSangomaSimulator,
  SAMPLE_RECORDINGS,
} from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';

const key = (r: (typeof SAMPLE_RECORDINGS)[number]) => ({ company: r.company, organisation: r.organisation, folder: r.folder, filename: r.filename });
const FOUND = SAMPLE_RECORDINGS.slice(0, 3).map(key);
const MISSING = { ...FOUND[0]!, filename: 'not-there.wav' };
const RECORDINGS = 'query ($keys: [RecordingKey!]!) { recordings(keys: $keys) { filename exists callId } }';

describe('Cache-Control', () => {
  const [cj, nvm, cloudcx, sangoma] = useSimulators([createCallJourneySimulator(), createNvmSimulator(), createCloudCxSimulator(), createSangomaSimulator()]);
  let t: TestServer;

  beforeAll(async () => {
    t = await startServer({ ...cj.env(), ...nvm.env(), ...cloudcx.env(), ...sangoma.env() });
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(() => {
    for (const s of [cj.server, nvm.server, cloudcx.server]) s.clearFaults();
  });

  const header = async (query: string, variables?: Record<string, unknown>) => {
    const r = await t.gql(query, variables);
    return { cacheControl: r.headers.get('cache-control'), errors: r.errors };
  };

  it('recordings that were found may be cached publicly for 5 minutes', async () => {
    expect(await header(RECORDINGS, { keys: FOUND })).toEqual({ cacheControl: 'max-age=300, public', errors: undefined });
    expect(await header('query ($key: RecordingKey!) { recording(key: $key) { exists } }', { key: FOUND[0] })).toMatchObject({
      cacheControl: 'max-age=300, public',
    });
  });

  it('an answer saying a recording is not there is cached for 30 seconds at most (it may be uploaded soon)', async () => {
    expect(await header(RECORDINGS, { keys: [...FOUND, MISSING] })).toEqual({ cacheControl: 'max-age=30, public', errors: undefined });
  });

  it('recordings referenced by a router (_entities) carry the same hint', async () => {
    const reps = FOUND.map((k) => ({ __typename: 'Recording', ...k }));
    const r = await header('query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Recording { exists } } }', { reps });
    expect(r).toEqual({ cacheControl: 'max-age=300, public', errors: undefined });
  });

  it('users for a minute (a page), agents for a minute, availability for 10 seconds', async () => {
    expect(await header('{ users(provider: CLOUDCX, pageSize: 5) { totalCount nodes { id login } } }')).toEqual({
      cacheControl: 'max-age=60, public',
      errors: undefined,
    });
    expect(await header('{ agents(provider: NEWVOICEMEDIA) { id name user { login } } }')).toEqual({ cacheControl: 'max-age=60, public', errors: undefined });
    expect(await header('{ agentAvailability(skillNames: ["French"]) { ready } }')).toEqual({ cacheControl: 'max-age=10, public', errors: undefined });
  });

  it('calls for a minute, and never longer than half the lifetime of the media links they hold', async () => {
    const CALLS =
      '{ calls(provider: NEWVOICEMEDIA, from: "2024-05-01T00:00:00Z", to: "2024-05-02T00:00:00Z", first: 3) { nodes { id media { downloadUrl } } } }';
    expect(await header(CALLS)).toEqual({ cacheControl: 'max-age=60, public', errors: undefined });
    const shortLinks = await startServer({ ...nvm.env(), CXGRAPH_MEDIA_URL_TTL_SECONDS: '40' });
    try {
      const r = await shortLinks.gql(CALLS);
      expect(r.errors).toBeUndefined();
      expect(r.headers.get('cache-control')).toBe('max-age=20, public');
    } finally {
      await shortLinks.close();
    }
  });

  it('a query touching providers is never cached, whatever else it holds', async () => {
    expect(await header('{ providers { provider status } }')).toEqual({ cacheControl: 'no-store', errors: undefined });
    const mixed = await header('query ($keys: [RecordingKey!]!) { recordings(keys: $keys) { exists } providers { provider } }', { keys: FOUND });
    expect(mixed).toEqual({ cacheControl: 'no-store', errors: undefined });
  });

  it('a mutation is never cached, even when it succeeds', async () => {
    const placed = await header(
      `mutation { startAgentCall(agentName: "alice", destination: "+15550100199", tenantDomain: "${sangoma.tenants[0]!.domain}") { accepted } }`,
    );
    expect(placed).toEqual({ cacheControl: 'no-store', errors: undefined });
  });

  it('an answer with a failed field is never cached, even where every hint allows it', async () => {
    cj.server.inject({ kind: 'status', route: 'conversationexists', status: 404, body: { message: 'Not Found' }, times: 1 });
    const r = await header(RECORDINGS, { keys: [FOUND[0], { ...FOUND[0]!, filename: 'fails.wav' }] });
    expect(r.errors?.length).toBeGreaterThan(0);
    expect(r.cacheControl).toBe('no-store');
  });
});
