/**
 * Media links that work in a browser: `CallMedia.downloadUrl` is an absolute URL on CXGRAPH_PUBLIC_URL, signed for
 * its exact path and a few minutes, and plays with no header at all in every caller authentication mode. Anything
 * else under /media/ — unsigned, expired, altered, or moved to another path — is 403 before the platform hears of
 * it (counted at the simulators). Real HTTP against the NewVoiceMedia and PBX simulators.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { mediaKeyFromEncryptionKey } from '../../src/config/media-links-config.js';
import { createMediaLinks } from '../../src/security/media-links.js';
import { createCallJourneySimulator, createNvmSimulator, createPbxSimulator, type NvmSimulator, type PbxSimulator } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';
import { connectPbxUser, startWithPbx } from '../support/pbx.js';
import { startJwtIssuer } from './jwt-issuer.js';

const SECRET = 'router-secret-Zq7w1v9KpL3mN8xR';
const PUBLIC = 'https://cx.example.com';
const KEY = randomBytes(32);
const ROUTER = { 'x-router-secret': SECRET };
const NVM_CALLS =
  '{ calls(provider: NEWVOICEMEDIA, from: "2024-05-01T00:00:00Z", to: "2024-05-08T00:00:00Z", first: 3) { nodes { id media { key downloadUrl } } } }';
const PBX_CALLS = '{ calls(provider: PBX, from: "2024-05-01T00:00:00Z", to: "2024-05-02T00:00:00Z", first: 3) { nodes { id media { key downloadUrl } } } }';

type Media = { id: string; key: string; downloadUrl: string };
type Calls = { calls: { nodes: { id: string; media: { key: string; downloadUrl: string }[] }[] } };

let nvm: NvmSimulator;
let pbx: PbxSimulator;
let t: TestServer;
/** The same server as the router sees it: every GraphQL request carries the shared secret. */
let viaRouter: TestServer;

beforeAll(async () => {
  nvm = createNvmSimulator();
  pbx = createPbxSimulator();
  await Promise.all([nvm.start(), pbx.start()]);
  t = await startWithPbx(pbx, {
    ...nvm.env(),
    CXGRAPH_AUTH: 'router-secret',
    CXGRAPH_ROUTER_SECRET: SECRET,
    CXGRAPH_PUBLIC_URL: PUBLIC,
    CXGRAPH_MEDIA_SIGNING_KEY: KEY.toString('base64'),
  });
  viaRouter = { ...t, gql: (q, v, h) => t.gql(q, v, { ...ROUTER, ...h }) };
  await connectPbxUser(viaRouter, 'client1');
});
afterAll(async () => {
  await t?.close();
  await Promise.all([nvm?.stop(), pbx?.stop()]);
});

async function mediaOf(server: TestServer, query: string, headers: Record<string, string> = {}): Promise<Media[]> {
  const r = await server.gql<Calls>(query, undefined, headers);
  expect(r.errors).toBeUndefined();
  return r.data!.calls.nodes.flatMap((n) => n.media.map((m) => ({ id: n.id, ...m })));
}

/** The link as the browser would follow it, sent to this test's listener instead of CXGRAPH_PUBLIC_URL's host. */
const local = (link: string, server = t) => link.replace(PUBLIC, server.url);
const nvmRequests = () => Object.values(nvm.server.counts()).reduce((a, b) => a + b, 0);
const pbxRequests = () => Object.values(pbx.server.counts()).reduce((a, b) => a + b, 0);

async function expectRefused(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  expect(res.status, url).toBe(403);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = (await res.json()) as { errors: { message: string; extensions: unknown }[] };
  expect(body.errors[0]!.extensions).toEqual({ code: 'FORBIDDEN' });
  return body.errors[0]!.message;
}

describe('downloadUrl', () => {
  it('is absolute on CXGRAPH_PUBLIC_URL with an expiry and a signature, whatever Host the request named', async () => {
    // A raw request, so the Host header is exactly what a client chose.
    const body = await new Promise<string>((resolve, reject) => {
      const u = new URL(t.url);
      const req = request(
        { host: u.hostname, port: u.port, method: 'POST', path: '/', headers: { host: 'evil.example', 'content-type': 'application/json', ...ROUTER } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ query: NVM_CALLS }));
    });
    const links = (JSON.parse(body) as { data: Calls }).data.calls.nodes.flatMap((n) => n.media.map((m) => m.downloadUrl));
    links.push(...(await mediaOf(viaRouter, PBX_CALLS)).map((m) => m.downloadUrl));
    expect(links.length).toBeGreaterThan(3);
    for (const link of links) {
      expect(link).toMatch(/^https:\/\/cx\.example\.com\/media\/(nvm|pbx)\/[^?]+\?exp=\d+&sig=[\w-]{43}$/);
      const exp = Number(new URL(link).searchParams.get('exp'));
      expect(exp - Date.now() / 1000).toBeGreaterThan(295);
      expect(exp - Date.now() / 1000).toBeLessThanOrEqual(300);
      expect(link).not.toContain('evil');
    }
  });

  it('streams a NewVoiceMedia recording with no header at all, whole and by Range', async () => {
    const [m] = await mediaOf(viaRouter, NVM_CALLS);
    const bytes = nvm.contentBytes(m!.id, m!.key)!;
    const whole = await fetch(local(m!.downloadUrl));
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
    const part = await fetch(local(m!.downloadUrl), { headers: { range: 'bytes=100-1099' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-1099/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 1100))).toBe(true);
  });

  it('streams a PBX recording with no header at all', async () => {
    const [m] = await mediaOf(viaRouter, PBX_CALLS);
    const res = await fetch(local(m!.downloadUrl));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(pbx.recordBytes(m!.key));
  });
});

describe('a link that does not verify is 403 before any request to the platform', () => {
  let nvmLink: URL;
  let otherNvm: Media;
  let pbxLink: URL;
  beforeAll(async () => {
    const nvmMedia = await mediaOf(viaRouter, NVM_CALLS);
    nvmLink = new URL(local(nvmMedia[0]!.downloadUrl));
    otherNvm = nvmMedia.find((m) => m.id !== nvmMedia[0]!.id)!;
    pbxLink = new URL(local((await mediaOf(viaRouter, PBX_CALLS))[0]!.downloadUrl));
  });
  beforeEach(() => {
    nvm.server.resetCounts();
    pbx.server.resetCounts();
  });

  const variant = (link: URL, change: (u: URL) => void): string => {
    const u = new URL(link);
    change(u);
    return u.toString();
  };

  it('unsigned, dropped, changed, added or repeated parameters', async () => {
    for (const link of [nvmLink, pbxLink]) {
      const exp = link.searchParams.get('exp')!;
      const sig = link.searchParams.get('sig')!;
      const flipped = `${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`;
      const variants = [
        variant(link, (u) => (u.search = '')),
        variant(link, (u) => u.searchParams.delete('exp')),
        variant(link, (u) => u.searchParams.delete('sig')),
        variant(link, (u) => u.searchParams.set('exp', String(Number(exp) + 1))),
        variant(link, (u) => u.searchParams.set('exp', String(Number(exp) + 86_400 * 365))),
        variant(link, (u) => u.searchParams.set('exp', `0${exp}`)),
        variant(link, (u) => u.searchParams.set('sig', flipped)),
        variant(link, (u) => u.searchParams.set('sig', sig.slice(0, -1))),
        variant(link, (u) => u.searchParams.append('download', '1')),
        variant(link, (u) => u.searchParams.append('sig', sig)),
        variant(link, (u) => u.searchParams.append('exp', exp)),
      ];
      const messages = new Set<string>();
      for (const v of variants) messages.add(await expectRefused(v));
      expect([...messages].join('\n')).toMatch(/no signature[\s\S]*not a valid signed link[\s\S]*altered/);
    }
    expect(nvmRequests()).toBe(0);
    expect(pbxRequests()).toBe(0);
  });

  it('another path with this signature: another file, another provider, another case', async () => {
    const otherPath = `/media/nvm/${encodeURIComponent(otherNvm.id)}/${encodeURIComponent(otherNvm.key)}`;
    await expectRefused(`${t.url}${otherPath}${nvmLink.search}`);
    await expectRefused(`${t.url}${pbxLink.pathname}${nvmLink.search}`);
    await expectRefused(
      `${t.url}${nvmLink.pathname.replace(/\/media\/nvm\/([^/]+)/, (_, guid: string) => `/media/nvm/${guid.toUpperCase()}`)}${nvmLink.search}`,
    );
    await expectRefused(`${t.url}${nvmLink.pathname}/${nvmLink.search}`);
    expect(nvmRequests() + pbxRequests()).toBe(0);
  });

  it('expired, or signed with another key: and credentials do not stand in for a signature', async () => {
    const path = nvmLink.pathname;
    const past = createMediaLinks({ publicUrl: () => t.url, ttlSeconds: 300, keys: [KEY] }, () => Date.now() - 301_000).url(path);
    expect(await expectRefused(past)).toContain('expired');
    const foreign = createMediaLinks({ publicUrl: () => t.url, ttlSeconds: 300, keys: [randomBytes(32)] }).url(path);
    expect(await expectRefused(foreign)).toContain('altered');
    // The router's secret (or any credential) without a signature is still a refusal.
    await expectRefused(`${t.url}${path}`, ROUTER);
    expect(nvmRequests()).toBe(0);
    // The same path signed with the configured key now is accepted: the refusals above were about the link.
    expect((await fetch(createMediaLinks({ publicUrl: () => t.url, ttlSeconds: 300, keys: [KEY] }).url(path))).status).toBe(200);
  });

  it('logs why, never the signature', async () => {
    await expectRefused(variant(nvmLink, (u) => u.searchParams.set('exp', '1')));
    const refusals = t.logs.json().filter((l) => l.msg === 'media link refused');
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals.at(-1)).toMatchObject({ reason: 'bad signature', path: nvmLink.pathname });
    expect(t.logs.text).not.toContain(nvmLink.searchParams.get('sig')!);
  });
});

describe('lifetime, replicas and modes', () => {
  it('a link lives CXGRAPH_MEDIA_URL_TTL_SECONDS', async () => {
    const short = await startServer({ ...nvm.env(), CXGRAPH_MEDIA_URL_TTL_SECONDS: '1', CXGRAPH_MEDIA_SIGNING_KEY: KEY.toString('base64') });
    try {
      const [m] = await mediaOf(short, NVM_CALLS);
      expect((await fetch(m!.downloadUrl)).status).toBe(200);
      const exp = Number(new URL(m!.downloadUrl).searchParams.get('exp'));
      await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 50));
      nvm.server.resetCounts();
      expect(await expectRefused(m!.downloadUrl)).toContain('expired');
      expect(nvmRequests()).toBe(0);
    } finally {
      await short.close();
    }
  });

  it('every replica accepts every other replica’s links: a key from CXGRAPH_ENCRYPTION_KEYS (HKDF), rotation included', async () => {
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    const [a, b, rotated, other] = await Promise.all([
      startServer({ ...nvm.env(), CXGRAPH_ENCRYPTION_KEYS: oldKey }),
      startServer({ ...nvm.env(), CXGRAPH_ENCRYPTION_KEYS: oldKey }),
      startServer({ ...nvm.env(), CXGRAPH_ENCRYPTION_KEYS: `${newKey},${oldKey}` }),
      startServer({ ...nvm.env(), CXGRAPH_ENCRYPTION_KEYS: newKey }),
    ]);
    try {
      const [m] = await mediaOf(a, NVM_CALLS);
      const on = (s: TestServer) => m!.downloadUrl.replace(a.url, s.url);
      expect((await fetch(on(b))).status).toBe(200);
      expect((await fetch(on(rotated))).status).toBe(200);
      expect(await expectRefused(on(other))).toContain('altered');
      // The media key is derived, not the encryption key itself.
      expect(mediaKeyFromEncryptionKey(Buffer.from(oldKey, 'base64')).equals(Buffer.from(oldKey, 'base64'))).toBe(false);
      expect(a.logs.text).not.toContain('random key');
    } finally {
      await Promise.all([a.close(), b.close(), rotated.close(), other.close()]);
    }
  });

  it('plays with no header in jwt and none modes too; without CXGRAPH_PUBLIC_URL links point at the listen address', async () => {
    const idp = await startJwtIssuer();
    const [jwt, open] = await Promise.all([startServer({ ...nvm.env(), ...idp.env() }), startServer({ ...nvm.env() })]);
    try {
      const [viaJwt] = await mediaOf(jwt, NVM_CALLS, { authorization: `Bearer ${await idp.sign()}` });
      expect(viaJwt!.downloadUrl.startsWith(`${jwt.url}/media/nvm/`)).toBe(true);
      expect((await fetch(viaJwt!.downloadUrl)).status).toBe(200);
      const [viaNone] = await mediaOf(open, NVM_CALLS, { host: 'evil.example' });
      expect(viaNone!.downloadUrl.startsWith(`${open.url}/media/nvm/`)).toBe(true);
      expect((await fetch(viaNone!.downloadUrl)).status).toBe(200);
      await expectRefused(viaNone!.downloadUrl.split('?')[0]!);
      // No configured key outside production: a random one, said in the log.
      expect(open.logs.text).toContain('random key');
    } finally {
      await Promise.all([jwt.close(), open.close(), idp.close()]);
    }
  });
});

describe('configuration', () => {
  const cj = useSimulator(createCallJourneySimulator());

  const problems = (env: Record<string, string>): string => {
    try {
      loadConfig({ NODE_ENV: 'production', CXGRAPH_AUTH: 'none', ...env });
      return '';
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
  };

  it('production with a media-serving provider needs CXGRAPH_PUBLIC_URL and a configured key', () => {
    for (const env of [nvm.env(), pbx.env({ redirectUri: 'https://cx.example.com/oauth/pbx/callback' })]) {
      const message = problems(env);
      expect(message).toContain('CXGRAPH_PUBLIC_URL');
      expect(message).toContain('CXGRAPH_MEDIA_SIGNING_KEY');
      expect(problems({ ...env, CXGRAPH_PUBLIC_URL: PUBLIC, CXGRAPH_ENCRYPTION_KEYS: randomBytes(32).toString('base64') })).toBe('');
      expect(problems({ ...env, CXGRAPH_PUBLIC_URL: PUBLIC, CXGRAPH_MEDIA_SIGNING_KEY: KEY.toString('base64') })).toBe('');
    }
    // CallJourney alone gives out no media links.
    expect(problems(cj.env())).toBe('');
  });

  it('checks the key and the lifetime, never showing the key', () => {
    const short = randomBytes(16).toString('base64');
    const message = problems({ ...nvm.env(), CXGRAPH_PUBLIC_URL: PUBLIC, CXGRAPH_MEDIA_SIGNING_KEY: short, CXGRAPH_MEDIA_URL_TTL_SECONDS: '0' });
    expect(message).toContain('CXGRAPH_MEDIA_SIGNING_KEY: key #1 must be at least 32 bytes');
    expect(message).toContain('CXGRAPH_MEDIA_URL_TTL_SECONDS');
    expect(message).not.toContain(short);
    const c = loadConfig({ NODE_ENV: 'test', ...nvm.env() });
    expect(c.media).toMatchObject({ ttlSeconds: 300, keySource: 'random' });
    expect(c.media.publicUrl).toBeUndefined();
  });
});
