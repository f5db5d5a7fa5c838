/**
 * Runs a command from the repository's root to its end and returns what it printed and its exit status. Its
 * environment is PATH and HOME of this one and `env` — nothing else of the test run leaks into the configuration
 * it reads. Killed after `timeoutMs`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runToExit(command: string, args: readonly string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', npm_config_update_notifier: 'false', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The server's entry point under tsx, as `npm start` runs it. */
export const runEntryPoint = (args: readonly string[], env: Record<string, string> = {}, timeoutMs?: number): Promise<Ran> =>
  runToExit(process.execPath, ['--import', 'tsx', 'src/index.ts', ...args], env, timeoutMs);
