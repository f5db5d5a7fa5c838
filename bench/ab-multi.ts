/**
 * bench/ab.ts for any number of compiled trees, with the minimal Node hop beside them: scenario 1 against the same
 * simulators, short measured runs alternating between all of them, medians of CPU ms per request (user and system
 * apart) and of requests/s. How bench/README.md's "Less CPU per request" table was measured.
 *
 * A tree is built as for bench/ab.ts (a directory inside the repository holding `dist/` and a `schema` link). A tree
 * may carry node flags after `@`, comma-separated: `bench/.ab/a@--max-semi-space-size=32`. `PROF=1` writes a CPU
 * profile of each tree into `<tree>/prof/`.
 * Usage: npx tsx bench/ab-multi.ts <tree>[@flags] … [--rounds=8]
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCxgraph } from './lib/cxgraph.js';
import { runLoad } from './lib/load.js';
import { freePort, spawnChild, stopAll } from './lib/processes.js';
import { startSims } from './lib/sims.js';
import { CONVERSATION_EXISTS_PATH, cxRecording, directRecording, HOT_KEY } from './lib/workload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const trees = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 8);

/** User and system CPU ms of a process (/proc/<pid>/stat, fields 14 and 15, in 10 ms ticks). */
function cpu(pid: number): [number, number] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(f[11]) * 10, Number(f[12]) * 10];
}

interface System {
  name: string;
  url: string;
  pid: number;
  req: ReturnType<typeof cxRecording>;
  user: number[];
  sys: number[];
  rps: number[];
}

async function main(): Promise<void> {
  if (!trees.length) {
    process.stderr.write('usage: npx tsx bench/ab-multi.ts <tree>[@flags] … [--rounds=8]\n');
    process.exit(2);
  }
  const sims = await startSims(ROOT, 'http://127.0.0.1:1');
  const t = sims.info.calljourneyToken;
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: t.clientId, client_secret: t.clientSecret, scope: t.scope });
  const token = (await (await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form })).json()) as {
    access_token: string;
  };
  const bearer = `Bearer ${token.access_token}`;
  const hopPort = await freePort();
  const hop = spawnChild(
    'hop',
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench', 'direct-proxy.ts'), String(hopPort), `${sims.info.urls.CALLJOURNEY}${CONVERSATION_EXISTS_PATH}`],
    {
      cwd: ROOT,
      env: { PATH: process.env['PATH'], BENCH_BEARER: bearer, NODE_ENV: 'production' },
    },
  );
  await hop.firstLine();
  const systems: System[] = [
    {
      name: 'minimal Node hop',
      url: `http://127.0.0.1:${hopPort}`,
      pid: hop.pid,
      req: { ...directRecording(HOT_KEY, bearer), path: '/' },
      user: [],
      sys: [],
      rps: [],
    },
  ];
  for (const spec of trees) {
    const [tree, flags] = spec.split('@') as [string, string | undefined];
    const nodeArgs = [...(flags ? flags.split(',') : []), ...(process.env['PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(tree)}/prof`] : [])];
    const cx = await startCxgraph({ root: ROOT, runtime: 'compiled', port: await freePort(), providerEnv: sims.info.env, build: resolve(tree), nodeArgs });
    systems.push({ name: spec, url: cx.url, pid: cx.child.pid, req: cxRecording(HOT_KEY), user: [], sys: [], rps: [] });
  }
  const ok = (body: string) => body.includes('true');
  for (const s of systems) await runLoad({ url: s.url, connections: 50, duration: 2, requests: [s.req], verify: ok });
  for (let i = 0; i < rounds; i++) {
    for (const s of systems) {
      const [u0, k0] = cpu(s.pid);
      const r = await runLoad({ url: s.url, connections: 50, duration: 1.5, requests: [s.req], verify: ok });
      if (r.errors) throw new Error(`${s.name}: ${r.errors} errors, e.g. ${r.firstBadBody}`);
      const [u1, k1] = cpu(s.pid);
      s.user.push((u1 - u0) / r.requests);
      s.sys.push((k1 - k0) / r.requests);
      s.rps.push(r.rps);
    }
  }
  const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
  const total = (s: System) => median(s.user.map((u, i) => u + s.sys[i]!));
  const hopCpu = total(systems[0]!);
  for (const s of systems) {
    process.stdout.write(
      `${s.name.padEnd(36)} CPU ms/request ${total(s).toFixed(3)} (user ${median(s.user).toFixed(3)}, system ${median(s.sys).toFixed(3)}) = ${(total(s) / hopCpu).toFixed(2)} × the hop, ${Math.round(median(s.rps))} req/s\n`,
    );
  }
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
