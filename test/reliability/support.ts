/**
 * What the reliability tests share: private redis-server processes (single or a three-node cluster), cxgraph
 * started as real child processes (`node --import tsx src/index.ts`), free ports, and the PBX consent walked
 * through with plain HTTP. Everything started here is stopped by the returned handle, also when a test fails.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { consent } from '../../src/simulators/index.js';
import { redisAnswers } from '../support/redis.js';
import { freePort } from '../support/free-port.js';
import { runEntryPoint } from '../support/run-to-exit.js';

export { freePort };

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function onPath(bin: string): boolean {
  return spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** True when private Redis servers can be started; with CI=true their absence is a failure, not a skip. */
export const HAS_REDIS_SERVER = (() => {
  const ok = onPath('redis-server') && onPath('redis-cli');
  if (!ok && process.env.CI === 'true') throw new Error('CI=true but redis-server / redis-cli are not on PATH (see .ci/run)');
  if (!ok) console.warn('[tests] redis-server or redis-cli is not on PATH: private-Redis reliability tests are skipped');
  return ok;
})();

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
}

async function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  await exited(child);
}

// --- private Redis -------------------------------------------------------------------------------------------

export interface PrivateRedis {
  port: number;
  url: string;
  process: ChildProcess;
  /** SIGKILL: no goodbye to clients, as a crash or a lost node. */
  kill(): Promise<void>;
  /** Starts a fresh, empty redis-server on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server of the test's own, without persistence, on a free port. */
export async function startPrivateRedis(port?: number): Promise<PrivateRedis> {
  const p = port ?? (await freePort());
  const url = `redis://127.0.0.1:${p}`;
  const dir = mkdtempSync(join(tmpdir(), 'cxgraph-redis-'));
  const launch = async () => {
    const child = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    await waitFor(`redis-server on port ${p}`, () => redisAnswers(url), 10_000);
    return child;
  };
  const handle: PrivateRedis = {
    port: p,
    url,
    process: await launch(),
    kill: () => kill(handle.process),
    async restart() {
      await kill(handle.process);
      handle.process = await launch();
    },
    async stop() {
      await kill(handle.process);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

export interface PrivateCluster {
  ports: number[];
  /** Seed URLs, as REDIS_CLUSTER_NODES takes them. */
  urls: string[];
  /** `redis-cli -p <port> <args>` against one node. */
  cli(port: number, ...args: string[]): string;
  stop(): Promise<void>;
}

const run = promisify(execFile);

/** Three cluster-enabled redis-servers, each serving a third of the slots (no replicas), once `cluster_state:ok` on all. */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'cxgraph-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const children: ChildProcess[] = [];
  const cli = (port: number, ...args: string[]) => {
    const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8' });
    return `${r.stdout}${r.stderr}`;
  };
  const stop = async () => {
    await Promise.all(children.map((c) => kill(c)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      children.push(
        spawn(
          'redis-server',
          [
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            `nodes-${port}.conf`,
            '--cluster-node-timeout',
            '2000',
            '--save',
            '',
            '--appendonly',
            'no',
            '--dir',
            dir,
          ],
          { stdio: 'ignore' },
        ),
      );
    }
    await Promise.all(ports.map((port) => waitFor(`cluster node ${port}`, () => redisAnswers(`redis://127.0.0.1:${port}`))));
    // Formed by hand (slots, then MEET) rather than with `redis-cli --cluster create`, which polls once a second, and
    // without blocking the event loop: forming takes 2 s anyway (a new node serves only that long after it started),
    // which callers may spend on other tests meanwhile.
    const cliAsync = async (port: number, ...args: string[]) => (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args])).stdout;
    const SLOTS = 16_384;
    await Promise.all(
      ports.map(async (port, i) => {
        const from = Math.floor((SLOTS * i) / ports.length);
        const to = Math.floor((SLOTS * (i + 1)) / ports.length);
        const slots = Array.from({ length: to - from }, (_, k) => String(from + k));
        const answer = await cliAsync(port, 'cluster', 'addslots', ...slots);
        if (!answer.includes('OK')) throw new Error(`CLUSTER ADDSLOTS on ${port}: ${answer}`);
      }),
    );
    for (const port of ports.slice(1)) await cliAsync(ports[0]!, 'cluster', 'meet', '127.0.0.1', String(port));
    const formed = async (port: number) => {
      const info = await cliAsync(port, 'cluster', 'info');
      return info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${ports.length}`) && info.includes(`cluster_slots_ok:${SLOTS}`);
    };
    await waitFor('cluster_state:ok on every node', async () => (await Promise.all(ports.map(formed))).every(Boolean), 15_000, 50);
  } catch (e) {
    await stop();
    throw e;
  }
  return { ports, urls: ports.map((port) => `redis://127.0.0.1:${port}`), cli, stop };
}

// --- cxgraph as a child process ---------------------------------------------------------------------------------

export interface CxProcess {
  url: string;
  process: ChildProcess;
  /** Every line the process wrote (JSON log lines and anything else), stdout and stderr. */
  lines: string[];
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ data?: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[] }>;
  /** SIGTERM, then the exit status. */
  terminate(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): Promise<void>;
}

/**
 * `node --import tsx src/index.ts` with exactly `env` (plus PATH/HOME): the production bootstrap, config
 * validation, logging and signal handling, on a port of its own. Resolves once it logs that it listens.
 */
export async function startCxProcess(env: Record<string, string>, port = 0): Promise<CxProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(port),
      CXGRAPH_SIMULATORS: 'off',
      // Off unless a test turns it on: tests count what reaches the platforms per query.
      CXGRAPH_RECORDING_CACHE_TTL_SECONDS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let url: string | undefined;
  let buffered = '';
  const onData = (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) {
      if (!line) continue;
      lines.push(line);
      if (!url && line.includes('cxgraph listening on')) {
        try {
          url = (JSON.parse(line) as { url?: string }).url;
        } catch {
          /* not a JSON line */
        }
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  try {
    await waitFor(
      'cxgraph to log that it listens',
      () => {
        if (child.exitCode !== null) throw new Error(`cxgraph exited with ${child.exitCode} before listening:\n${lines.join('\n')}`);
        return url;
      },
      20_000,
    );
  } catch (e) {
    await kill(child);
    throw e;
  }
  const base = url!;
  return {
    url: base,
    process: child,
    lines,
    async gql(query, variables) {
      const res = await fetch(`${base}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
      return (await res.json()) as never;
    },
    async terminate() {
      child.kill('SIGTERM');
      return exited(child);
    },
    kill: () => kill(child),
  };
}

/**
 * Runs `node --import tsx src/index.ts` with `env` until it exits by itself (start-up refused); its status and output.
 * Asynchronous, so that a test can run it beside others.
 */
export async function runCxToExit(env: Record<string, string>): Promise<{ status: number | null; output: string }> {
  const r = await runEntryPoint([], { HOST: '127.0.0.1', PORT: '0', CXGRAPH_SIMULATORS: 'off', ...env }, 30_000);
  return { status: r.code, output: r.stdout + r.stderr };
}

// --- PBX consent over plain HTTP ------------------------------------------------------------------------------

/**
 * Walks a PBX user through the consent: beginPbxConnection on `begin`, the simulator's page (Allow, through its
 * consent driver), then the callback delivered to `callbackOrigin` (any replica: the state lives in the shared
 * store). Returns the callback's status.
 */
export async function connectPbx(
  gql: (q: string) => Promise<{ data?: unknown; errors?: unknown }>,
  callbackOrigin: string,
  login = 'client1',
): Promise<number> {
  const begin = (await gql('mutation { beginPbxConnection { authorizationUrl state } }')) as {
    data?: { beginPbxConnection: { authorizationUrl: string } };
    errors?: unknown;
  };
  if (!begin.data) throw new Error(`beginPbxConnection failed: ${JSON.stringify(begin.errors)}`);
  const callback = await consent(begin.data.beginPbxConnection.authorizationUrl, { login, decision: 'allow' });
  const res = await fetch(`${callbackOrigin}${callback.pathname}${callback.search}`, { redirect: 'manual' });
  await res.text();
  return res.status;
}
