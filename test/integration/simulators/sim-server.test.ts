import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SimServer, SimJsonError } from '../../../src/simulators/index.js';

/** A SimServer with a few routes that expose what the handler saw. */
function createEchoServer(): SimServer {
  const sim = new SimServer('echo');
  sim.route('GET', '/hello', 'hello', () => ({ status: 200, json: { hello: 'world' } }));
  sim.route('POST', '/items/:group/:id', 'item', (req) => {
    let json: unknown;
    let jsonError: string | null = null;
    try {
      json = req.json();
    } catch (err) {
      jsonError = err instanceof SimJsonError ? 'SimJsonError' : 'other';
    }
    return {
      status: 201,
      headers: { 'X-Handler': 'item' },
      json: {
        method: req.method,
        path: req.path,
        params: req.params,
        query: Object.fromEntries(req.query),
        rawBody: req.rawBody,
        form: Object.fromEntries(req.form()),
        json: json ?? null,
        jsonError,
        contentType: req.headers['content-type'] ?? null,
      },
    };
  });
  sim.route('POST', '/oauth/token', 'token', () => ({ status: 400, json: { error: 'invalid_client' } }));
  sim.route('GET', /^\/files\/(?<name>[^/]+)\.txt$/, 'file', (req) => ({ status: 200, text: `file ${req.params['name']}` }));
  sim.route('GET', '/boom', 'boom', () => {
    throw new Error('handler bug');
  });
  sim.route('GET', '/async-boom', 'asyncBoom', async () => {
    await Promise.resolve();
    throw new Error('async handler bug');
  });
  return sim;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

describe('SimServer', () => {
  const sim = createEchoServer();
  let url: string;

  beforeAll(async () => {
    url = await sim.start();
  });
  afterAll(async () => {
    await sim.stop();
  });
  afterEach(() => {
    sim.clearFaults();
    sim.resetCounts();
    sim.latencyMs = 0;
    sim.setLatency('hello', 0);
  });

  describe('lifecycle', () => {
    it('listens on 127.0.0.1 with a random port and reports its url without a trailing slash', () => {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(sim.url).toBe(url);
      expect(sim.started).toBe(true);
    });

    it('refuses a second start and throws on url before start', async () => {
      await expect(sim.start()).rejects.toThrow(/already started/);
      expect(() => new SimServer('idle').url).toThrow(/not started/);
    });

    it('can be stopped and started again; stop() does not wait for keep-alive sockets', async () => {
      const other = createEchoServer();
      const first = await other.start();
      // The keep-alive socket from this request would make a plain close() wait ~5 s.
      expect((await fetch(`${first}/hello`)).status).toBe(200);
      const { ms } = await timed(() => other.stop());
      expect(ms).toBeLessThan(1000);
      expect(other.started).toBe(false);
      await expect(fetch(`${first}/hello`)).rejects.toThrow();
      const second = await other.start({ host: '127.0.0.1' });
      expect((await fetch(`${second}/hello`)).status).toBe(200);
      await other.stop();
      await other.stop(); // stopping twice is harmless
    });
  });

  describe('routing', () => {
    it('captures :param segments, query, raw body, form and JSON', async () => {
      const res = await fetch(`${url}/items/a%20b/42?x=1&y=two`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ k: 'v' }),
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('x-handler')).toBe('item');
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('connection')).toBe('keep-alive');
      expect(await res.json()).toEqual({
        method: 'POST',
        path: '/items/a%20b/42',
        params: { group: 'a b', id: '42' },
        query: { x: '1', y: 'two' },
        rawBody: '{"k":"v"}',
        form: { '{"k":"v"}': '' },
        json: { k: 'v' },
        jsonError: null,
        contentType: 'application/json',
      });
    });

    it('parses form bodies and throws SimJsonError from json() on non-JSON', async () => {
      const res = await fetch(`${url}/items/g/1`, {
        method: 'POST',
        body: new URLSearchParams({ a: '1', b: 'x y' }),
      });
      const body = (await res.json()) as { form: Record<string, string>; jsonError: string | null };
      expect(body.form).toEqual({ a: '1', b: 'x y' });
      expect(body.jsonError).toBe('SimJsonError');
    });

    it('takes named groups of RegExp routes as params and answers text', async () => {
      const res = await fetch(`${url}/files/report.txt`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await res.text()).toBe('file report');
    });

    it('answers 404 {"message":"Not Found"} to unknown paths and wrong methods, counted as <unmatched>', async () => {
      const unknown = await fetch(`${url}/nope`);
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toEqual({ message: 'Not Found' });
      const wrongMethod = await fetch(`${url}/hello`, { method: 'POST' });
      expect(wrongMethod.status).toBe(404);
      await wrongMethod.body?.cancel();
      // A string route matches the whole path, not a prefix.
      const longer = await fetch(`${url}/hello/extra`);
      expect(longer.status).toBe(404);
      await longer.body?.cancel();
      expect(sim.count('<unmatched>')).toBe(3);
      expect(sim.count('hello')).toBe(0);
    });

    it('answers 500 when a handler throws, and keeps serving', async () => {
      for (const path of ['/boom', '/async-boom']) {
        const res = await fetch(`${url}${path}`);
        expect(res.status).toBe(500);
        expect(await res.json()).toEqual({ message: 'Internal simulator error' });
      }
      expect(sim.lastError).toBeInstanceOf(Error);
      expect((await fetch(`${url}/hello`)).status).toBe(200);
      expect(sim.counts()).toEqual({ boom: 1, asyncBoom: 1, hello: 1 });
    });

    it('refuses a route named <unmatched>', () => {
      expect(() => new SimServer('x').route('GET', '/', '<unmatched>', () => ({ status: 200 }))).toThrow(TypeError);
    });
  });

  describe('counters', () => {
    it('counts requests per route name and resets', async () => {
      await (await fetch(`${url}/hello`)).text();
      await (await fetch(`${url}/hello`)).text();
      await (await fetch(`${url}/files/a.txt`)).text();
      expect(sim.count('hello')).toBe(2);
      expect(sim.count('file')).toBe(1);
      expect(sim.count('item')).toBe(0);
      expect(sim.counts()).toEqual({ hello: 2, file: 1 });
      sim.resetCounts();
      expect(sim.counts()).toEqual({});
    });

    it('counts token requests by client and scope, whatever the answer, and shows them in /__sim/stats', async () => {
      const token = (headers: Record<string, string>, form: Record<string, string>) =>
        fetch(`${url}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body: new URLSearchParams(form),
        }).then((r) => r.text());
      const basic = (id: string) => ({ authorization: `Basic ${Buffer.from(`${id}:secret`).toString('base64')}` });
      await token(basic('acme-1'), { grant_type: 'client_credentials', scope: 'users:read' });
      await token(basic('acme-1'), { grant_type: 'client_credentials', scope: 'users:read' });
      await token({}, { grant_type: 'client_credentials', client_id: 'acme-2', scope: 'a b' });
      await token({}, { grant_type: 'password', client_id: 'acme-3' });
      expect(sim.tokenRequestsByClient()).toEqual({ 'acme-1 users:read': 2, 'acme-2 a b': 1, 'acme-3': 1 });
      const stats = (await (await fetch(`${url}/__sim/stats`)).json()) as { tokenRequestsByClient?: Record<string, number> };
      expect(stats.tokenRequestsByClient).toEqual({ 'acme-1 users:read': 2, 'acme-2 a b': 1, 'acme-3': 1 });
      sim.resetCounts();
      expect(sim.tokenRequestsByClient()).toEqual({});
    });
  });

  describe('latency', () => {
    it('delays every request by latencyMs', async () => {
      sim.latencyMs = 150;
      const { ms, value } = await timed(() => fetch(`${url}/hello`));
      expect(value.status).toBe(200);
      await value.text();
      expect(ms).toBeGreaterThanOrEqual(140);
    });

    it('adds per-route latency to the named route only', async () => {
      sim.setLatency('hello', 200);
      const slow = await timed(async () => (await fetch(`${url}/hello`)).text());
      const fast = await timed(async () => (await fetch(`${url}/files/a.txt`)).text());
      expect(slow.ms).toBeGreaterThanOrEqual(190);
      expect(fast.ms).toBeLessThan(150);
    });

    it('never delays the control API', async () => {
      sim.latencyMs = 500;
      const { ms } = await timed(async () => (await fetch(`${url}/__sim/stats`)).json());
      expect(ms).toBeLessThan(300);
    });
  });

  describe('faults', () => {
    it('status: answers the status with the default body, counted like any request', async () => {
      sim.inject({ kind: 'status', status: 503 });
      const res = await fetch(`${url}/hello`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBeNull();
      expect(await res.json()).toEqual({ message: 'Injected fault' });
      expect(sim.count('hello')).toBe(1);
      // Consumed: the next request is served normally.
      expect((await fetch(`${url}/hello`)).status).toBe(200);
    });

    it('status: sends Retry-After and a custom body, `times` times', async () => {
      sim.inject({ kind: 'status', status: 429, retryAfterSec: 7, body: { message: 'Too many' }, times: 2 });
      for (let i = 0; i < 2; i += 1) {
        const res = await fetch(`${url}/hello`);
        expect(res.status).toBe(429);
        expect(res.headers.get('retry-after')).toBe('7');
        expect(await res.json()).toEqual({ message: 'Too many' });
      }
      expect((await fetch(`${url}/hello`)).status).toBe(200);
      expect(sim.pendingFaults()).toBe(0);
    });

    it('applies a route-scoped fault only to that route, in FIFO order among matching faults', async () => {
      sim.inject({ kind: 'status', status: 502, route: 'file' });
      sim.inject({ kind: 'status', status: 500, route: 'hello' });
      sim.inject({ kind: 'status', status: 504 });
      const hello1 = await fetch(`${url}/hello`);
      expect(hello1.status).toBe(500);
      await hello1.text();
      const hello2 = await fetch(`${url}/hello`);
      expect(hello2.status).toBe(504);
      await hello2.text();
      const file = await fetch(`${url}/files/a.txt`);
      expect(file.status).toBe(502);
      await file.text();
      expect((await fetch(`${url}/files/a.txt`)).status).toBe(200);
    });

    it('does not fault unmatched requests', async () => {
      sim.inject({ kind: 'status', status: 500 });
      const res = await fetch(`${url}/nope`);
      expect(res.status).toBe(404);
      await res.text();
      expect(sim.pendingFaults()).toBe(1);
    });

    it('reset: drops the connection without a response', async () => {
      sim.inject({ kind: 'reset', route: 'item' });
      await expect(fetch(`${url}/items/a/1`, { method: 'POST', body: '{}' })).rejects.toThrow(TypeError);
      expect(sim.count('item')).toBe(1);
      expect((await fetch(`${url}/items/a/1`, { method: 'POST', body: '{}' })).status).toBe(201);
    });

    it('malformed: answers 200 application/json with a truncated body', async () => {
      sim.inject({ kind: 'malformed' });
      const res = await fetch(`${url}/hello`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      const text = await res.text();
      expect(text.length).toBeGreaterThan(0);
      expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
      expect('{"message":"Injected fault"}'.startsWith(text)).toBe(true);
    });

    it('malformed: truncates a given body', async () => {
      sim.inject({ kind: 'malformed', body: { exists: true, callId: 'abcdef' } });
      const text = await (await fetch(`${url}/hello`)).text();
      expect('{"exists":true,"callId":"abcdef"}'.startsWith(text)).toBe(true);
      expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
    });

    it('hang: never answers, while other requests are still served', async () => {
      sim.inject({ kind: 'hang', route: 'hello' });
      const hung = fetch(`${url}/hello`, { signal: AbortSignal.timeout(300) });
      expect((await fetch(`${url}/files/a.txt`)).status).toBe(200);
      await expect(hung).rejects.toThrow(/aborted|timeout/i);
      expect(sim.count('hello')).toBe(1);
    });

    it('hang: stop() ends a hung request promptly', async () => {
      const other = createEchoServer();
      const otherUrl = await other.start();
      other.inject({ kind: 'hang' });
      const hung = fetch(`${otherUrl}/hello`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const { ms } = await timed(() => other.stop());
      expect(ms).toBeLessThan(1000);
      await expect(hung).rejects.toThrow(TypeError);
    });

    it('clearFaults() drops pending faults', async () => {
      sim.inject({ kind: 'status', status: 500, times: 3 });
      expect(sim.pendingFaults()).toBe(3);
      sim.clearFaults();
      expect((await fetch(`${url}/hello`)).status).toBe(200);
    });

    it('rejects invalid fault specs', () => {
      expect(() => sim.inject({ kind: 'status' })).toThrow(/status between/);
      expect(() => sim.inject({ kind: 'reset', times: 0 })).toThrow(/times/);
      expect(() => sim.inject({ kind: 'explode' } as unknown as { kind: 'reset' })).toThrow(/kind/);
    });
  });

  describe('control API', () => {
    async function post(path: string, body: unknown): Promise<Response> {
      return fetch(`${url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    }

    it('GET /__sim/stats reports name and counts, and is never counted', async () => {
      await (await fetch(`${url}/hello`)).text();
      const res = await fetch(`${url}/__sim/stats`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ name: 'echo', counts: { hello: 1 }, pendingFaults: 0 });
      await (await fetch(`${url}/__sim/stats`)).text();
      expect(sim.counts()).toEqual({ hello: 1 });
    });

    it('POST /__sim/faults injects one fault or a list, and is never faulted itself', async () => {
      const res = await post('/__sim/faults', { kind: 'status', status: 503, retryAfterSec: 2 });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ pendingFaults: 1 });
      await (await post('/__sim/faults', [{ kind: 'status', status: 500, route: 'file' }])).text();
      // The pending any-route fault does not hit the control API.
      expect((await fetch(`${url}/__sim/stats`)).status).toBe(200);
      const faulted = await fetch(`${url}/hello`);
      expect(faulted.status).toBe(503);
      expect(faulted.headers.get('retry-after')).toBe('2');
      await faulted.text();
      expect((await fetch(`${url}/files/x.txt`)).status).toBe(500);
    });

    it('POST /__sim/faults refuses invalid specs with 400 and injects nothing', async () => {
      for (const body of [{ kind: 'nope' }, { kind: 'status' }, [{ kind: 'reset' }, { kind: 'hang', times: -1 }]]) {
        const res = await post('/__sim/faults', body);
        expect(res.status).toBe(400);
        expect(await res.json()).toHaveProperty('message');
      }
      const notJson = await fetch(`${url}/__sim/faults`, { method: 'POST', body: '{' });
      expect(notJson.status).toBe(400);
      await notJson.text();
      expect(sim.pendingFaults()).toBe(0);
    });

    it('POST /__sim/config sets latency and per-route latency', async () => {
      const res = await post('/__sim/config', { latencyMs: 0, routeLatency: { hello: 150 } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ latencyMs: 0, routeLatency: { hello: 150 } });
      const { ms } = await timed(async () => (await fetch(`${url}/hello`)).text());
      expect(ms).toBeGreaterThanOrEqual(140);
      await (await post('/__sim/config', { latencyMs: 120, routeLatency: { hello: 0 } })).text();
      expect(sim.latencyMs).toBe(120);
      const again = await timed(async () => (await fetch(`${url}/files/a.txt`)).text());
      expect(again.ms).toBeGreaterThanOrEqual(110);
    });

    it('POST /__sim/config refuses unknown keys and bad values without applying anything', async () => {
      for (const body of [{ latencyMs: -1 }, { latencyMs: 'slow' }, { routeLatency: { hello: -5 } }, { tokenLifetimeSec: 10 }, [1]]) {
        const res = await post('/__sim/config', body);
        expect(res.status).toBe(400);
        await res.text();
      }
      expect(sim.latencyMs).toBe(0);
    });

    it('POST /__sim/config hands claimed keys to config hooks', async () => {
      const other = createEchoServer();
      let lifetime = 3599;
      other.onConfig({
        keys: ['tokenLifetimeSec'],
        apply: (values) => {
          lifetime = values['tokenLifetimeSec'] as number;
        },
        snapshot: () => ({ tokenLifetimeSec: lifetime }),
      });
      const otherUrl = await other.start();
      try {
        const res = await fetch(`${otherUrl}/__sim/config`, { method: 'POST', body: JSON.stringify({ tokenLifetimeSec: 10 }) });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ latencyMs: 0, routeLatency: {}, tokenLifetimeSec: 10 });
        expect(lifetime).toBe(10);
      } finally {
        await other.stop();
      }
    });

    it('POST /__sim/revoke calls the revoke hooks, or answers 501 when there are none', async () => {
      const none = await fetch(`${url}/__sim/revoke`, { method: 'POST' });
      expect(none.status).toBe(501);
      await none.text();

      const other = createEchoServer();
      let revoked = 0;
      other.onRevoke(() => {
        revoked += 1;
      });
      const otherUrl = await other.start();
      try {
        const res = await fetch(`${otherUrl}/__sim/revoke`, { method: 'POST' });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ revoked: true });
        expect(revoked).toBe(1);
      } finally {
        await other.stop();
      }
    });

    it('POST /__sim/reset clears faults and counts', async () => {
      sim.inject({ kind: 'status', status: 500, times: 5 });
      await (await fetch(`${url}/nope`)).text();
      const res = await fetch(`${url}/__sim/reset`, { method: 'POST' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ name: 'echo', counts: {}, pendingFaults: 0 });
      expect((await fetch(`${url}/hello`)).status).toBe(200);
    });

    it('answers 405 to a wrong method and 404 to an unknown control path, uncounted', async () => {
      const wrong = await fetch(`${url}/__sim/stats`, { method: 'POST' });
      expect(wrong.status).toBe(405);
      expect(wrong.headers.get('allow')).toBe('GET');
      await wrong.text();
      const unknown = await fetch(`${url}/__sim/nothing`);
      expect(unknown.status).toBe(404);
      await unknown.text();
      expect(sim.counts()).toEqual({});
    });
  });
});
