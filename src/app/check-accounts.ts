/**
 * `npm start -- --check-accounts` (docs/tenancy.md): what every account of a configuration that loaded resolves to,
 * as lines for the operator: tenant, platform, account name, the non-secret settings and, for each secret, only where
 * it comes from. Checking itself is loadConfig's (the same messages as start-up); this only says what it found.
 */
import { SECRET_VARIABLES, type Env } from '../config/env-reader.js';
import { DEFAULT_ACCOUNT, DEFAULT_TENANT } from '../domain/tenant.js';
import { allAccounts } from '../tenancy/accounts-file.js';
import type { Config } from './config.js';

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function described(d: Record<string, unknown>): string[] {
  return Object.entries(d)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${show(v)}`);
}

export function accountsReport(config: Readonly<Config>, env: Env): string {
  const lines: string[] = [];
  const file = config.tenancy.accountsFile;
  lines.push(file ? `accounts file ${file.path}: valid` : 'CXGRAPH_ACCOUNTS_FILE is not set: only the variables configure accounts');
  const accounts: string[] = [];
  for (const p of config.providers) {
    accounts.push(`${DEFAULT_TENANT} / ${p.module.name} / ${DEFAULT_ACCOUNT} (from its variables)`);
    for (const v of p.module.variables) {
      const value = env[v];
      if (value === undefined || value.trim() === '') continue;
      accounts.push(`    ${v}: ${SECRET_VARIABLES.test(v) ? '(set)' : value}`);
    }
    for (const line of described(p.module.describe(p.config))) accounts.push(`    resolves to ${line}`);
  }
  for (const a of file ? allAccounts(file.snapshot) : []) {
    accounts.push(`${a.ref.tenant} / ${a.ref.provider} / ${a.ref.account}${a.isDefault ? ' (default)' : ''}`);
    for (const s of a.settings) accounts.push(`    ${s}`);
    for (const line of described(a.module.describe(a.config))) accounts.push(`    resolves to ${line}`);
  }
  if (accounts.length === 0)
    lines.push(config.embeddedSimulators ? 'no account is configured: `npm start` would serve the built-in simulators' : 'no account is configured');
  else
    lines.push(
      `${new Set(accounts.filter((l) => !l.startsWith(' ')).map((l) => l.split(' / ')[0])).size} tenant(s), ${accounts.filter((l) => !l.startsWith(' ')).length} account(s):`,
      ...accounts,
    );
  return `${lines.join('\n')}\n`;
}
