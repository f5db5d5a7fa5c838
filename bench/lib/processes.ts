/**
 * Child processes of the benchmark (simulators, cxgraph, Hive Gateway) and what is read of them: their first
 * stdout line, their resident memory from /proc, free ports. Every child is tracked so a failed run still
 * stops all of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** performance.now() just before spawn(), for cold-start timing. */
  readonly spawnedAt: number;
  /** The last lines the child wrote to stderr (and stdout after the first line), for error messages. */
  tail(): string;
  /** Resolves with the first line the child writes to stdout. */
  firstLine(): Promise<string>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<Child>();

export function spawnChild(name: string, command: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string }): Child {
  const spawnedAt = performance.now();
  const proc = spawn(command, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  if (proc.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  const lines: string[] = [];
  const remember = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(line);
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  let buffered = '';
  let resolveFirst: ((line: string) => void) | undefined;
  let rejectFirst: ((e: Error) => void) | undefined;
  const first = new Promise<string>((resolve, reject) => {
    resolveFirst = resolve;
    rejectFirst = reject;
  });
  first.catch(() => undefined); // observed by firstLine() callers only
  proc.stdout!.on('data', (chunk: Buffer) => {
    if (resolveFirst) {
      buffered += chunk.toString('utf8');
      const nl = buffered.indexOf('\n');
      if (nl >= 0) {
        const line = buffered.slice(0, nl);
        resolveFirst(line);
        resolveFirst = undefined;
        remember(Buffer.from(buffered.slice(nl + 1)));
      }
    } else remember(chunk);
  });
  proc.stderr!.on('data', remember);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.once('exit', (code, signal) => {
    running.delete(child);
    rejectFirst?.(new Error(`${name} exited (${signal ?? code}) before writing a line:\n${lines.join('\n')}`));
  });
  const child: Child = {
    name,
    proc,
    pid: proc.pid,
    spawnedAt,
    tail: () => lines.join('\n'),
    firstLine: () => first,
    async stop(graceMs = 5_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(child);
  return child;
}

/** Stops every child still running (on the way out, whatever happened). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop(2_000)));
}

export interface Memory {
  /** Resident set size now, MB. */
  rssMb: number;
  /** Peak resident set size since start or the last resetPeak(), MB. */
  peakMb: number;
}

export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/**
 * CPU time (user + system) the process has used, in ms, from /proc/<pid>/stat (fields 14 and 15, in clock ticks
 * of 10 ms on Linux). CPU per request is what the other processes on a busy machine cannot distort.
 */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields from the ')' that closes it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Resets the kernel's peak-RSS mark of a process we own (proc(5), clear_refs value 5), so peaks are per scenario. */
export function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not permitted here: the peak then counts from the process start, which only overstates it.
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `probe` every `everyMs` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 5): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  while (performance.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}
