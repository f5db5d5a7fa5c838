/**
 * Fail-fast configuration as a user meets it: `npm start` (here `node --import tsx src/index.ts`, what
 * `npm start` runs) with several bad variables exits non-zero at once with one message naming every bad
 * variable and what it should be, and no secret value in any output. And `.env.example` documents every
 * variable config.ts reads, and can be sourced by bash (`set -a; . ./.env.example`) without running anything,
 * meaning to the shell what it means to Node's .env reader (`npm start`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runEntryPoint } from '../support/run-to-exit.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// Only what node needs: nothing from the test run's own environment leaks into the configuration.
const start = (env: Record<string, string>) => runEntryPoint([], env, 20_000);

describe('configuration fails fast', () => {
  it('exits non-zero naming every bad variable and what it should be, without echoing a secret', async () => {
    const secrets = {
      client: 'cj-Secret-Value-5f2a9c',
      redisPassword: 'redisPassw0rd-77',
      otlpKey: 'otlp-Api-Key-0c1d',
      cloudKey: 'cloudcx-Api-Key-9e8d',
    };
    const r = await start({
      PORT: 'eighty',
      LOG_LEVEL: 'chatty',
      NVM_REGION: 'mars',
      // Half a provider: the secret is set, its tenant and client id are not.
      CALLJOURNEY_CLIENT_SECRET: secrets.client,
      REDIS_URL: `http://user:${secrets.redisPassword}@cache:6379`,
      CXGRAPH_ENCRYPTION_KEYS: 'dG9vLXNob3J0',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: `Authorization Bearer ${secrets.otlpKey}`,
      CLOUDCX_API_KEY: secrets.cloudKey,
      CLOUDCX_BASE_URL: `http://cx.example.com/?key=${secrets.cloudKey}`,
      CXGRAPH_UPSTREAM_TIMEOUT_MS: '5',
    });
    expect(r.code).not.toBe(0);
    expect(r.code).toBe(2);
    const problems = new Map([...r.stderr.matchAll(/^ {2}- ([A-Z0-9_]+): (.+)$/gm)].map((m) => [m[1]!, m[2]!] as const));
    // One message, every bad variable named with what it should be.
    expect(r.stderr.match(/Invalid configuration/g)).toHaveLength(1);
    expect(problems.get('PORT')).toMatch(/integer from 0 to 65535/);
    expect(problems.get('LOG_LEVEL')).toMatch(/one of fatal, error, warn, info, debug, trace, silent/);
    expect(problems.get('NVM_REGION')).toMatch(/one of emea, nam, apac/);
    expect(problems.get('CALLJOURNEY_TENANT_ID')).toMatch(/required for CallJourney/);
    expect(problems.get('CALLJOURNEY_CLIENT_ID')).toMatch(/required for CallJourney/);
    expect(problems.get('REDIS_URL')).toMatch(/redis:\/\/ or rediss:\/\//);
    expect(problems.get('CXGRAPH_ENCRYPTION_KEYS')).toMatch(/32 bytes in base64/);
    expect(problems.get('OTEL_EXPORTER_OTLP_ENDPOINT')).toMatch(/absolute http\(s\) URL/);
    expect(problems.get('OTEL_EXPORTER_OTLP_HEADERS')).toMatch(/key=value/);
    expect(problems.get('CLOUDCX_BASE_URL')).toMatch(/https:\/\//);
    expect(problems.get('CXGRAPH_UPSTREAM_TIMEOUT_MS')).toMatch(/integer from 100/);
    expect(r.stderr).toMatch(/\.env\.example/);
    // Nothing secret, anywhere.
    for (const s of Object.values(secrets)) {
      expect(r.stderr).not.toContain(s);
      expect(r.stdout).not.toContain(s);
    }
    // It stopped before starting anything: no server, no simulators.
    expect(r.stdout).not.toMatch(/listening|simulators/);
  });
});

describe('.env.example', () => {
  it('documents every variable the configuration code reads, with a comment', () => {
    // The configuration code: src/app/config.ts, src/config/ and each provider's config.ts.
    const source = readdirSync(new URL('../../src/', import.meta.url), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => join(e.parentPath, e.name))
      .filter((f) => /[/\\]src[/\\](config\.ts$|config[/\\])|[/\\]providers[/\\][^/\\]+[/\\]config\.ts$/.test(f))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const read = new Set([...source.matchAll(/'([A-Z][A-Z0-9]*_[A-Z0-9_]+)'/g)].map((m) => m[1]!));
    read.add('PORT');
    read.add('HOST');
    expect(read.size).toBeGreaterThan(40);
    const lines = example.split('\n');
    const missing = [...read].filter((v) => !lines.some((l) => l.startsWith(`${v}=`)));
    expect(missing, 'variables read by config.ts but not in .env.example').toEqual([]);
    // Every variable line follows a comment (its meaning and default) or another variable of the same group.
    const firstOfGroup = lines.map((l, i) => ({ l, i })).filter(({ l, i }) => /^[A-Z][A-Z0-9_]*=/.test(l) && !/^([A-Z][A-Z0-9_]*=|#)/.test(lines[i - 1] ?? ''));
    expect(firstOfGroup.map(({ l }) => l)).toEqual([]);
    // No value that looks like a real secret is committed.
    for (const l of lines.filter((x) => /^[A-Z_]*(SECRET|PASSWORD|API_KEY|_KEYS|SIGNING_KEY|HEADERS|AUTHORIZATION)=/.test(x))) expect(l).toMatch(/=$/);
  });
});

describe('.env.example sourced by bash', () => {
  /** bash from this machine's PATH; the script itself then runs with an empty PATH, so no program can start. */
  const bash = (process.env.PATH ?? '')
    .split(delimiter)
    .map((d) => join(d, 'bash'))
    .find((p) => existsSync(p));

  it.skipIf(!bash)('neither errors nor runs anything, and sets exactly its variables, with the values Node reads, all of them read by cxgraph', () => {
    const emptyPath = mkdtempSync(join(tmpdir(), 'cxgraph-no-programs-'));
    try {
      // Records (NUL-separated): the exported variables before, every command bash runs while sourcing (functrace
      // makes the DEBUG trap fire inside `.`), its status, and the exported variables after.
      const script = [
        `for __v in $(compgen -e); do printf 'BEFORE %s=%s\\0' "$__v" "\${!__v}"; done`,
        'set -a',
        'set -T',
        `trap 'printf "CMD %s\\0" "$BASH_COMMAND"' DEBUG`,
        '. ./.env.example',
        '__status=$?',
        'trap - DEBUG',
        'set +a',
        `printf 'STATUS %s\\0' "$__status"`,
        `for __v in $(compgen -e); do printf 'AFTER %s=%s\\0' "$__v" "\${!__v}"; done`,
      ].join('\n');
      const r = spawnSync(bash!, ['--noprofile', '--norc', '-c', script], { cwd: ROOT, env: { PATH: emptyPath }, encoding: 'utf8' });
      expect(r.stderr, 'bash wrote to stderr while sourcing .env.example (a command not found, a syntax error)').toBe('');
      expect(r.status).toBe(0);
      const records = r.stdout.split('\0').filter(Boolean);
      const unknown = records.filter((x) => !/^(BEFORE|CMD|STATUS|AFTER) /.test(x));
      expect(unknown, 'output of a command run while sourcing').toEqual([]);
      expect(records.filter((x) => x.startsWith('STATUS '))).toEqual(['STATUS 0']);

      // Every command bash ran while sourcing is one whole NAME=value line of the file: nothing else ran.
      const text = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
      const assignmentLines = new Set(text.split('\n').filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l)));
      const ran = records.filter((x) => x.startsWith('CMD ')).map((x) => x.slice(4));
      const outside = new Set(['. ./.env.example', '__status=$?', 'trap - DEBUG']);
      expect(ran.filter((c) => !outside.has(c) && !assignmentLines.has(c))).toEqual([]);
      expect(ran.filter((c) => assignmentLines.has(c))).toHaveLength(assignmentLines.size);

      // What the shell ends up with is exactly what Node's .env reader (npm start) takes from the same file.
      const vars = (kind: string) =>
        new Map(records.filter((x) => x.startsWith(`${kind} `)).map((x) => [x.slice(kind.length + 1, x.indexOf('=')), x.slice(x.indexOf('=') + 1)] as const));
      const before = vars('BEFORE');
      const set = Object.fromEntries([...vars('AFTER')].filter(([k, v]) => k !== '_' && !k.startsWith('__') && before.get(k) !== v));
      const node = parseEnv(text);
      expect(set).toEqual(node);
      expect(Object.keys(set).length).toBe(assignmentLines.size);

      // And each is a variable cxgraph reads (named in src/, wherever the configuration code lives).
      const sources = readdirSync(new URL('../../src/', import.meta.url), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.parentPath.includes('__generated__'))
        .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
        .join('\n');
      const unread = Object.keys(set).filter((name) => !new RegExp(`['"\`]${name}['"\`]`).test(sources));
      expect(unread, 'set by .env.example but read nowhere in src/').toEqual([]);
    } finally {
      rmSync(emptyPath, { recursive: true, force: true });
    }
  });
});
