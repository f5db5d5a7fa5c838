/** Captures every log line a server writes, so tests can assert on them (request ids, no secrets). */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/observability/logger.js';

export class LogCapture {
  readonly lines: string[] = [];
  readonly logger: Logger;
  constructor(level = 'debug') {
    const sink = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        for (const l of chunk.toString('utf8').split('\n')) if (l) this.lines.push(l);
        cb();
      },
    });
    this.logger = createLogger({ level, destination: sink });
  }
  get text(): string {
    return this.lines.join('\n');
  }
  json(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}
