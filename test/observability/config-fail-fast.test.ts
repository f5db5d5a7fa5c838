/**
 * Fail-fast configuration as a user meets it: `npm start` (here `node --import tsx src/index.ts`, what
 * `npm start` runs) with several bad variables exits non-zero at once with one message naming every bad
 * variable and what it should be, and no secret value in any output. And `.env.example` documents every
 * variable config.ts reads.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function start(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Only what node needs: nothing from the test run's own environment leaks into the configuration.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

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
    const problems = new Map(
      [...r.stderr.matchAll(/^ {2}- ([A-Z0-9_]+): (.+)$/gm)].map((m) => [m[1]!, m[2]!] as const),
    );
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
  it('documents every variable config.ts reads, with a comment', () => {
    const source = readFileSync(new URL('../../src/config.ts', import.meta.url), 'utf8');
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
    for (const l of lines.filter((x) => /^[A-Z_]*(SECRET|PASSWORD|API_KEY|ENCRYPTION_KEYS|HEADERS)=/.test(x))) expect(l).toMatch(/=$/);
  });
});
