/**
 * The platform's front door for the fleet scenarios (8 and 9): a small HTTP server in the simulator process, in
 * front of one simulator's API, that does what a rate-limited SaaS does and what the benchmark needs to see:
 *
 * - records when every request arrived and what it was answered (the platform's own count of calls per second);
 * - optionally enforces the platform's limit, a sliding window of N requests per second: a request over it is
 *   answered 429 with `Retry-After: 1` and not passed on (what "0 responses 429 from the platform" is counted on);
 * - answers the next request 429 with a given Retry-After, once (scenario 9).
 *
 * Everything else is passed on to the simulator as it came, over a keep-alive pool. Control:
 * `POST /__front/config {"limitPerSecond": n | null, "inject429": {"retryAfterSec": s}}`, `GET /__front/arrivals`
 * (`{"arrivals": [[ms since reset, status], …]}`), `POST /__front/reset`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

export interface PlatformFront {
  url: string;
  close(): Promise<void>;
}

export async function startPlatformFront(target: string): Promise<PlatformFront> {
  const pool = new Pool(target, { connections: 256 });
  let origin = performance.now();
  let arrivals: [number, number][] = [];
  let limit: number | null = null;
  /** Arrival times of the requests admitted within the last second (the window's own count). */
  let admitted: number[] = [];
  let inject: number | null = null;

  const control = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const reply = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/__front/arrivals') return reply(200, { arrivals });
    if (req.method === 'POST' && path === '/__front/reset') {
      origin = performance.now();
      arrivals = [];
      admitted = [];
      inject = null;
      return reply(200, { ok: true });
    }
    if (req.method === 'POST' && path === '/__front/config') {
      const c = JSON.parse(body || '{}') as { limitPerSecond?: number | null; inject429?: { retryAfterSec: number } };
      if ('limitPerSecond' in c) limit = c.limitPerSecond ?? null;
      if (c.inject429) inject = c.inject429.retryAfterSec;
      return reply(200, { limitPerSecond: limit, inject429: inject });
    }
    reply(404, { message: 'no such control' });
  };

  const server = createServer((req, res) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if ((req.url ?? '').startsWith('/__front/')) return control(req, res, body.toString('utf8'));
      const record = (status: number) => arrivals.push([Math.round((at - origin) * 100) / 100, status]);
      const refuse = (retryAfter: number) => {
        record(429);
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(retryAfter) });
        res.end(JSON.stringify({ message: 'Too Many Requests' }));
      };
      if (inject !== null) {
        const s = inject;
        inject = null;
        return refuse(s);
      }
      if (limit !== null) {
        while (admitted.length && admitted[0]! <= at - 1000) admitted.shift();
        if (admitted.length >= limit) return refuse(1);
        admitted.push(at);
      }
      const headers = { ...req.headers };
      delete headers.host;
      delete headers.connection;
      pool
        .request({ method: (req.method ?? 'GET') as 'GET', path: req.url ?? '/', headers, body: body.length ? body : undefined })
        .then(async (up) => {
          const text = await up.body.text();
          record(up.statusCode);
          res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'application/json') });
          res.end(text);
        })
        .catch((e: unknown) => {
          record(502);
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(String(e));
        });
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await pool.close();
    },
  };
}
