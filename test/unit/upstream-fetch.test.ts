/**
 * The production upstream fetch (undici's request API, not its fetch) keeps the fetch behaviour callers rely on: the
 * time limit failing as "timed out" until the body has been read, and the Response members cxgraph reads. It never
 * follows a redirect (the upstream client does, to the same origin only: test/unit/redirects.test.ts). That a
 * streamed body is timed only until its headers is the client's doing (test/unit/upstream-client.test.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpstreamFetch } from '../../src/upstream/upstream-fetch.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('upstream fetch', () => {
  const up = createUpstreamFetch({ connectTimeoutMs: 1_000 });
  let a: { server: Server; url: string };
  let b: { server: Server; url: string };
  const seen: { path: string; authorization?: string }[] = [];

  beforeAll(async () => {
    b = await serve((req, res) => {
      seen.push({ path: `b${req.url}`, authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"where":"b"}');
    });
    a = await serve((req, res) => {
      seen.push({ path: `a${req.url}`, authorization: req.headers.authorization });
      if (req.url === '/same') return void res.writeHead(302, { location: '/json' }).end();
      if (req.url === '/other') return void res.writeHead(302, { location: `${b.url}/x` }).end();
      if (req.url === '/json') return void res.writeHead(200, { 'content-type': 'application/json', 'x-two': ['1', '2'] }).end('{"where":"a"}');
      if (req.url === '/hang') return; // never answers
      if (req.url === '/slow-body') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write('first');
        setTimeout(() => res.end('-last'), 300);
        return;
      }
      res.writeHead(404).end();
    });
  });
  afterAll(async () => {
    await up.close();
    for (const s of [a, b]) {
      s.server.closeAllConnections();
      await new Promise((r) => s.server.close(r));
    }
  });

  it('answers what callers read of a Response', async () => {
    const res = await up.fetch(`${a.url}/json`, { method: 'GET' });
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.headers.get('Content-Type')).toBe('application/json');
    expect(res.headers.get('x-two')).toBe('1, 2');
    expect(res.headers.get('missing')).toBeNull();
    expect(await res.json()).toEqual({ where: 'a' });
    const missing = await up.fetch(`${a.url}/nope`, { method: 'GET' });
    expect([missing.status, missing.ok, await missing.text()]).toEqual([404, false, '']);
  });

  it('never follows a redirect itself, whatever init.redirect says: the 3xx is the answer (the client follows, redirects.ts)', async () => {
    seen.length = 0;
    for (const redirect of ['follow', undefined] as const) {
      const same = await up.fetch(`${a.url}/same`, { method: 'GET', headers: { authorization: 'Bearer t' }, redirect });
      expect([same.status, same.headers.get('location')]).toEqual([302, '/json']);
      await same.text();
      const other = await up.fetch(`${a.url}/other`, { method: 'GET', headers: { authorization: 'Bearer t' }, redirect });
      expect(other.status).toBe(302);
      await other.text();
    }
    expect(seen.map((s) => s.path)).toEqual(['a/same', 'a/other', 'a/same', 'a/other']);
  });

  it('fails with a TimeoutError at the limit, as fetch does when its signal times out', async () => {
    const started = performance.now();
    const err = await up.fetch(`${a.url}/hang`, { method: 'GET', signal: AbortSignal.timeout(150) }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('TimeoutError');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('limits the time to the end of the body; a body whose signal never fires is read to the end', async () => {
    const timed = await up.fetch(`${a.url}/slow-body`, { method: 'GET', signal: AbortSignal.timeout(100) });
    expect(((await timed.text().catch((e: unknown) => e)) as Error).name).toBe('TimeoutError');
    const streamed = await up.fetch(`${a.url}/slow-body`, { method: 'GET', signal: new AbortController().signal });
    const chunks: string[] = [];
    for await (const c of streamed.body as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c).toString());
    expect(chunks.join('')).toBe('first-last');
  });

  it("does not follow a redirect when the request says redirect: 'manual' (token requests)", async () => {
    seen.length = 0;
    const res = await up.fetch(`${a.url}/other`, { method: 'POST', redirect: 'manual', body: 'grant_type=client_credentials' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${b.url}/x`);
    await res.text();
    expect(seen).toEqual([{ path: 'a/other', authorization: undefined }]);
  });
});
