/**
 * cxgraph as the benchmark runs it: its own process, configured like a deployment (NODE_ENV=production,
 * warn-level logs, in-memory store) against the simulator process. `compiled` runs the TypeScript compiler's
 * output with plain node (what the Dockerfile ships); `tsx` runs the sources as `npm start` does.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawnChild, waitFor, type Child } from './processes.js';

export type Runtime = 'compiled' | 'tsx';

export interface Cxgraph {
  child: Child;
  url: string;
  runtime: Runtime;
  stop(): Promise<void>;
}

/** Where the compiled output goes: beside a link to schema/, which the server reads at start-up (../../schema). */
export function buildDir(root: string): string {
  return join(root, 'bench', '.build');
}

/** Compiles src/ with tsc into bench/.build/dist (not dist/, which is not ours to overwrite). Returns the ms it took. */
export async function buildCompiled(root: string): Promise<number> {
  const started = performance.now();
  const out = buildDir(root);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  symlinkSync(join(root, 'schema'), join(out, 'schema'), 'dir');
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(out, 'dist'), '--sourceMap', 'false'], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (e) {
    // Type errors still emit JavaScript (noEmitOnError is off); only a missing output is fatal.
    const stdout = (e as { stdout?: string }).stdout ?? '';
    process.stderr.write(`bench: tsc reported problems (the output is used anyway):\n${stdout.split('\n').slice(0, 10).join('\n')}\n`);
  }
  return performance.now() - started;
}

export interface StartOptions {
  root: string;
  runtime: Runtime;
  port: number;
  /** The simulators' provider variables. */
  providerEnv: Record<string, string>;
  extraEnv?: Record<string, string>;
  /** Node options before the entry point, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** Wait for /healthz before resolving (false: the caller times the start itself). */
  waitReady?: boolean;
  /** Another compiled tree than bench/.build (A/B comparisons of two builds). */
  build?: string;
}

/** Every cxgraph process of a run signs media links with the same key, as replicas of one deployment would. */
const MEDIA_SIGNING_KEY = randomBytes(32).toString('base64');

export function cxgraphEnv(opts: Pick<StartOptions, 'port' | 'providerEnv' | 'extraEnv'>): NodeJS.ProcessEnv {
  // CXGRAPH_* set for the benchmark (e.g. CXGRAPH_RECORDING_CONCURRENCY) reach cxgraph; nothing else of this shell does.
  const tuning = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('CXGRAPH_')));
  return {
    PATH: process.env['PATH'],
    // The shared recording cache is off unless a scenario turns it on (7): the others measure the path to the platform.
    CXGRAPH_RECORDING_CACHE_TTL_SECONDS: '0',
    ...tuning,
    ...opts.providerEnv,
    NODE_ENV: 'production',
    // Production requires choosing an inbound auth mode; the benchmark measures the data path, not caller auth.
    CXGRAPH_AUTH: 'none',
    // ...and, with NewVoiceMedia or the PBX, where media links point and the key that signs them (one per run).
    CXGRAPH_PUBLIC_URL: `http://127.0.0.1:${opts.port}`,
    CXGRAPH_MEDIA_SIGNING_KEY: MEDIA_SIGNING_KEY,
    CXGRAPH_SIMULATORS: 'off',
    HOST: '127.0.0.1',
    PORT: String(opts.port),
    LOG_LEVEL: 'warn',
    ...opts.extraEnv,
  };
}

export async function startCxgraph(opts: StartOptions): Promise<Cxgraph> {
  const entry = opts.runtime === 'compiled' ? join(opts.build ?? buildDir(opts.root), 'dist', 'index.js') : join(opts.root, 'src', 'index.ts');
  const args = [...(opts.nodeArgs ?? []), ...(opts.runtime === 'tsx' ? ['--import', 'tsx'] : []), entry];
  const child = spawnChild(`cxgraph (${opts.runtime})`, process.execPath, args, { cwd: opts.root, env: cxgraphEnv(opts) });
  const url = `http://127.0.0.1:${opts.port}`;
  if (opts.waitReady !== false) {
    try {
      await waitFor('cxgraph /healthz', async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), 30_000, 20);
    } catch (e) {
      await child.stop();
      throw new Error(`${(e as Error).message}\n${child.tail()}`);
    }
  }
  return { child, url, runtime: opts.runtime, stop: () => child.stop() };
}
