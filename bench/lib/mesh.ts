/**
 * The peer: GraphQL Mesh (compose) + Hive Gateway over the same CallJourney simulator. It lives in its own package
 * (bench/mesh) because its dependency tree clashes with the root's pins; installed on first use with `npm ci`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawnChild, waitFor, type Child } from './processes.js';

const run = promisify(execFile);

export interface Mesh {
  child: Child;
  url: string;
  stop(): Promise<void>;
}

export function meshDir(root: string): string {
  return join(root, 'bench', 'mesh');
}

/** `npm ci` in bench/mesh when its node_modules is absent. Returns the ms it took (0 when already installed). */
export async function ensureMeshInstalled(root: string): Promise<number> {
  const dir = meshDir(root);
  if (existsSync(join(dir, 'node_modules', '@graphql-hive', 'gateway'))) return 0;
  const started = performance.now();
  process.stderr.write('bench: installing the GraphQL Mesh baseline (npm ci --prefix bench/mesh, once)…\n');
  await run('npm', ['ci', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  return performance.now() - started;
}

/** Composes bench/mesh/supergraph.graphql from the OpenAPI description, pointed at the running simulator. */
export async function composeMesh(root: string, calljourneyUrl: string): Promise<void> {
  const dir = meshDir(root);
  const bin = join(dir, 'node_modules', '@graphql-mesh', 'compose-cli', 'esm', 'bin.js');
  await run(process.execPath, [bin, '-o', 'supergraph.graphql'], {
    cwd: dir,
    env: { PATH: process.env['PATH'], CALLJOURNEY_BASE_URL: calljourneyUrl, NODE_ENV: 'production' },
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** Hive Gateway on one process (--fork 1), as cxgraph runs on one. */
export async function startMesh(root: string, port: number): Promise<Mesh> {
  const dir = meshDir(root);
  const bin = join(dir, 'node_modules', '@graphql-hive', 'gateway', 'dist', 'bin.js');
  const child = spawnChild('hive-gateway', process.execPath, [bin, 'supergraph', '--host', '127.0.0.1', '--port', String(port), '--fork', '1'], {
    cwd: dir,
    env: { PATH: process.env['PATH'], NODE_ENV: 'production' },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor('Hive Gateway /healthcheck', async () => ((await fetch(`${url}/healthcheck`)).ok ? true : undefined), 60_000, 50);
  } catch (e) {
    await child.stop();
    throw new Error(`${(e as Error).message}\n${child.tail()}`);
  }
  return { child, url, stop: () => child.stop() };
}
