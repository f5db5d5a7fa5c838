/**
 * `npm start` and `npm run dev` read a `.env` file when there is one (scripts/load-env-file.mjs, preloaded; src/app/config.ts
 * stays the only reader of process.env), and a variable set in the environment wins over the file. Without one they
 * say nothing about it (Node's --env-file-if-exists printed ".env not found. Continuing without it." on every start).
 *
 * Runs the real npm scripts in a temporary copy of the project (package.json copied, node_modules, src and schema
 * linked), so no `.env` is ever written into the repository.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe.each(['start', 'dev'])('npm run %s with a .env file', (script) => {
  let dir = '';
  let child: ChildProcess | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cxgraph-env-'));
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    for (const linked of ['node_modules', 'src', 'schema', 'scripts', 'tsconfig.json']) symlinkSync(join(ROOT, linked), join(dir, linked));
  });
  afterEach(async () => {
    // npm, its shell and node are one process group of their own (detached): stop all of it.
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      process.kill(-child.pid, 'SIGTERM');
      const timer = setTimeout(() => child?.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the npm script until cxgraph says where it listens; everything it printed so far. */
  async function startedOutput(env: NodeJS.ProcessEnv): Promise<string> {
    child = spawn('npm', ['run', script], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, npm_config_update_notifier: 'false', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 30_000;
    while (!/listening on/.test(output) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    return output;
  }

  it('listens where .env says, and the environment overrides the file', async () => {
    const port = await freePort();
    // LOG_LEVEL=silent in the file, info in the environment: the "listening" line shows which one won.
    writeFileSync(join(dir, '.env'), `# written by test/e2e/env-file.test.ts\nPORT=${port}\nHOST="127.0.0.1"\nLOG_LEVEL=silent\n`);
    const output = await startedOutput({ LOG_LEVEL: 'info' });
    expect(output).toMatch(new RegExp(`cxgraph listening on http://127\\.0\\.0\\.1:${port}/`));
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
  }, 45_000);

  it('without a .env starts saying nothing about one', async () => {
    rmSync(join(dir, '.env'), { force: true });
    const port = await freePort();
    const output = await startedOutput({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    expect(output).toMatch(new RegExp(`cxgraph listening on http://127\\.0\\.0\\.1:${port}/`));
    expect(output).not.toMatch(/\.env/);
  }, 45_000);
});
