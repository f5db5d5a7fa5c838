/**
 * `npm run schema:check`: lints schema/*.graphql and compares them with the schema of a previous commit, failing
 * on a breaking change unless a commit message says it is intended. CI runs it before the type-check.
 *
 *   npm run schema:check                      lint, then compare the working tree with HEAD~1
 *   npm run schema:check -- --base origin/main compare with another revision (e.g. a pull request's base)
 *   npm run schema:check -- --repo <dir>      check another checkout (its schema/ folder and git history)
 *
 * A breaking change (graphql-inspector's BREAKING, or a removed entity key or @shareable) fails the check unless a
 * commit message in <base>..HEAD contains `[breaking-change-intended]`. With no <base> commit (a shallow clone,
 * the first commit) or no schema/ in it, the comparison is skipped and says so.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, type DocumentNode } from 'graphql';
import { loadTypeDefs } from '../src/graphql/schema.js';
import { parseCommandLine } from './cli.js';
import { BREAKING_CHANGE_MARKER, compareSchemas, intendsBreakingChange, lintSchema } from './schema-rules.js';
import { ROOT } from './compose.js';

const USAGE = `Usage: npm run schema:check -- [--base <revision>] [--repo <dir>]

Lints schema/*.graphql (descriptions, naming, the federation @link, composes with no error or hint), then compares
it with the schema at <base> and fails (exit 1) on a breaking change unless a commit message in <base>..HEAD says
${BREAKING_CHANGE_MARKER}. With no schema at <base> (first commit, shallow clone) the comparison is skipped.

  --base <revision>  what to compare with (default: HEAD~1; e.g. origin/main for a pull request)
  --repo <dir>       check another checkout: its schema/ folder and git history (default: this one)
  -h, --help         print this and exit
`;

const values = parseCommandLine(USAGE, { base: { type: 'string', default: 'HEAD~1' }, repo: { type: 'string' } });
const repo = values.repo ? resolve(values.repo) : ROOT;
const base = values.base!;

const git = (...args: string[]): string => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
const say = (s: string) => process.stdout.write(`${s}\n`);

/** The schema files of `rev`, in loadTypeDefs' order (the federation @link first); undefined when there are none. */
function schemaAt(rev: string): DocumentNode | undefined {
  try {
    git('rev-parse', '--verify', '--quiet', `${rev}^{commit}`);
  } catch {
    return undefined;
  }
  const files = git('ls-tree', '--name-only', rev, 'schema/')
    .split('\n')
    .filter((f) => f.endsWith('.graphql'))
    .sort((a, b) => (a.endsWith('/federation.graphql') ? -1 : b.endsWith('/federation.graphql') ? 1 : a.localeCompare(b)));
  if (files.length === 0) return undefined;
  return parse(files.map((f) => git('show', `${rev}:${f}`)).join('\n'));
}

async function main(): Promise<number> {
  const schemaDir = resolve(repo, 'schema') + '/';
  if (!existsSync(schemaDir)) {
    say(`schema:check: no schema/ folder in ${repo}`);
    return 1;
  }
  const current = loadTypeDefs(schemaDir);

  const problems = lintSchema(current);
  if (problems.length > 0) {
    say(`schema:check: ${problems.length} lint problem${problems.length === 1 ? '' : 's'} in schema/*.graphql:`);
    for (const p of problems) say(`  - ${p}`);
    return 1;
  }
  say('schema:check: lint passed (descriptions, naming, federation @link, composes with no error or hint)');

  const previous = schemaAt(base);
  if (!previous) {
    say(`schema:check: no schema at ${base} (first commit or shallow clone): breaking-change check skipped`);
    return 0;
  }
  const { breaking, dangerous, safe } = await compareSchemas(previous, current);
  say(
    `schema:check: compared with ${base}: ${breaking.length} breaking, ${dangerous.length} dangerous, ${safe.length} safe change${safe.length === 1 ? '' : 's'}`,
  );
  for (const d of dangerous) say(`  dangerous: ${d}`);
  if (breaking.length === 0) return 0;
  for (const b of breaking) say(`  BREAKING: ${b}`);
  let messages = '';
  try {
    messages = git('log', '--format=%B', `${base}..HEAD`);
  } catch {
    // No range (e.g. an unrelated base): no message can allow it.
  }
  if (intendsBreakingChange(messages)) {
    say(`schema:check: breaking changes allowed: a commit message in ${base}..HEAD says ${BREAKING_CHANGE_MARKER}`);
    return 0;
  }
  say(
    `schema:check: breaking changes fail the check. Clients and other subgraphs rely on these names: prefer adding a field and deprecating ` +
      `the old one. If the break is intended, say ${BREAKING_CHANGE_MARKER} in the commit message.`,
  );
  return 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    say(`schema:check: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
