/**
 * A/B of two compiled cxgraph trees on scenario 1: both run side by side against the same simulators, and short
 * measured runs alternate between them, so whatever else the machine is doing weighs on both alike. Prints the
 * median and lowest CPU ms per request of each. How the optimisations in bench/README.md were measured.
 *
 * A tree is a directory inside this repository (so node_modules resolve) holding `dist/` (tsc output) and a `schema`
 * link, e.g.: mkdir -p bench/.ab/a && ln -s "$PWD/schema" bench/.ab/a/schema &&
 *             npx tsc -p tsconfig.build.json --outDir bench/.ab/a/dist
 * Usage: npx tsx bench/ab.ts bench/.ab/a bench/.ab/b [rounds=10]
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCxgraph } from './lib/cxgraph.js';
import { runLoad } from './lib/load.js';
import { cpuMsOf, freePort, stopAll } from './lib/processes.js';
import { startSims } from './lib/sims.js';
import { cxRecording, HOT_KEY } from './lib/workload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const [a, b, roundsArg] = process.argv.slice(2);
if (!a || !b) {
  process.stderr.write('usage: npx tsx bench/ab.ts <treeA> <treeB> [rounds]\n');
  process.exit(2);
}

async function main(): Promise<void> {
  const sims = await startSims(ROOT, 'http://127.0.0.1:1');
  const start = async (tree: string) =>
    startCxgraph({ root: ROOT, runtime: 'compiled', port: await freePort(), providerEnv: sims.info.env, build: resolve(tree) });
  const systems = [
    { name: a!, cx: await start(a!), cpu: [] as number[] },
    { name: b!, cx: await start(b!), cpu: [] as number[] },
  ];
  const req = cxRecording(HOT_KEY);
  const ok = (body: string) => body.startsWith('{"data":{"recording":{"exists":true');
  for (const s of systems) await runLoad({ url: s.cx.url, connections: 50, duration: 2, requests: [req], verify: ok });
  for (let i = 0; i < Number(roundsArg ?? 10); i++) {
    for (const s of systems) {
      const before = cpuMsOf(s.cx.child.pid);
      const r = await runLoad({ url: s.cx.url, connections: 50, duration: 1.5, requests: [req], verify: ok });
      if (r.errors) throw new Error(`${s.name}: ${r.errors} errors, e.g. ${r.firstBadBody}`);
      s.cpu.push((cpuMsOf(s.cx.child.pid) - before) / r.requests);
    }
  }
  const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
  for (const s of systems) process.stdout.write(`${s.name}: CPU ms/request median ${median(s.cpu).toFixed(3)}, lowest ${Math.min(...s.cpu).toFixed(3)}\n`);
  process.stdout.write(`B − A (medians): ${(median(systems[1]!.cpu) - median(systems[0]!.cpu)).toFixed(3)} ms/request\n`);
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
