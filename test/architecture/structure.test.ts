/**
 * The shape of the house, checked so it stays the one CONTRIBUTING.md describes: no import cycle in src/, small
 * files, every provider folder alike, one HTTP path (nothing in src/auth fetches), the Provider enum, the module
 * list and the simulator list agreeing, every variable documented in docs/configuration.md, and no reference to a
 * document outside the repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { Kind } from 'graphql';
import { describe, expect, it } from 'vitest';
import { loadTypeDefs } from '../../src/graphql/schema.js';
import { PROVIDERS } from '../../src/providers/index.js';
import { SIMULATORS } from '../../src/simulators/index.js';

const ROOT = join(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === '__generated__' ? [] : sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** The rows of docs/configuration.md's table of variables (its "## Variables" section): the configuration reference. */
function configurationTable(): string {
  const doc = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');
  const start = doc.indexOf('\n## Variables\n');
  expect(start, 'docs/configuration.md has a "## Variables" section').toBeGreaterThan(0);
  const end = doc.indexOf('\n## ', start + 1);
  return doc
    .slice(start, end < 0 ? undefined : end)
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .join('\n');
}

/** Relative imports of a file (type-only ones too: they are dependencies of the design, if not of the runtime). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)\.js['"]/g)) {
    const target = normalize(join(dirname(file), m[1]!)) + '.ts';
    if (existsSync(target)) out.push(target);
  }
  return out;
}

/** Every elementary cycle's first occurrence found by depth-first search, as a readable path. */
function importCycles(files: string[]): string[] {
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === 'open') cycles.push([...stack.slice(stack.indexOf(g)), g].map((x) => relative(ROOT, x)).join(' → '));
      else if (!state.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return cycles;
}

describe('the shape of src/', () => {
  const files = sourceFiles(SRC);

  it('has no import cycle', () => {
    expect(importCycles(files)).toEqual([]);
  });

  it('has no file over 400 lines (generated code aside)', () => {
    const long = files.map((f) => [relative(ROOT, f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 400);
    expect(long).toEqual([]);
  });

  it('gives every provider folder the same shape: index, config, client, types, mappers', () => {
    const dir = join(SRC, 'providers');
    const folders = readdirSync(dir).filter((d) => statSync(join(dir, d)).isDirectory());
    expect(folders.length).toBe(PROVIDERS.length);
    for (const folder of folders) {
      for (const file of ['index.ts', 'config.ts', 'client.ts', 'types.ts', 'mappers.ts']) {
        expect(existsSync(join(dir, folder, file)), `src/providers/${folder}/${file}`).toBe(true);
      }
    }
  });

  it('keeps each platform in its folders: only the two lists import a provider or simulator folder', () => {
    const lists = new Set([join(SRC, 'providers/index.ts'), join(SRC, 'simulators/index.ts')]);
    const platformFolder = (f: string) => /^(providers|simulators)\/(?!common\/)[^/]+\//.exec(relative(SRC, f))?.[0];
    const reaching = files.flatMap((f) => {
      if (lists.has(f)) return [];
      const own = platformFolder(f);
      return importsOf(f)
        .filter((g) => platformFolder(g) !== undefined && platformFolder(g) !== own)
        .map((g) => `${relative(ROOT, f)} → ${relative(ROOT, g)}`);
    });
    expect(reaching).toEqual([]);
  });

  it('has resolvers that name no platform: what differs between platforms is behind a capability', () => {
    const names = PROVIDERS.map((m) => m.name);
    const naming = sourceFiles(join(SRC, 'graphql/resolvers')).flatMap((f) => {
      const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      return names.filter((n) => new RegExp(`['"\`]${n}['"\`]`).test(code)).map((n) => `${relative(ROOT, f)}: ${n}`);
    });
    expect(naming).toEqual([]);
  });

  it('sends every upstream request through src/upstream: nothing in src/auth calls fetch itself', () => {
    const calls = sourceFiles(join(SRC, 'auth')).filter((f) => /\bfetch\s*\(/.test(readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')));
    expect(calls.map((f) => relative(ROOT, f))).toEqual([]);
  });
});

describe('the module list', () => {
  it('and the schema name the same providers in the same order', () => {
    const doc = loadTypeDefs();
    const e = doc.definitions.find((d) => d.kind === Kind.ENUM_TYPE_DEFINITION && d.name.value === 'Provider');
    expect(e && e.kind === Kind.ENUM_TYPE_DEFINITION ? e.values!.map((v) => v.name.value) : []).toEqual(PROVIDERS.map((m) => m.name));
  });

  it('has every variable a module reads documented in .env.example and the configuration reference', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    for (const v of PROVIDERS.flatMap((m) => m.variables)) {
      expect(example, `.env.example documents ${v}`).toMatch(new RegExp(`^#?\\s*${v}=`, 'm'));
      expect(configurationTable(), `docs/configuration.md's table documents ${v}`).toContain(`\`${v}\``);
    }
  });

  it('and the simulator list name the same providers in the same order: the embedded default points every module at one', () => {
    expect(SIMULATORS.map((s) => s.provider)).toEqual(PROVIDERS.map((m) => m.name));
    expect(new Set(SIMULATORS.map((s) => s.key)).size).toBe(SIMULATORS.length);
  });

  it('has every variable the configuration code reads in the configuration reference table', () => {
    // The configuration code: src/app/config.ts, src/config/ and each provider's config.ts (as .env.example's test).
    const source = sourceFiles(SRC)
      .filter((f) => /[/\\]src[/\\](app[/\\]config\.ts$|config[/\\])|[/\\]providers[/\\][^/\\]+[/\\]config\.ts$/.test(f))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const read = new Set([...source.matchAll(/'([A-Z][A-Z0-9]*_[A-Z0-9_]+)'/g)].map((m) => m[1]!));
    read.add('PORT');
    read.add('HOST');
    expect(read.size).toBeGreaterThan(40);
    const table = configurationTable();
    expect([...read].filter((v) => !table.includes(`\`${v}\``))).toEqual([]);
  });
});

describe('the repository', () => {
  it('refers to no document outside it', () => {
    const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    const offenders = tracked.filter((f) => {
      if (f === 'test/architecture/structure.test.ts' || !existsSync(join(ROOT, f)) || statSync(join(ROOT, f)).size > 2_000_000) return false;
      return /\b(PROVIDERS|DESIGN)\.md\b/.test(readFileSync(join(ROOT, f), 'utf8'));
    });
    expect(offenders).toEqual([]);
  });
});
