/**
 * What a newcomer does: start cxgraph with nothing configured (the embedded default) and query it.
 * Runs the real entry point (src/index.ts) in a child process, as `npm start` does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { graphql } from '../support/harness.js';

/** The environment of a fresh shell: no provider variables, no Redis. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[k]) env[k] = process.env[k];
  return { ...env, ...extra };
}

describe('npm start with nothing configured', () => {
  let child: ChildProcess | undefined;
  let output = '';
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('serves the embedded simulators, says so first, answers a recordings query, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
      env: cleanEnv({ PORT: String(port), HOST: '127.0.0.1' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!output.includes('listening') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    expect(output).toContain('listening');

    // The first log line tells the newcomer this is the embedded default.
    const firstLine = output.split('\n').find((l) => l.trim().startsWith('{')) ?? '';
    expect(firstLine).toMatch(/embedded default|simulator/i);

    const r = await graphql<{ recordings: { filename: string; exists: boolean; callId: string | null }[] }>(
      `http://127.0.0.1:${port}`,
      `
        {
          recordings(
            keys: [
              { company: "acme", organisation: "support", folder: "2024/05/01", filename: "call-0001.wav" }
              { company: "acme", organisation: "support", folder: "2024/05/01", filename: "missing.wav" }
            ]
          ) {
            filename
            exists
            callId
          }
        }
      `,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.recordings).toEqual([
      { filename: 'call-0001.wav', exists: true, callId: expect.any(String) },
      { filename: 'missing.wav', exists: false, callId: null },
    ]);
    const p = await graphql<{ providers: { provider: string; status: string }[] }>(
      `http://127.0.0.1:${port}`,
      '{ providers { provider status connectedAccounts } }',
    );
    // The PBX simulator runs, but no PBX account has been connected yet: said as such, not CONNECTED.
    expect(p.data!.providers).toEqual([
      ...['CALLJOURNEY', 'SANGOMA', 'CLOUDCX', 'NEWVOICEMEDIA'].map((provider) => ({ provider, status: 'CONNECTED', connectedAccounts: null })),
      { provider: 'PBX', status: 'NOT_CONNECTED', connectedAccounts: 0 },
    ]);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 40_000);
});
