/**
 * No container engine runs here, so the Dockerfile and docker-compose.yml are checked for the essentials an
 * operator relies on: a multi-stage build on Node 24 shipping production dependencies only (no tsx, no esbuild), a
 * non-root user, a health check on /healthz, port 4001; Redis with persistence, cxgraph pointed at it, and the
 * router when present.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

interface Stage {
  from: string;
  name?: string;
  /** Instructions with line continuations joined, comments dropped. */
  lines: string[];
}

function stagesOf(dockerfile: string): Stage[] {
  const instructions = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of instructions) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ from: from[1]!, name: from[2], lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

describe('Dockerfile', () => {
  const stages = stagesOf(read('Dockerfile'));
  const build = stages.find((s) => s.name === 'build');
  const runtime = stages.at(-1)!;
  const has = (s: Stage, re: RegExp) => s.lines.some((l) => re.test(l));

  it('builds in a build stage and ships a separate runtime stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build, 'a stage named build (FROM … AS build)').toBeDefined();
    expect(runtime).not.toBe(build);
    expect(has(build!, /^RUN npm ci\b/)).toBe(true);
    expect(has(build!, /^RUN npm run build\b/)).toBe(true);
    expect(has(runtime, /^COPY --from=build\b.*\bdist\b/)).toBe(true);
  });

  it('builds and runs on Node 24 LTS, which satisfies engines.node', () => {
    for (const s of stages) expect(s.from, `FROM ${s.from}${s.name ? ` AS ${s.name}` : ''}`).toMatch(/^node:24(\.\d+)*(-[a-z0-9.-]+)?(@sha256:[0-9a-f]{64})?$/);
    const engines = (JSON.parse(read('package.json')) as { engines?: { node?: string } }).engines?.node;
    expect(engines).toBe('>=22');
  });

  it('installs production dependencies only in the runtime stage', () => {
    expect(has(runtime, /^RUN npm ci\b.*--omit=dev/)).toBe(true);
    expect(runtime.lines.filter((l) => /npm (ci|install)\b/.test(l)).every((l) => /--omit=dev/.test(l))).toBe(true);
  });

  it('ships no tsx or esbuild: the runtime runs dist/ with plain node, and both are dev-only in the lock file', () => {
    expect(runtime.lines.filter((l) => /\b(tsx|esbuild)\b/.test(l))).toEqual([]);
    const pkg = JSON.parse(read('package.json')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    expect(Object.keys(pkg.dependencies ?? {})).not.toContain('tsx');
    expect(Object.keys(pkg.devDependencies ?? {})).toContain('tsx');
    // What `npm ci --omit=dev` installs is the lock file's entries without "dev": true; nothing there may pull them in.
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean }> };
    const toolchain = Object.entries(lock.packages).filter(([path]) => /(^|\/)node_modules\/(tsx|esbuild|@esbuild\/[^/]+)$/.test(path));
    expect(toolchain.length).toBeGreaterThan(0);
    expect(toolchain.filter(([, entry]) => entry.dev !== true).map(([path]) => path)).toEqual([]);
  });

  it('runs as a non-root user, checks /healthz, exposes 4001 and starts the compiled server', () => {
    const user = runtime.lines.filter((l) => /^USER\s/i.test(l)).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER\s+(root|0)(:|\s|$)/i);
    // USER comes before CMD, so the server never runs as root.
    expect(runtime.lines.findIndex((l) => /^USER\s/i.test(l))).toBeLessThan(runtime.lines.findIndex((l) => /^CMD\s/i.test(l)));
    const healthcheck = runtime.lines.find((l) => /^HEALTHCHECK\s/i.test(l));
    expect(healthcheck).toMatch(/\/healthz/);
    expect(has(runtime, /^EXPOSE\s+4001\b/)).toBe(true);
    expect(has(runtime, /^ENV\s.*NODE_ENV=production/)).toBe(true);
    expect(has(runtime, /^CMD\s+\[\s*"node",\s*"dist\/index\.js"\s*\]/)).toBe(true);
  });

  it('keeps .env, node_modules and build output out of the build context', () => {
    expect(existsSync(new URL('../../.dockerignore', import.meta.url))).toBe(true);
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const p of ['node_modules', '**/node_modules', '.env', '.env.*', 'dist', '.git']) expect(ignored).toContain(p);
  });
});

describe('docker-compose.yml', () => {
  interface Service {
    image?: string;
    build?: unknown;
    command?: string | string[];
    environment?: Record<string, string> | string[];
    ports?: (string | { target: number; published?: string | number })[];
    volumes?: (string | { source?: string; target: string })[];
    depends_on?: string[] | Record<string, unknown>;
  }
  const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
  const env = (s: Service): Record<string, string> =>
    Array.isArray(s.environment) ? Object.fromEntries(s.environment.map((e) => [e.split('=')[0]!, e.split('=').slice(1).join('=')])) : (s.environment ?? {});
  const dependsOn = (s: Service): string[] => (Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {}));

  it('runs Redis with persistence on a named volume', () => {
    const redis = compose.services.redis!;
    expect(redis.image).toMatch(/^redis:/);
    const command = Array.isArray(redis.command) ? redis.command.join(' ') : (redis.command ?? '');
    expect(command).toMatch(/--appendonly\s+yes/);
    const data = (redis.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`)).find((v) => v.endsWith(':/data'));
    expect(data).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(data!.split(':')[0]);
  });

  it('runs cxgraph built from this Dockerfile, on Redis, published on 4001', () => {
    const cx = compose.services.cxgraph!;
    expect(cx.build).toBeDefined();
    expect(env(cx).REDIS_URL).toBe('redis://redis:6379');
    expect(dependsOn(cx)).toContain('redis');
    const ports = (cx.ports ?? []).map((p) => (typeof p === 'string' ? p : `${p.published}:${p.target}`));
    expect(ports.some((p) => /(^|:)4001$/.test(p))).toBe(true);
  });

  it('runs the Apollo Router in front of cxgraph, when the router service is there', () => {
    const router = Object.entries(compose.services).find(([name, s]) => name.includes('router') || /apollographql\/router/.test(s.image ?? ''));
    if (!router) return; // added by the federation work; checked once present
    const [, s] = router;
    expect(s.image).toMatch(/apollographql\/router/);
    expect(dependsOn(s)).toContain('cxgraph');
  });
});
