/**
 * No leaks: one run that exercises every provider through the embedded simulators — recordings, users of
 * CloudCX and NewVoiceMedia, agents, availability, NewVoiceMedia calls and media, Sangoma calls, the PBX consent
 * flow, accounts, calls and media — then the same after every token was revoked, and again with wrong
 * credentials everywhere. Every log line (LOG_LEVEL=trace, plus anything written to stdout/stderr) and every
 * response is captured, and none may hold a configured secret, password or key, a token or secret any
 * upstream issued (recorded from the traffic itself), an OAuth code, or (in logs) an OAuth state.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { createServer, type CxServer } from '../../src/server/server.js';
import { startEmbeddedSimulators, type EmbeddedSimulators } from '../../src/simulators/embedded.js';
import { consent, SAMPLE_RECORDINGS, SIMULATORS } from '../../src/simulators/index.js';
import { freePort } from '../support/free-port.js';
import { LogCapture } from '../support/log-capture.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';

const JWT = /eyJ[\w-]{2,}\.[\w-]{2,}\.[\w-]*/;
const ROUTER_SECRET = `router-${randomBytes(18).toString('base64url')}`;
const ENCRYPTION_KEY = randomBytes(32).toString('base64');
const SECRET_ENV = /SECRET|PASSWORD|API_KEY|ENCRYPTION_KEYS/;

/** Answers a request in the platform's place (a hostile upstream), or undefined to let the platform answer. */
type Impostor = (url: string, init: RequestInit) => Response | undefined;

/** Everything secret seen on the wire between cxgraph and the upstreams, from both directions. */
class TrafficRecorder {
  readonly values = new Set<string>();
  private static readonly KEYS =
    /^(access_token|refresh_token|id_token|client_secret|clientSecret|secret|password|api_key|apiKey|token|code|code_verifier|assertion)$/;

  constructor(private readonly impostor?: Impostor) {}

  readonly fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const headers = new Headers(init.headers);
    const auth = headers.get('authorization');
    if (auth) this.add(auth.replace(/^\S+\s+/, ''));
    if (typeof init.body === 'string') {
      if (init.body.trimStart().startsWith('{')) this.walk(JSON.parse(init.body), false);
      else for (const [k, v] of new URLSearchParams(init.body)) if (TrafficRecorder.KEYS.test(k)) this.add(v);
    } else if (init.body instanceof URLSearchParams) {
      for (const [k, v] of init.body) if (TrafficRecorder.KEYS.test(k)) this.add(v);
    }
    const res = this.impostor?.(url, init) ?? (await fetch(url, init));
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      try {
        this.walk(await res.clone().json(), true);
      } catch {
        // not JSON after all: nothing to record
      }
    }
    return res;
  };

  /** Strings under secret-named keys; in responses `code` is an envelope status ("0000"), not an OAuth code. */
  private walk(v: unknown, response: boolean): void {
    if (Array.isArray(v)) v.forEach((x) => this.walk(x, response));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (typeof x === 'string' && TrafficRecorder.KEYS.test(k) && !(response && k === 'code')) this.add(x);
        else this.walk(x, response);
      }
    }
  }

  add(v: string | null | undefined): void {
    if (v && v.length >= 8) this.values.add(v);
  }
}

interface Run {
  server: CxServer;
  url: string;
  logs: LogCapture;
  traffic: TrafficRecorder;
}

async function startRun(env: Record<string, string>, port = 0, impostor?: Impostor): Promise<Run> {
  const logs = new LogCapture('trace');
  const traffic = new TrafficRecorder(impostor);
  const redis: Record<string, string> = HAS_REDIS ? { REDIS_URL, CXGRAPH_REDIS_PREFIX: uniqueNamespace() } : {};
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'trace',
    CXGRAPH_ENCRYPTION_KEYS: ENCRYPTION_KEY,
    CXGRAPH_ROUTER_SECRET: ROUTER_SECRET,
    ...redis,
    ...env,
  });
  const server = await createServer(config, { logger: logs.logger, fetch: traffic.fetch });
  const url = await server.listen(port, '127.0.0.1');
  return { server, url, logs, traffic };
}

describe('no secret, token, code or state in any log line or response', () => {
  let sims: EmbeddedSimulators;
  let main: Run;
  let wrong: Run;
  const responses: string[] = [];
  const oauthCodes = new Set<string>();
  const oauthStates = new Set<string>();
  const stray: string[] = [];
  const restore: (() => void)[] = [];

  /** A GraphQL request as the router sends it; the raw answer is kept. */
  const gql = async (run: Run, query: string, variables?: Record<string, unknown>, secret = ROUTER_SECRET) => {
    const res = await fetch(`${run.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-router-secret': secret },
      body: JSON.stringify({ query, variables }),
    });
    const raw = await res.text();
    responses.push(raw);
    return {
      status: res.status,
      raw,
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any query's data, read by paths below
      body: JSON.parse(raw) as { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] },
    };
  };

  const get = async (url: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { headers, redirect: 'manual' });
    const type = res.headers.get('content-type') ?? '';
    const text = type.startsWith('audio/') || type.includes('octet-stream') ? `[${(await res.arrayBuffer()).byteLength} bytes]` : await res.text();
    responses.push(`${res.status} ${JSON.stringify([...res.headers])} ${text}`);
    return { status: res.status, text };
  };

  /** The PBX consent page with plain HTTP through the simulator's consent driver: begin, Allow, follow back to cxgraph. */
  const connectPbx = async (run: Run, login: string) => {
    // The PBX sends the browser to PBX_REDIRECT_URI; the wrong-credentials run shares it, so aim at `run` itself.
    const begin = await gql(run, 'mutation { beginPbxConnection { authorizationUrl state } }');
    const { authorizationUrl, state } = begin.body.data!.beginPbxConnection as { authorizationUrl: string; state: string };
    oauthStates.add(state);
    const callback = await consent(authorizationUrl, { login, decision: 'allow' });
    const code = callback.searchParams.get('code');
    if (code) oauthCodes.add(code);
    return get(`${run.url}${callback.pathname}${callback.search}`);
  };

  const known = SAMPLE_RECORDINGS[0]!;
  const KEYS = [known, { ...known, filename: 'missing.wav' }].map((r) => ({
    company: r.company,
    organisation: r.organisation,
    folder: r.folder,
    filename: r.filename,
  }));
  const WEEK = { from: '2024-05-01T00:00:00Z', to: '2024-05-07T00:00:00Z' };
  const CALLS = `query ($p: Provider!, $from: DateTime!, $to: DateTime!) { calls(provider: $p, from: $from, to: $to, first: 5) {
    nodes { id from to agents { id name } media { key kind downloadUrl } } pageInfo { endCursor } } }`;

  /** Every provider, once. Returns the answers that must have succeeded. */
  const exercise = async (run: Run) => {
    const out = {
      recordings: await gql(run, 'query ($k: [RecordingKey!]!) { recordings(keys: $k) { filename exists callId } }', { k: KEYS }),
      cloudcx: await gql(run, '{ users(provider: CLOUDCX, search: "a", page: 1, pageSize: 5) { totalCount nodes { id login email } } }'),
      nvmUsers: await gql(run, '{ users(provider: NEWVOICEMEDIA, pageSize: 5) { totalCount nodes { id login email } } }'),
      agents: await gql(run, '{ agents(provider: NEWVOICEMEDIA) { id name user { id email } } }'),
      availability: await gql(run, '{ agentAvailability(skillNames: ["French"]) { ready away } }'),
      nvmCalls: await gql(run, CALLS, { p: 'NEWVOICEMEDIA', ...WEEK }),
      agentCall: await gql(
        run,
        'mutation { startAgentCall(agentName: "alice", destination: "+15550100199", tenantDomain: "acme.cx.example.com") { accepted callId message } }',
      ),
      queueCall: await gql(
        run,
        'mutation { startQueueCallback(queueName: "support", destination: "+15550100123", tenantDomain: "acme.cx.example.com") { accepted callId } }',
      ),
      providers: await gql(run, '{ providers { provider status tokenExpiresAt lastError } }'),
    };
    const media = (out.nvmCalls.body.data?.calls?.nodes ?? []).flatMap((n: { media: { downloadUrl: string }[] }) => n.media)[0];
    if (media) await get(media.downloadUrl, { 'x-router-secret': ROUTER_SECRET });
    return out;
  };

  const exercisePbx = async (run: Run) => {
    const accounts = await gql(run, '{ pbxAccounts { id login status } }');
    const agents = await gql(run, '{ agents(provider: PBX) { id name } }');
    const calls = await gql(run, CALLS, { p: 'PBX', ...WEEK });
    const media = (calls.body.data?.calls?.nodes ?? []).flatMap((n: { media: { downloadUrl: string }[] }) => n.media)[0];
    if (media) await get(media.downloadUrl, { 'x-router-secret': ROUTER_SECRET });
    return { accounts, agents, calls, media };
  };

  beforeAll(async () => {
    // Anything written outside the logger (console, stray writes) is part of "all log output" too.
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        stray.push(String(chunk));
        return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write;
      restore.push(() => (stream.write = original));
    }
    const port = await freePort();
    sims = await startEmbeddedSimulators('127.0.0.1', `http://127.0.0.1:${port}`);
    main = await startRun({ ...sims.env, CXGRAPH_AUTH: 'router-secret' }, port);
  });

  afterAll(async () => {
    restore.forEach((r) => r());
    await main?.server.close();
    await wrong?.server.close();
    for (const r of hostile) await r.server.close();
    await sims?.stop();
  });

  const hostile: Run[] = [];
  const configuredSecrets = (env: Record<string, string>) =>
    Object.entries(env)
      .filter(([k]) => SECRET_ENV.test(k))
      .map(([, v]) => v);
  const leaks = (text: string, values: Iterable<string>) => [...values].filter((v) => text.includes(v)).map((v) => `${v.slice(0, 6)}…(${v.length})`);

  it('runs every provider, revokes every token, runs again, and fails with wrong credentials — leaking nothing', async () => {
    // 1. Every provider with good credentials.
    const first = await exercise(main);
    for (const [name, r] of Object.entries(first)) expect(r.body.errors, `${name}: ${r.raw}`).toBeUndefined();
    expect((await connectPbx(main, 'client1')).status).toBe(200);
    expect((await connectPbx(main, 'client2')).status).toBe(200);
    const pbx = await exercisePbx(main);
    expect(pbx.accounts.body.data!.pbxAccounts).toHaveLength(2);
    expect(pbx.agents.body.errors).toBeUndefined();
    expect(pbx.calls.body.errors).toBeUndefined();
    expect(pbx.media).toBeDefined();
    // A forged callback state, a wrong and a missing router secret.
    await get(`${main.url}/oauth/pbx/callback?code=${randomBytes(16).toString('hex')}&state=${randomBytes(32).toString('base64url')}`);
    const refused = await gql(main, '{ providers { provider } }', undefined, `${ROUTER_SECRET.slice(0, -2)}zz`);
    expect(refused.status).toBe(401);
    expect((await gql(main, '{ providers { provider } }', undefined, '')).status).toBe(401);

    // 2. Every platform revokes every token it issued: each provider renews once and answers.
    for (const e of SIMULATORS) sims[e.key].revokeTokens();
    sims.cloudcx.revokeRefreshTokens(); // CloudCX echoes a refused refresh token in its error body
    const again = await exercise(main);
    for (const [name, r] of Object.entries(again)) expect(r.body.errors, `${name} after revocation: ${r.raw}`).toBeUndefined();
    expect((await exercisePbx(main)).agents.body.errors).toBeUndefined();
    // A PBX account whose trusted app was deleted needs a new consent: reported, not leaked.
    sims.pbx.revokeTrustedApp(sims.pbx.trustedApps().find((a) => a.userId === 20)!.clientId);
    expect((await gql(main, '{ agents(provider: PBX) { id } }')).body.errors).toBeUndefined(); // client2 still answers
    const reauth = await gql(main, '{ pbxAccounts { id status } }');
    expect(reauth.body.data!.pbxAccounts).toEqual([
      { id: '20', status: 'NEEDS_REAUTHORIZATION' },
      { id: '30', status: 'CONNECTED' },
    ]);

    // 3. Wrong credentials everywhere (CloudCX with a wrong API key: the platform echoes a refused key).
    const wrongEnv: Record<string, string> = { ...sims.env, CXGRAPH_AUTH: 'router-secret' };
    for (const k of ['CALLJOURNEY_CLIENT_SECRET', 'SANGOMA_CLIENT_SECRET', 'NVM_CLIENT_SECRET', 'PBX_CLIENT_SECRET'])
      wrongEnv[k] = `wrong-${k}-${randomBytes(9).toString('hex')}`;
    for (const k of ['CLOUDCX_CLIENT_ID', 'CLOUDCX_CLIENT_SECRET', 'CLOUDCX_USERNAME', 'CLOUDCX_PASSWORD']) delete wrongEnv[k];
    wrongEnv.CLOUDCX_API_KEY = `wrong-key-${randomBytes(12).toString('hex')}`;
    wrong = await startRun(wrongEnv);
    const failed = await exercise(wrong);
    for (const name of ['recordings', 'cloudcx', 'nvmUsers', 'agents', 'availability', 'nvmCalls', 'agentCall', 'queueCall'] as const) {
      expect(failed[name].body.errors?.[0]?.extensions?.code, name).toMatch(/^PROVIDER_(AUTH_FAILED|NEEDS_REAUTHORIZATION)$/);
    }
    // The PBX app secret is wrong: the code exchange fails after consent, on a page naming the variable.
    const pbxFailed = await connectPbx(wrong, 'client1');
    expect(pbxFailed.status).toBe(502);
    expect(pbxFailed.text).toContain('PBX_CLIENT_SECRET');

    // What may never appear.
    const configured = [sims.env, wrongEnv]
      .flatMap((env) =>
        Object.entries(env)
          .filter(([k]) => SECRET_ENV.test(k))
          .map(([, v]) => v),
      )
      .concat([ROUTER_SECRET, ENCRYPTION_KEY]);
    const upstream = [...main.traffic.values, ...wrong.traffic.values];
    const secrets = [...new Set([...configured, ...upstream, ...oauthCodes])];
    // The run did see what it claims to guard: tokens of all five platforms, refresh tokens, a code.
    expect(upstream.filter((v) => JWT.test(v)).length).toBeGreaterThanOrEqual(10);
    expect(upstream.filter((v) => /^[\da-f]{8}-[\da-f]{4}-/.test(v)).length).toBeGreaterThanOrEqual(1); // CloudCX refresh tokens are UUIDs
    expect(oauthCodes.size).toBe(3);
    expect(oauthStates.size).toBe(3);

    const logText = [...main.logs.lines, ...wrong.logs.lines, ...stray].join('\n');
    expect(main.logs.lines.length).toBeGreaterThan(20);
    for (const p of ['CALLJOURNEY', 'SANGOMA', 'CLOUDCX', 'NEWVOICEMEDIA', 'PBX']) expect(logText).toContain(p);
    const responseText = responses.join('\n');
    expect(responses.length).toBeGreaterThan(30);

    expect(leaks(logText, [...secrets, ...oauthStates]), 'secrets in logs').toEqual([]);
    expect(leaks(responseText, secrets), 'secrets in responses').toEqual([]);
    expect(logText).not.toMatch(JWT);
    expect(responseText).not.toMatch(JWT);
    // Refused credentials are named, never shown: the operator is told what to fix.
    expect(failed.cloudcx.raw).toContain('CLOUDCX_API_KEY');
  });
  it('a hostile upstream echoing opaque tokens and the token request in its error text leaks nothing either, at every log level', async () => {
    const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    const formOf = (init: RequestInit) => (typeof init.body === 'string' ? init.body : '');
    /** Every API answer: a 400 whose text echoes the bare token it was sent, the header, the URL and the body. */
    const echoApi = (url: string, init: RequestInit) => {
      const auth = new Headers(init.headers).get('authorization') ?? '';
      const bare = auth.replace(/^\S+\s+/, '');
      return json(400, {
        code: 'E400',
        message: `Bad request: token ${bare} (header ${auth}) not valid for ${url} ${formOf(init)}`,
        error: `unknown token ${bare}`,
      });
    };
    const isTokenRequest = (init: RequestInit) => /(^|&)grant_type=/.test(formOf(init));
    // 1. Token endpoints issue opaque tokens (no JWT shape to recognise); every API call is refused with an echo.
    const opaque = await startRun({ ...sims.env, CXGRAPH_AUTH: 'router-secret' }, 0, (url, init) =>
      isTokenRequest(init)
        ? json(200, {
            access_token: `opq${randomBytes(20).toString('hex')}`,
            token_type: 'Bearer',
            expires_in: 3600,
            refresh_token: `opqr${randomBytes(20).toString('hex')}`,
          })
        : echoApi(url, init),
    );
    hostile.push(opaque);
    const refused = await exercise(opaque);
    for (const name of ['recordings', 'cloudcx', 'nvmUsers', 'agents', 'nvmCalls', 'agentCall'] as const) {
      expect(refused[name].body.errors?.[0]?.extensions?.code, `${name}: ${refused[name].raw}`).toMatch(/^PROVIDER_(ERROR|AUTH_FAILED)$/);
    }
    // 2. Token endpoints refuse, echoing the whole request — form decoded, Basic credentials decoded — in error_description.
    const echo = await startRun({ ...sims.env, CXGRAPH_AUTH: 'router-secret' }, 0, (url, init) => {
      if (!isTokenRequest(init)) return echoApi(url, init);
      const auth = new Headers(init.headers).get('authorization') ?? '';
      const basic = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString() : '';
      const form = formOf(init);
      return json(400, { error: 'invalid_request', error_description: `Could not parse ${decodeURIComponent(form.replace(/\+/g, ' '))} / ${form} / ${basic}` });
    });
    hostile.push(echo);
    const echoed = await exercise(echo);
    for (const name of ['recordings', 'cloudcx', 'nvmUsers', 'agents', 'agentCall'] as const) {
      expect(echoed[name].body.errors?.[0]?.extensions?.code, `${name}: ${echoed[name].raw}`).toBe('PROVIDER_AUTH_FAILED');
    }

    const upstream = [...opaque.traffic.values, ...echo.traffic.values];
    expect(upstream.filter((v) => v.startsWith('opq')).length).toBeGreaterThanOrEqual(8); // opaque access and refresh tokens
    const secrets = [...new Set([...configuredSecrets(sims.env), ROUTER_SECRET, ENCRYPTION_KEY, ...upstream])];
    const answers = [refused, echoed].flatMap((r) => Object.values(r).map((x) => x.raw)).join('\n');
    // The platforms' own words still reach the caller, scrubbed: the operator can tell what was refused.
    expect(answers).toContain('Bad request');
    expect(answers).toContain('Could not parse');
    expect(answers).toContain('lastError');
    const logLines = [...opaque.logs.lines, ...echo.logs.lines];
    // Captured at trace, so every level's lines are checked; the failures were logged at debug, info and warn.
    const levels = new Set(logLines.map((l) => (JSON.parse(l) as { level: number }).level));
    for (const level of [20, 30, 40]) expect(levels, `lines at level ${level}`).toContain(level);
    expect(leaks(logLines.join('\n'), secrets), 'secrets in logs').toEqual([]);
    expect(leaks(answers, secrets), 'secrets in responses').toEqual([]);
  });
});
