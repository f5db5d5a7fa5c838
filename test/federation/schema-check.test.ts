/**
 * `npm run schema:check`: the lint rules and the breaking-change comparison on fixture schemas, then the script
 * itself against a throw-away git repository (a breaking commit fails, the same commit saying
 * [breaking-change-intended] passes).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/compose.js';
import { BREAKING_CHANGE_MARKER, compareSchemas, intendsBreakingChange, lintSchema } from '../../scripts/schema-rules.js';
import { loadTypeDefs } from '../../src/graphql/schema.js';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])';

/** A small, clean subgraph schema; the tests change one thing at a time. */
const V1 = `
"Entry points."
type Query {
  "One recording."
  recording("Its id." id: ID!): Recording
  "Some calls."
  calls("Page size." first: Int): CallPage!
}
"A recording."
type Recording @key(fields: "id") {
  "Its id."
  id: ID!
  "Whether it exists."
  exists: Boolean!
  "The call's id."
  callId: ID
}
"A page of calls."
type CallPage {
  "Ids."
  ids: [ID!]!
  "Paging."
  pageInfo: PageInfo!
  "Which way."
  direction: Direction
}
"Paging."
type PageInfo @shareable {
  "More?"
  hasNextPage: Boolean!
}
"Where a call went."
enum Direction {
  "In."
  INBOUND
}
`;
const sdl = (body: string) => parse(`${LINK}\n${body}`);

describe('lintSchema', () => {
  it("passes cxgraph's own schema files", () => {
    expect(lintSchema(loadTypeDefs())).toEqual([]);
  });

  it('passes the clean fixture', () => {
    expect(lintSchema(sdl(V1))).toEqual([]);
  });

  it('names every missing description, naming slip and federation import problem', () => {
    const bad = parse(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@tag"])
      "Entry points."
      type Query {
        recording(id: ID!): Recording
        "Fine."
        other_thing("Fine." first: Int): Int
      }
      type Recording @key(fields: "id") @shareable {
        "Its id."
        id: ID!
      }
      "A direction."
      enum Direction {
        inbound
      }
    `);
    expect(lintSchema(bad)).toEqual([
      'Query.recording: add a description (frontend developers read it in Sandbox)',
      'Query.recording(id): add a description (frontend developers read it in Sandbox)',
      'Query.other_thing: field names are camelCase',
      'Recording: add a description (frontend developers read it in Sandbox)',
      'Direction.inbound: add a description (frontend developers read it in Sandbox)',
      'Direction.inbound: enum value names are SCREAMING_SNAKE_CASE',
      'schema: @shareable is used but not imported by the federation @link',
      'schema: @tag is imported by the federation @link but never used; remove it from import',
    ]);
  });

  it('reports a schema that does not build as a subgraph', () => {
    const unresolvable = V1.replace('"Paging."\n  pageInfo: PageInfo!', '"Paging."\n  pageInfo: Missing!');
    expect(lintSchema(sdl(unresolvable))[0]).toMatch(/^schema: does not build as a subgraph: .*Unknown type "?Missing/);
  });
});

describe('compareSchemas', () => {
  it('adding a field or rewording a description is safe; adding an optional argument only dangerous', async () => {
    const after = V1.replace('"The call\'s id."\n  callId: ID', '"The call\'s id."\n  callId: ID\n  "When."\n  at: String')
      .replace('calls("Page size." first: Int)', 'calls("Page size." first: Int, "Cursor." after: String)')
      .replace('"A recording."', '"A recording file."');
    const r = await compareSchemas(sdl(V1), sdl(after));
    expect(r.breaking).toEqual([]);
    expect(r.safe).toEqual(
      expect.arrayContaining([
        expect.stringContaining("Field 'at' was added"),
        expect.stringContaining("Description 'A recording.' on type 'Recording' has changed"),
      ]),
    );
    expect(r.dangerous).toEqual([expect.stringContaining("Argument 'after: String' added to field 'Query.calls'")]);
  });

  it('removing a field, making an argument required or changing a field type is breaking', async () => {
    const after = V1.replace('"The call\'s id."\n  callId: ID\n', '')
      .replace('calls("Page size." first: Int)', 'calls("Page size." first: Int!)')
      .replace('"Whether it exists."\n  exists: Boolean!', '"Whether it exists."\n  exists: String!');
    const r = await compareSchemas(sdl(V1), sdl(after));
    expect(r.breaking).toHaveLength(3);
    expect(r.breaking.join('\n')).toMatch(/callId[\s\S]*removed/);
    expect(r.breaking.join('\n')).toMatch(/first/);
    expect(r.breaking.join('\n')).toMatch(/exists/);
  });

  it('adding an enum value is dangerous (a client switch may not handle it), not breaking', async () => {
    const r = await compareSchemas(sdl(V1), sdl(V1.replace('"In."\n  INBOUND', '"In."\n  INBOUND\n  "Out."\n  OUTBOUND')));
    expect(r.breaking).toEqual([]);
    expect(r.dangerous).toEqual([expect.stringContaining("'OUTBOUND' was added to enum 'Direction'")]);
  });

  it('removing an entity key or @shareable is breaking for the other subgraphs, though clients see no change', async () => {
    const after = V1.replace('type Recording @key(fields: "id") {', 'type Recording {').replace('type PageInfo @shareable {', 'type PageInfo {');
    const r = await compareSchemas(sdl(V1), parse(`extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\n${after}`));
    expect(r.breaking).toEqual([
      `Entity key 'Recording @key(fields: "id")' was removed (other subgraphs reference the entity by it)`,
      `'PageInfo @shareable' was removed (other subgraphs that define it too stop composing)`,
    ]);
  });

  it('federation plumbing (a directive import, another federation 2 version) is not a change clients see', async () => {
    const before = parse(`extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@inaccessible"])\n${V1}`);
    const r = await compareSchemas(before, sdl(V1));
    expect(r).toEqual({ breaking: [], dangerous: [], safe: [] });
  });

  it('the marker in a commit message is what allows a breaking change', () => {
    expect(BREAKING_CHANGE_MARKER).toBe('[breaking-change-intended]');
    expect(intendsBreakingChange('Rename Recording.callId\n\n[breaking-change-intended]: nothing uses it yet')).toBe(true);
    expect(intendsBreakingChange('Rename Recording.callId (breaking change intended)')).toBe(false);
  });
});

describe('npm run schema:check against a git repository', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cxgraph-schema-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { stdio: 'pipe' });
  const write = (body: string) => {
    mkdirSync(join(dir, 'schema'), { recursive: true });
    writeFileSync(join(dir, 'schema', 'federation.graphql'), `${LINK}\n`);
    writeFileSync(join(dir, 'schema', 'api.graphql'), body);
  };
  const check = () =>
    spawnSync(process.execPath, ['--import', 'tsx', resolve(ROOT, 'scripts/schema-check.ts'), '--repo', dir], { cwd: ROOT, encoding: 'utf8' });

  it('fails a commit that removes a field, and passes the same commit when its message says the break is intended', () => {
    git('init', '-q');
    write(V1);
    git('add', '.');
    git('commit', '-q', '-m', 'v1');
    write(V1.replace('"The call\'s id."\n  callId: ID\n', ''));
    git('commit', '-q', '-am', 'Drop Recording.callId');

    const refused = check();
    expect(refused.status, refused.stdout + refused.stderr).toBe(1);
    expect(refused.stdout).toContain('lint passed');
    expect(refused.stdout).toMatch(/BREAKING: Field 'callId' was removed from object type 'Recording'/);
    expect(refused.stdout).toContain(BREAKING_CHANGE_MARKER);

    git('commit', '-q', '--amend', '-m', `Drop Recording.callId\n\n${BREAKING_CHANGE_MARKER}: no client reads it yet`);
    const allowed = check();
    expect(allowed.status, allowed.stdout + allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(/BREAKING: Field 'callId' was removed/);
    expect(allowed.stdout).toContain('breaking changes allowed');
  });
});
