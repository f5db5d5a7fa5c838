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
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A temporary copy of the project (package.json copied, the rest linked), with `.env` holding `envFile` if given. */
function project(envFile?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cxgraph-env-'));
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  for (const linked of ['node_modules', 'src', 'schema', 'scripts', 'tsconfig.json']) symlinkSync(join(ROOT, linked), join(dir, linked));
  if (envFile !== undefined) writeFileSync(join(dir, '.env'), envFile);
  return dir;
}

/** Stops npm, its shell and node: one process group of their own (detached). */
async function stop(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(-child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Runs `npm run <script>` in `dir` until cxgraph says where it listens, then `check` with everything it printed so
 * far (while it still runs), then stops it.
 */
async function whileStarted(script: string, dir: string, env: NodeJS.ProcessEnv, check: (output: string) => Promise<void>): Promise<void> {
  const child = spawn('npm', ['run', script], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, npm_config_update_notifier: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  try {
    const deadline = Date.now() + 60_000;
    while (!/listening on/.test(output) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    await check(output);
  } finally {
    await stop(child);
  }
}

// Four servers started through npm, side by side, each in a project copy of its own (each test given the time of a
// few of them on a loaded machine).
describe.concurrent.each(['start', 'dev'])('npm run %s with a .env file', { timeout: 90_000 }, (script) => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('listens where .env says, and the environment overrides the file', async () => {
    const port = await freePort();
    // LOG_LEVEL=silent in the file, info in the environment: the "listening" line shows which one won.
    const dir = project(`# written by test/e2e/env-file.test.ts\nPORT=${port}\nHOST="127.0.0.1"\nLOG_LEVEL=silent\n`);
    dirs.push(dir);
    await whileStarted(script, dir, { LOG_LEVEL: 'info' }, async (output) => {
      expect(output).toMatch(new RegExp(`cxgraph listening on http://127\\.0\\.0\\.1:${port}/`));
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
    });
  });

  it('without a .env starts saying nothing about one', async () => {
    const port = await freePort();
    const dir = project();
    dirs.push(dir);
    await whileStarted(script, dir, { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' }, async (output) => {
      expect(output).toMatch(new RegExp(`cxgraph listening on http://127\\.0\\.0\\.1:${port}/`));
      expect(output).not.toMatch(/\.env/);
    });
  });
});
