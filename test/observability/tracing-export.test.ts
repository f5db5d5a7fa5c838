/**
 * The real wiring, end to end: the entry point with OTEL_EXPORTER_OTLP_ENDPOINT set loads the SDK (it is
 * loaded only then), and the spans of a query reach an OTLP/HTTP collector — here a tiny one in the test —
 * at the latest when the process flushes on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { graphql } from '../support/harness.js';

describe('tracing from the entry point', () => {
  const received: { path: string; bytes: number; contentType: string }[] = [];
  const collector = createServer((req: IncomingMessage, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      received.push({ path: req.url ?? '', bytes, contentType: String(req.headers['content-type']) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  afterAll(() => new Promise<void>((r) => collector.close(() => r())));

  it('exports the spans of a query over OTLP/HTTP to the configured endpoint', async () => {
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', () => r()));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    // Port 0: the system picks a free one, which the start-up line names (a port picked here at random could be taken).
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', HOST: '127.0.0.1', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const deadline = Date.now() + 20_000;
      while (!output.includes('listening') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      expect(output).toContain(`tracing on: OpenTelemetry spans exported over OTLP/HTTP to ${endpoint}/v1/traces`);
      const url = /cxgraph listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(output)?.[1];
      expect(url, output).toBeDefined();
      const r = await graphql(
        url!,
        '{ recordings(keys: [{ company: "acme", organisation: "support", folder: "2024/05/01", filename: "call-0001.wav" }]) { exists } }',
      );
      expect(r.errors).toBeUndefined();
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(received.length).toBeGreaterThan(0);
      expect(received[0]!.path).toBe('/v1/traces');
      expect(received.reduce((n, x) => n + x.bytes, 0)).toBeGreaterThan(100);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 40_000);
});
