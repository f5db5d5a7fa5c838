/**
 * The command line as a user meets it: `--help` on every command prints its usage and exits 0, an unknown flag
 * prints what was wrong and the usage and exits 2 — no stack trace either way. And a port already in use at
 * start-up says which variable to change (PORT, or HOST) and exits non-zero, again without a stack trace.
 *
 * Every process here spends most of its time loading its modules through tsx, so each command is started as few
 * times as shows its wiring, the processes side by side: `--help` once through its npm script (what users type:
 * the usage, first on stdout, nothing on stderr, exit 0). What the two parsers behind every command do with each
 * kind of mistake (scripts/cli.ts, src/command-line.ts: the problem, a blank line and the usage on stderr, exit 2)
 * is checked in this process; as processes, only the mistakes a command checks itself (bench's values) and the
 * library that is not a command. (test/federation runs the supergraph and schema:check commands with their options.)
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseCommandLine, usageError } from '../../scripts/cli.js';
import { readNoArgumentCommandLine } from '../../src/command-line.js';
import { runToExit, type Ran } from '../support/run-to-exit.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** A line of a JavaScript stack trace. */
const STACK_LINE = /^\s+at .+[:(]/m;

/** Runs a command to its end with only PATH and HOME from this environment (no provider, no Redis). */
const run = runToExit;
const tsx = (file: string, ...args: string[]) => run(process.execPath, ['--import', 'tsx', file, ...args]);

/** What a parser printed and the status it exited with (undefined: it returned `returned` instead). */
interface Parsed extends Omit<Ran, 'code'> {
  code: number | undefined;
  returned?: unknown;
}

class Exited extends Error {
  constructor(readonly code: number | undefined) {
    super(`process.exit(${code})`);
  }
}

/** Runs a parser in this process, its output and its process.exit caught. */
function parse(parser: () => unknown): Parsed {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  const exit = vi.spyOn(process, 'exit').mockImplementation((code) => {
    throw new Exited(code === undefined || code === null ? undefined : Number(code));
  });
  try {
    const returned = parser();
    return { code: undefined, stdout, stderr, returned };
  } catch (e) {
    if (e instanceof Exited) return { code: e.code, stdout, stderr };
    throw e;
  } finally {
    out.mockRestore();
    err.mockRestore();
    exit.mockRestore();
  }
}

/** A mistake as every command reports it: the problem, a blank line, the usage, all on stderr; exit 2. */
function expectMistake(r: Parsed | Ran, problem: RegExp, usage: RegExp, what = ''): void {
  const [first, blank, ...rest] = r.stderr.split('\n');
  expect(first, what).toMatch(problem);
  expect(blank, what).toBe('');
  expect(rest.join('\n'), what).toMatch(usage);
  expect(r.stderr, what).not.toMatch(STACK_LINE);
  expect(r.stdout, what).toBe('');
  expect(r.code, what).toBe(2);
}

describe('the parsers behind every command', () => {
  const USAGE = 'Usage: npm run example -- [--out <file>]\n\n  --out <file>  where\n';
  const options = { out: { type: 'string' }, base: { type: 'string', default: 'HEAD~1' } } as const;

  it('scripts/cli.ts: --help and -h print the usage on stdout and exit 0; valid options come back', () => {
    for (const flag of ['--help', '-h']) {
      const r = parse(() => parseCommandLine(USAGE, options, [flag]));
      expect(r).toEqual({ code: 0, stdout: USAGE, stderr: '' });
    }
    expect(parse(() => parseCommandLine(USAGE, options, ['--out', 'x.graphql'])).returned).toEqual({ out: 'x.graphql', base: 'HEAD~1' });
  });

  it('scripts/cli.ts: an unknown flag, a missing value or a stray argument is said in one line with the usage, exit 2', () => {
    const parsed = (...args: string[]) => parse(() => parseCommandLine(USAGE, options, args));
    expectMistake(parsed('--no-such-flag'), /^Unknown option '--no-such-flag'$/, /^Usage: npm run example/);
    expectMistake(parsed('--out'), /^Option '--out <value>' argument missing$/, /^Usage: npm run example/);
    expectMistake(parsed('main'), /^Unexpected argument 'main'$/, /^Usage: npm run example/);
    // What parseArgs cannot check (a value out of range), the command says the same way.
    expectMistake(
      parse(() => usageError(USAGE, '--out=: expected a file')),
      /^--out=: expected a file$/,
      /^Usage: npm run example/,
    );
  });

  it('src/command-line.ts: --help prints the usage; a named flag comes back; anything else is a mistake, exit 2', () => {
    const parsed = (...args: string[]) => parse(() => readNoArgumentCommandLine('cxgraph', USAGE, args, ['--check-accounts']));
    expect(parsed()).toMatchObject({ code: undefined, returned: undefined, stdout: '', stderr: '' });
    expect(parsed('--check-accounts')).toMatchObject({ code: undefined, returned: '--check-accounts', stdout: '', stderr: '' });
    for (const flag of ['--help', '-h']) expect(parsed(flag)).toEqual({ code: 0, stdout: USAGE, stderr: '' });
    expectMistake(parsed('--no-such-flag'), /^cxgraph: unknown option --no-such-flag$/, /^Usage: npm run example/);
    expectMistake(parsed('serve'), /^cxgraph: unexpected argument serve$/, /^Usage: npm run example/);
    expectMistake(parsed('--check-accounts', 'now'), /^cxgraph: unexpected argument now$/, /^Usage: npm run example/);
    expectMistake(parsed('--check-accounts', '--check-accounts'), /^cxgraph: --check-accounts takes no other argument$/, /^Usage: npm run example/);
  });
});

/** The usage each command starts with. */
const USAGES = {
  'src/index.ts': /^Usage: npm start/,
  'scripts/supergraph.ts': /^Usage: npm run supergraph/,
  'scripts/schema-check.ts': /^Usage: npm run schema:check/,
  'bench/run.ts': /^Usage: npm run bench/,
  // A library, not a command.
  'scripts/compose.ts': /not a\s+command[\s\S]*npm run supergraph -- --help/,
};

/**
 * The processes of these tests run side by side (at most 5 at once, vitest's maxConcurrency), each test given the time
 * of a few of them on a loaded machine.
 */
const SIDE_BY_SIDE = { timeout: 90_000 };

describe.concurrent('every command, as a process', SIDE_BY_SIDE, () => {
  it.each([
    ['start', USAGES['src/index.ts']],
    ['supergraph', USAGES['scripts/supergraph.ts']],
    ['schema:check', USAGES['scripts/schema-check.ts']],
    ['bench', USAGES['bench/run.ts']],
  ])('npm run %s -- --help goes through the npm script to the usage on stdout, and exits 0', async (script, usage) => {
    const r = await run('npm', ['run', '--silent', script, '--', '--help']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(usage);
    expect(r.code).toBe(0);
  });

  it.each([
    ['bench/run.ts', ['--runtime=bun'], /^--runtime=bun: expected compiled or tsx$/],
    ['bench/run.ts', ['--only=11'], /^--only=11: expected scenario numbers from 1 to 10/],
    // It has no npm script: run by itself with anything, it points at the command that uses it.
    ['scripts/compose.ts', ['--no-such-flag'], /unknown option '?--no-such-flag/i],
  ] as const)('%s %s says what is wrong and the usage on stderr, and exits 2', async (file, args, problem) => {
    expectMistake(await tsx(file, ...args), problem, USAGES[file], `${file} ${args.join(' ')}`);
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
      const [help, unknown] = await Promise.all([
        run(process.execPath, [join(dir, 'dist', 'index.js'), '--help']),
        run(process.execPath, [join(dir, 'dist', 'index.js'), '--port=4001']),
      ]);
      expect(help.stderr).toBe('');
      expect(help.stdout).toMatch(/^Usage: npm start/);
      expect(help.stdout).toMatch(/node dist\/index\.js/);
      expect(help.code).toBe(0);

      expect(unknown.stderr).toMatch(/^cxgraph: unknown option --port=4001\n/);
      expect(unknown.stderr).toMatch(/Usage: npm start/);
      expect(unknown.stderr).not.toMatch(STACK_LINE);
      expect(unknown.code).toBe(2);
    });
  });
});

describe.concurrent('start-up on a port already in use', SIDE_BY_SIDE, () => {
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
