/**
 * The folders of src/ depend one way: each may import only from itself and the folders below it in FOLDER_ORDER,
 * with no list of exceptions. A new folder fails here until it is given its place. Type-only imports count: they are
 * dependencies of the design, if not of the runtime. docs/architecture.md explains each layer.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

/** Lowest first. */
export const FOLDER_ORDER = [
  'domain', // models, names, ports (Clock, Caller, capabilities): depends on nothing
  'security', // pure checks and scrubbing: redaction, upstream text, URL policy, query limits, trusted documents
  'errors', // the closed error set and the upstream → GraphQL mapping
  'config', // reading and validating the environment
  'observability', // logs, metrics, traces, request context, connection status
  'store', // keyv/Redis stores, sealing
  'upstream', // the one HTTP path to the platforms, and its limits (upstream/limits)
  'auth', // the token manager and the OAuth grants
  'providers', // one folder per platform
  'tenancy', // tenants and their accounts: the accounts file, the registry of account instances, entity refs
  'app', // the composition root: configuration of the whole, services, wiring
  'graphql', // schema, resolvers, request context (and the code generated from the schema)
  'server', // HTTP server, caller authentication, CORS, persisted queries
] as const;

/** Generated code belongs to the layer that owns the schema. */
const ALIAS: Record<string, string> = { __generated__: 'graphql' };
/** Entry points (src/*.ts) sit above every folder; the simulators are a separate program only the entry point starts. */
const ENTRY = 'entry';
const SIMULATORS = 'simulators';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

function folderOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  if (parts.length === 1) return ENTRY;
  return ALIAS[parts[0]!] ?? parts[0]!;
}

/** Every relative import of a file, static, dynamic and type-only, as the file it names. */
export function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)\.js['"]/g)].map((m) => normalize(join(dirname(file), m[1]!)) + '.ts');
}

/** Why an import from folder `a` to folder `b` is not allowed, or undefined when it is. */
export function violation(a: string, b: string, order: readonly string[] = FOLDER_ORDER): string | undefined {
  if (a === b) return undefined;
  if (b === ENTRY) return 'nothing imports an entry point';
  if (a === ENTRY) return undefined;
  if (a === SIMULATORS || b === SIMULATORS) return 'the simulators are a separate program: only an entry point starts them';
  const ra = order.indexOf(a);
  const rb = order.indexOf(b);
  if (ra < 0) return `folder ${a} has no place in FOLDER_ORDER`;
  if (rb < 0) return `folder ${b} has no place in FOLDER_ORDER`;
  return rb > ra ? `${a} is below ${b}` : undefined;
}

describe('the folder rule of src/', () => {
  const files = sourceFiles(SRC);

  it('has every folder in its place', () => {
    const folders = new Set(files.map(folderOf));
    folders.delete(ENTRY);
    folders.delete(SIMULATORS);
    expect([...folders].filter((f) => !(FOLDER_ORDER as readonly string[]).includes(f))).toEqual([]);
  });

  it('has no import against the order', () => {
    const against = files.flatMap((f) =>
      importsOf(f).flatMap((t) => {
        const why = violation(folderOf(f), folderOf(t));
        return why ? [`${relative(SRC, f)} → ${relative(SRC, t)}: ${why}`] : [];
      }),
    );
    expect(against).toEqual([]);
  });

  it('catches an import against the order, and a folder with no place', () => {
    expect(violation('upstream', 'auth')).toBe('upstream is below auth');
    expect(violation('auth', 'upstream')).toBeUndefined();
    expect(violation('providers', 'plugins')).toBe('folder plugins has no place in FOLDER_ORDER');
    expect(violation('graphql', ENTRY)).toBe('nothing imports an entry point');
    expect(violation('app', SIMULATORS)).toBeDefined();
  });
});
