/**
 * The smallest Node service that makes the same upstream call as cxgraph's `recording`: node:http in front,
 * undici's request API (keep-alive pool) behind, one bearer fetched in advance. It is the floor of any Node
 * hop between a client and CallJourney — the second direct baseline of scenario 1, beside autocannon calling the
 * simulator itself. Started by bench/run.ts: `node --import tsx bench/direct-proxy.ts <port> <upstreamUrl>` with
 * the bearer in BENCH_BEARER; prints "ready" once listening.
 */
import { createServer } from 'node:http';
import { Agent, request } from 'undici';

const [portArg, upstream] = process.argv.slice(2);
const bearer = process.env['BENCH_BEARER'];
if (!portArg || !upstream || !bearer) throw new Error('usage: direct-proxy.ts <port> <upstreamUrl>, with BENCH_BEARER set');
const dispatcher = new Agent();
const upstreamHeaders = { accept: 'application/json', 'content-type': 'application/json', authorization: bearer };

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    request(upstream, { method: 'POST', headers: upstreamHeaders, body: Buffer.concat(chunks), dispatcher })
      .then(async (up) => {
        const text = await up.body.text();
        res.writeHead(up.statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      })
      .catch((e: unknown) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(e));
      });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(portArg), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void dispatcher.close().finally(() => process.exit(0));
});
