/**
 * Issue 11 item 7, at the process level: a platform answering 8 recording checks with a 200 MB body each (chunked,
 * no length declared) used to take the process to gigabytes of RSS, kept afterwards. With the size cap
 * (CXGRAPH_MAX_RESPONSE_BYTES, 4 MiB by default) enforced while reading, each check fails with PROVIDER_ERROR after
 * at most a few MiB, the connection is dropped (the platform gets to send little of its 200 MB), and RSS stays small.
 * The per-request behaviour itself is in test/unit/upstream-client.test.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { createCallJourneySimulator, SAMPLE_RECORDINGS } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';

const ANSWER_BYTES = 200 * 1024 * 1024;
const CHUNK = Buffer.alloc(256 * 1024, 'x');

describe('a 200 MB answer to each of 8 recording checks', () => {
  const sim = useSimulator(createCallJourneySimulator());
  let huge: Server;
  let cx: TestServer;
  const sent: number[] = [];

  beforeAll(async () => {
    // The search API, turned hostile: a JSON answer that would go on for 200 MB.
    huge = createServer((req, res) => {
      req.resume();
      let bytes = 0;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"callId":"');
      const push = () => {
        while (bytes < ANSWER_BYTES && !res.destroyed) {
          bytes += CHUNK.length;
          if (!res.write(CHUNK)) return void res.once('drain', push);
        }
        if (!res.destroyed) res.end('"}');
      };
      res.on('close', () => sent.push(bytes));
      push();
    });
    await new Promise<void>((r) => huge.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(huge.address() as AddressInfo).port}`;
    cx = await startServer({ ...sim.env(), CALLJOURNEY_BASE_URL: base, CXGRAPH_UPSTREAM_TIMEOUT_MS: '20000' });
  });
  afterAll(async () => {
    await cx?.close();
    huge?.closeAllConnections();
    await new Promise((r) => huge?.close(r));
  });

  it('fails each with PROVIDER_ERROR, drops the connections, and leaves RSS growth small', async () => {
    const keys = Array.from({ length: 8 }, (_, i) => ({ ...SAMPLE_RECORDINGS[0]!, filename: `big-${i}.wav` })).map((r) => ({
      company: r.company,
      organisation: r.organisation,
      folder: r.folder,
      filename: r.filename,
    }));
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const r = await cx.gql<{ recordings: unknown[] }>('query ($k: [RecordingKey!]!) { recordings(keys: $k) { filename exists } }', { k: keys });
    clearInterval(sampler);
    expect(r.errors).toHaveLength(8);
    for (const e of r.errors!) {
      expect(e.extensions?.code).toBe('PROVIDER_ERROR');
      expect(e.message).toContain('longer than');
    }
    await new Promise((res) => setTimeout(res, 200));
    expect(sent).toHaveLength(8);
    // Each answer was cut after a few MiB, far from its 200 MB.
    for (const bytes of sent) expect(bytes).toBeLessThan(32 * 1024 * 1024);
    // 8 × 200 MB read into memory would be 1.6 GB; the cap keeps it to a few times 8 × 4 MiB.
    expect(peak - before).toBeLessThan(200 * 1024 * 1024);
  });
});
