/** Accounts files for the tenancy tests: NewVoiceMedia accounts pointed at simulators, written to a fresh folder. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NvmSimulator } from '../../src/simulators/index.js';

/** tenant → provider → account → settings. */
export type Tenants = Record<string, Record<string, Record<string, Record<string, unknown>>>>;

/** A NEWVOICEMEDIA account of the simulator's first client, with `extra` settings (`rateLimit`, `default`…). */
export function nvmAccount(sim: NvmSimulator, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const env = sim.env();
  return { clientId: env.NVM_CLIENT_ID, clientSecret: env.NVM_CLIENT_SECRET, authBaseUrl: env.NVM_AUTH_BASE_URL, apiBaseUrl: env.NVM_API_BASE_URL, ...extra };
}

/** A folder of its own, and a function (re)writing accounts.json in it; returns the file's path. */
export function accountsFile(): { path: string; write(tenants: Tenants): void } {
  const path = join(mkdtempSync(join(tmpdir(), 'cxgraph-accounts-')), 'accounts.json');
  return { path, write: (tenants) => writeFileSync(path, JSON.stringify({ tenants })) };
}
