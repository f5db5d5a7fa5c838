/**
 * The command line as a user meets it: `--help` on every command prints its usage and exits 0, an unknown flag
 * prints what was wrong and the usage and exits 2 — no stack trace either way. And a port already in use at
 * start-up says which variable to change (PORT, or HOST) and exits non-zero, again without a stack trace.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** A line of a JavaScript stack trace. */
const STACK_LINE = /^\s+at .+[:(]/m;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end with only PATH and HOME from this environment (no provider, no Redis). */
function run(command: string, args: string[], extraEnv: Record<string, string> = {}, timeoutMs = 30_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', npm_config_update_notifier: 'false', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const tsx = (file: string, ...args: string[]) => run(process.execPath, ['--import', 'tsx', file, ...args]);

/** Each command with arguments, as `node --import tsx <file>` (what its npm script runs), and what its usage starts with. */
const COMMANDS = [
  { file: 'src/index.ts', usage: /^Usage: npm start/ },
  { file: 'scripts/supergraph.ts', usage: /^Usage: npm run supergraph/ },
  { file: 'scripts/schema-check.ts', usage: /^Usage: npm run schema:check/ },
  { file: 'bench/run.ts', usage: /^Usage: npm run bench/ },
  // A library, not a command: run by itself, it points at the command that uses it.
  { file: 'scripts/compose.ts', usage: /not a\s+command[\s\S]*npm run supergraph -- --help/ },
];

describe('--help and unknown flags', () => {
  it.each(COMMANDS)('$file --help prints its usage on stdout and exits 0', async ({ file, usage }) => {
    const r = await tsx(file, '--help');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(usage);
    expect(r.code).toBe(0);
  });

  it.each(COMMANDS)('$file with an unknown flag names it, prints the usage on stderr and exits 2', async ({ file, usage }) => {
    const r = await tsx(file, '--no-such-flag');
    expect(r.stderr).toMatch(/unknown option '?--no-such-flag/i);
    expect(r.stderr.split('\n').slice(2).join('\n')).toMatch(usage);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
  });

  it('says what is wrong with a flag value or a stray argument, and exits 2', async () => {
    const cases: [string, string[], RegExp][] = [
      ['src/index.ts', ['serve'], /unexpected argument serve/],
      ['scripts/supergraph.ts', ['--out'], /--out <value>' argument missing/],
      ['scripts/schema-check.ts', ['main'], /Unexpected argument 'main'/],
      ['bench/run.ts', ['--runtime=bun'], /--runtime=bun: expected compiled or tsx/],
      ['bench/run.ts', ['--only=11'], /--only=11: expected scenario numbers from 1 to 10/],
    ];
    for (const [file, args, problem] of cases) {
      const r = await tsx(file, ...args);
      expect(r.stderr, `${file} ${args.join(' ')}`).toMatch(problem);
      expect(r.stderr).toMatch(/Usage: /);
      expect(r.stderr).not.toMatch(STACK_LINE);
      expect(r.code, `${file} ${args.join(' ')}`).toBe(2);
    }
  });

  it.each([
    ['start', /^Usage: npm start/m],
    ['supergraph', /^Usage: npm run supergraph/m],
    ['schema:check', /^Usage: npm run schema:check/m],
    ['bench', /^Usage: npm run bench/m],
  ])('npm run %s -- --help goes through the npm script to the usage', async (script, usage) => {
    const r = await run('npm', ['run', '--silent', script, '--', '--help']);
    expect(r.stdout).toMatch(usage);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
  });

  describe('node dist/index.js (the compiled server the Docker image runs)', () => {
    let dir = '';
    beforeAll(() => {
      // src/ transpiled file by file with the build's compiler options (isolatedModules makes this what tsc emits,
      // minus the type-check, in a second instead of twenty), next to a package.json that makes it ESM.
      dir = mkdtempSync(join(tmpdir(), 'cxgraph-dist-'));
      const { config } = ts.readConfigFile(join(ROOT, 'tsconfig.build.json'), (f) => readFileSync(f, 'utf8'));
      const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
      const src = join(ROOT, 'src');
      for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) continue;
        const file = join(entry.parentPath, entry.name);
        const out = join(dir, 'dist', relative(src, file)).replace(/\.ts$/, '.js');
        // NodeNext emits ESM for this package ("type": "module"); a file transpiled alone cannot see that, ESNext says it.
        const compilerOptions = { ...options, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, sourceMap: false };
        const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions, fileName: file });
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, outputText);
      }
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    });
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('--help prints the usage and exits 0; an unknown flag exits 2 with the usage', async () => {
      const help = await run(process.execPath, [join(dir, 'dist', 'index.js'), '--help']);
      expect(help.stderr).toBe('');
      expect(help.stdout).toMatch(/^Usage: npm start/);
      expect(help.stdout).toMatch(/node dist\/index\.js/);
      expect(help.code).toBe(0);

      const unknown = await run(process.execPath, [join(dir, 'dist', 'index.js'), '--port=4001']);
      expect(unknown.stderr).toMatch(/^cxgraph: unknown option --port=4001\n/);
      expect(unknown.stderr).toMatch(/Usage: npm start/);
      expect(unknown.stderr).not.toMatch(STACK_LINE);
      expect(unknown.code).toBe(2);
    });
  });
});

describe('start-up on a port already in use', () => {
  let blocker: Server | undefined;
  afterAll(() => new Promise<void>((r) => (blocker ? blocker.close(() => r()) : r())));

  it('names PORT (and HOST) in one line and exits non-zero, without a stack trace', async () => {
    blocker = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      blocker!.once('error', reject);
      blocker!.listen(0, '127.0.0.1', () => resolve((blocker!.address() as { port: number }).port));
    });
    const r = await run(process.execPath, ['--import', 'tsx', 'src/index.ts'], { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull(); // exited by itself, not killed at the time limit
    const line = r.stderr.split('\n').find((l) => l.startsWith('cxgraph:'));
    expect(line).toBe(
      `cxgraph: cannot listen on 127.0.0.1:${port}: another process is already listening there. Set PORT to a free port (or HOST to another address), or stop the other process.`,
    );
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stderr).not.toMatch(/EADDRINUSE/);
    expect(r.stdout).not.toMatch(/listening on/);
  });
});
