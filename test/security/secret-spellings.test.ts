/**
 * Issue 17 item 7: a secret echoed by a platform in any spelling — percent-encoded in lower case, base64url, base64
 * without padding or shifted inside a longer run, `\uXXXX` escapes, HTML entities (decimal, hex, named), hex, upper
 * case, split by a space, or just a piece of it — reaches no GraphQL error, no `providers { lastError }` and no log
 * line. Over real HTTP: the CallJourney simulator's token endpoint and API answer with error text that echoes the
 * configured client secret.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { echoesSecret, WITHHELD } from '../../src/security/upstream-text.js';
import { createCallJourneySimulator, SAMPLE_RECORDINGS } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';

// Base64 of it holds a `+` and ends in `==`: base64url and unpadded base64 are spellings of their own.
const SECRET = 'Qx7~pp/s3cr3t+value=Zk9.??~~';
const ONE = `query ($key: RecordingKey!) { recording(key: $key) { filename exists } }`;
const known = SAMPLE_RECORDINGS[0]!;
const KEY = { company: known.company, organisation: known.organisation, folder: known.folder, filename: known.filename };

const entities = (s: string, e: (c: string) => string) => s.replace(/[^A-Za-z0-9]/g, e);
const SPELLINGS: Record<string, string> = {
  'percent-encoded, lower case': encodeURIComponent(SECRET).toLowerCase(),
  'percent-encoded, every character': [...Buffer.from(SECRET)].map((b) => `%${b.toString(16)}`).join(''),
  base64url: Buffer.from(SECRET).toString('base64url'),
  'base64 without padding': Buffer.from(SECRET).toString('base64').replace(/=+$/, ''),
  'base64 of the form it sat in': Buffer.from(`client_secret=${SECRET}`).toString('base64'),
  '\\uXXXX escapes': [...SECRET].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
  'HTML decimal entities': entities(SECRET, (c) => `&#${c.charCodeAt(0)};`),
  'HTML hex entities': entities(SECRET, (c) => `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`),
  'HTML named entities': SECRET.replace('/', '&sol;').replace('+', '&plus;').replace('=', '&equals;').replace('.', '&period;'),
  hex: Buffer.from(SECRET).toString('hex'),
  'hex of the form it sat in': Buffer.from(`secret=${SECRET}`).toString('hex').toUpperCase(),
  'upper case': SECRET.toUpperCase(),
  'split by a space': `${SECRET.slice(0, 10)} ${SECRET.slice(10)}`,
  'a piece of it (9 characters)': SECRET.slice(4, 13),
};

/** No text a caller or operator sees holds the secret, as is or in any reading of it. */
function expectClean(texts: string[], spelling: string): void {
  for (const text of texts) {
    expect(text).not.toContain(spelling);
    expect(text).not.toContain(SECRET);
    expect(echoesSecret(text, [SECRET]), text).toBe(false);
  }
}

describe('a platform echoing the client secret in other spellings', () => {
  const sim = useSimulator(createCallJourneySimulator({ clients: [{ clientId: 'cj-spellings', clientSecret: SECRET }] }));
  let t: TestServer;

  afterEach(async () => {
    await t?.close();
    sim.server.clearFaults();
  });

  const lastError = async () => {
    const r = await t.gql<{ providers: { provider: string; lastError: string | null }[] }>('{ providers { provider lastError } }');
    return r.data!.providers.find((p) => p.provider === 'CALLJOURNEY')!.lastError ?? '';
  };

  for (const [name, spelling] of Object.entries(SPELLINGS)) {
    it(`${name}: in the token endpoint's error_description and in an API error message`, async () => {
      t = await startServer(sim.env());
      // The API answers 400, echoing the secret.
      sim.server.inject({ kind: 'status', route: 'conversationexists', status: 400, body: { message: `Bad request from client with secret ${spelling}` } });
      const bad = await t.gql(ONE, { key: KEY });
      expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'PROVIDER_ERROR', upstreamStatus: 400 });
      const afterApi = await lastError();

      // The token is refused (401); the token endpoint then refuses the secret, echoing it back.
      sim.revokeTokens();
      sim.server.inject({
        kind: 'status',
        route: 'token',
        status: 401,
        body: { error: 'invalid_client', error_description: `AADSTS7000215: Invalid client secret provided: ${spelling}. Trace ID: 0f1e` },
      });
      const refused = await t.gql(ONE, { key: KEY });
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'PROVIDER_AUTH_FAILED', oauthError: 'invalid_client' });
      expect(refused.errors![0]!.message).toMatch(/\[redacted\]|upstream text withheld/);

      const logs = t.logs.lines;
      expect(logs.some((l) => /"level":40/.test(l))).toBe(true); // a warn-level line about it exists, and is clean
      expectClean([bad.raw, refused.raw, afterApi, await lastError(), ...logs], spelling);
    });
  }

  it("cxgraph's own words and harmless upstream text are left as they are", async () => {
    t = await startServer(sim.env());
    sim.server.inject({ kind: 'status', route: 'conversationexists', status: 400, body: { message: 'Folder name is not valid for this organisation' } });
    const r = await t.gql(ONE, { key: KEY });
    expect(r.errors![0]!.message).toContain('Folder name is not valid for this organisation');
    expect(r.errors![0]!.message).not.toContain(WITHHELD);
  });
});
