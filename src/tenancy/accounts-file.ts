/**
 * The accounts file (CXGRAPH_ACCOUNTS_FILE, YAML or JSON): which accounts each tenant has on each platform. Every
 * account is read by its provider module's own loadConfig, over the settings the file gives it (`clientId` is
 * NVM_CLIENT_ID for a NEWVOICEMEDIA account), so an account is checked exactly as the variables are. Secrets are
 * given as a file (`clientSecretFile: /run/secrets/…`) or the name of a variable (`clientSecretEnv: ACME_SECRET`),
 * and are never shown in a message. docs/tenancy.md has the format with a full example.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { EnvReader, SECRET_VARIABLES, type Env } from '../config/env-reader.js';
import type { ProviderModule } from '../providers/provider-module.js';
import type { ProviderName } from '../domain/provider-name.js';
import { DEFAULT_ACCOUNT, DEFAULT_TENANT, NAME_PATTERN, type AccountRef, type Tenant } from '../domain/tenant.js';

export const ACCOUNTS_FILE_VARIABLE = 'CXGRAPH_ACCOUNTS_FILE';
/** The setting of an account giving its platform rate limit (requests per second). */
export const RATE_LIMIT_SETTING = 'rateLimit';

/** One account, read and checked. */
export interface AccountEntry {
  ref: AccountRef;
  module: ProviderModule;
  /** What the module's loadConfig returned: holds the credentials, never logged. */
  config: unknown;
  /** The account used when a query names none (the provider's only account, or the one marked `default: true`). */
  isDefault: boolean;
  /** `rateLimit`: the platform's limit for this account, requests per second (src/upstream/limits/upstream-limits.ts). */
  rateLimit?: number;
  /** A hash of the settings as read (secrets included, not recoverable): a reload rebuilds an account only when it changed. */
  fingerprint: string;
  /** Each setting as the file gives it, safe to print: a secret's source only (`clientSecretEnv: NAME (set)`), never its value. */
  settings: string[];
}

/** What a file says, checked: tenant → provider → account name → entry. */
export interface AccountsSnapshot {
  readonly tenants: ReadonlyMap<Tenant, ReadonlyMap<ProviderName, ReadonlyMap<string, AccountEntry>>>;
}

export interface Problem {
  variable: string;
  problem: string;
}

export interface ReadOptions {
  modules: readonly ProviderModule[];
  /** The environment `…Env` settings name variables of. */
  env: Env;
  production: boolean;
  /** Providers configured by their variables: they are tenant `default`'s account `default`, which the file cannot redefine. */
  fromVariables: readonly ProviderName[];
  /** Platforms whose accounts come from elsewhere (the PBX: consent), refused in the file. */
  notInFile?: readonly ProviderName[];
}

export type ReadResult = { ok: true; snapshot: AccountsSnapshot } | { ok: false; problems: Problem[] };

/** `NVM_CLIENT_SECRET` → `clientSecret`: the variable without its platform prefix, camelCased. */
export function settingName(variable: string): string {
  const rest = variable.slice(variable.indexOf('_') + 1).toLowerCase();
  return rest.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `a ${typeof v}`);

/** Reads and checks the file at `path`; every problem is collected, none shows a secret. */
export function readAccountsFile(path: string, opts: ReadOptions): ReadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return { ok: false, problems: [{ variable: ACCOUNTS_FILE_VARIABLE, problem: `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})` }] };
  }
  let doc: unknown;
  try {
    doc = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    // The parser's message names a line and column, never more than a short excerpt: safe, but kept short.
    const why = e instanceof Error ? e.message.split('\n')[0]!.slice(0, 200) : 'unreadable';
    return { ok: false, problems: [{ variable: ACCOUNTS_FILE_VARIABLE, problem: `${path} is not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${why}` }] };
  }
  return checkAccounts(doc, opts);
}

/** Checks a parsed document (the file's content). */
export function checkAccounts(doc: unknown, opts: ReadOptions): ReadResult {
  const problems: Problem[] = [];
  const at = (path: string) => `${ACCOUNTS_FILE_VARIABLE} ${path}`;
  const tenants = new Map<Tenant, Map<ProviderName, Map<string, AccountEntry>>>();
  if (!isRecord(doc) || !isRecord(doc.tenants)) {
    return {
      ok: false,
      problems: [
        {
          variable: ACCOUNTS_FILE_VARIABLE,
          problem: `expected a mapping with \`tenants:\` (tenant → provider → account name → settings), got ${isRecord(doc) ? 'no `tenants` mapping' : kind(doc)}`,
        },
      ],
    };
  }
  for (const key of Object.keys(doc))
    if (key !== 'tenants' && key !== 'version') problems.push({ variable: at(key), problem: 'unknown key: expected only `tenants` (and `version`)' });
  const known = opts.modules.map((m) => m.name);
  for (const [tenant, providers] of Object.entries(doc.tenants)) {
    if (!NAME_PATTERN.test(tenant))
      problems.push({
        variable: at(`tenants.${tenant}`),
        problem: 'expected a tenant name of letters, digits, `-` and `_` (at most 63, starting with a letter or digit)',
      });
    if (!isRecord(providers)) {
      problems.push({ variable: at(`tenants.${tenant}`), problem: `expected a mapping of provider (${known.join(', ')}) → accounts, got ${kind(providers)}` });
      continue;
    }
    const byProvider = new Map<ProviderName, Map<string, AccountEntry>>();
    tenants.set(tenant, byProvider);
    for (const [providerKey, accounts] of Object.entries(providers)) {
      const where = `tenants.${tenant}.${providerKey}`;
      const module = opts.modules.find((m) => m.name === providerKey.toUpperCase());
      if (!module) {
        problems.push({ variable: at(where), problem: `expected a provider, one of ${known.join(', ')}` });
        continue;
      }
      if (opts.notInFile?.includes(module.name)) {
        problems.push({
          variable: at(where),
          problem: `${module.title} accounts are not listed here: they connect through consent (beginPbxConnection) and belong to the tenant that began it`,
        });
        continue;
      }
      if (!isRecord(accounts) || Object.keys(accounts).length === 0) {
        problems.push({
          variable: at(where),
          problem: `expected a mapping of account name → settings, got ${isRecord(accounts) ? 'an empty mapping' : kind(accounts)}`,
        });
        continue;
      }
      const byName = new Map<string, AccountEntry>();
      byProvider.set(module.name, byName);
      for (const [account, settings] of Object.entries(accounts)) {
        const path = `${where}.${account}`;
        if (!NAME_PATTERN.test(account))
          problems.push({
            variable: at(path),
            problem: 'expected an account name of letters, digits, `-` and `_` (at most 63, starting with a letter or digit)',
          });
        if (tenant === DEFAULT_TENANT && account === DEFAULT_ACCOUNT && opts.fromVariables.includes(module.name)) {
          problems.push({
            variable: at(path),
            problem: `tenant default's account default of ${module.name} is the one its variables configure (${module.configuredBy}); name this one differently`,
          });
          continue;
        }
        const entry = readAccount({ tenant, provider: module.name, account }, module, settings, at(path), opts, problems);
        if (entry) byName.set(account, entry);
      }
      const marked = [...byName.values()].filter((e) => e.isDefault);
      if (marked.length > 1)
        problems.push({ variable: at(where), problem: `only one account may say \`default: true\`, got ${marked.map((e) => e.ref.account).join(', ')}` });
      if (byName.size === 1 && !(tenant === DEFAULT_TENANT && opts.fromVariables.includes(module.name))) {
        const only = [...byName.values()][0]!;
        only.isDefault = true;
      }
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, snapshot: { tenants } };
}

function readAccount(
  ref: AccountRef,
  module: ProviderModule,
  settings: unknown,
  where: string,
  opts: ReadOptions,
  problems: Problem[],
): AccountEntry | undefined {
  if (!isRecord(settings)) {
    problems.push({ variable: where, problem: `expected a mapping of settings (${module.variables.map(settingName).join(', ')}), got ${kind(settings)}` });
    return undefined;
  }
  const byName = new Map(module.variables.map((v) => [settingName(v), v]));
  const env: Env = {};
  const shown: string[] = [];
  let isDefault = false;
  let rateLimit: number | undefined;
  let bad = false;
  for (const [key, value] of Object.entries(settings)) {
    if (key === 'default') {
      if (typeof value !== 'boolean') problems.push({ variable: `${where}.default`, problem: `expected true or false, got ${kind(value)}` });
      isDefault = value === true;
      continue;
    }
    if (key === RATE_LIMIT_SETTING) {
      // Not a platform variable: cxgraph's own budget for this account (as CXGRAPH_UPSTREAM_RATE_LIMITS counts one).
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 100_000) {
        problems.push({
          variable: `${where}.${key}`,
          problem: `expected requests per second, a whole number from 1 to 100000, got ${typeof value === 'number' || typeof value === 'string' ? JSON.stringify(value) : kind(value)}`,
        });
        bad = true;
      } else {
        rateLimit = value;
        shown.push(`${key}: ${value} requests per second`);
      }
      continue;
    }
    const m = /^(.*?)(File|Env)?$/.exec(key)!;
    const base = m[1]!;
    const via = m[2] as 'File' | 'Env' | undefined;
    const variable = byName.get(base) ?? (module.variables.includes(base) ? base : undefined);
    if (!variable) {
      problems.push({
        variable: `${where}.${key}`,
        problem: `unknown setting for ${module.name}: expected one of ${[...byName.keys()].join(', ')} (any of them as <name>File or <name>Env), default or ${RATE_LIMIT_SETTING}`,
      });
      bad = true;
      continue;
    }
    const secret = SECRET_VARIABLES.test(variable);
    if (typeof value !== 'string' && !(typeof value === 'number' && !secret) && typeof value !== 'boolean') {
      problems.push({ variable: `${where}.${key}`, problem: `expected a string, got ${kind(value)}` });
      bad = true;
      continue;
    }
    const text = String(value);
    if (via === 'File') {
      try {
        env[variable] = readFileSync(text, 'utf8').trim();
        shown.push(`${key}: ${text} (readable)`);
      } catch (e) {
        problems.push({ variable: `${where}.${key}`, problem: `cannot read the file ${text} (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
        bad = true;
      }
    } else if (via === 'Env') {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(text)) {
        problems.push({ variable: `${where}.${key}`, problem: 'expected the name of an environment variable (letters, digits and _)' });
        bad = true;
      } else if (opts.env[text] === undefined || opts.env[text]!.trim() === '') {
        problems.push({ variable: `${where}.${key}`, problem: `the variable ${text} is not set (or blank)` });
        bad = true;
      } else {
        env[variable] = opts.env[text];
        shown.push(`${key}: ${text} (set)${secret ? '' : ` = ${opts.env[text]}`}`);
      }
    } else {
      if (secret && opts.production) {
        problems.push({
          variable: `${where}.${key}`,
          problem: `a secret is not written in the file in production: give ${key}File (a path) or ${key}Env (a variable name)`,
        });
        bad = true;
        continue;
      }
      env[variable] = text;
      shown.push(`${key}: ${secret ? '(written in the file, value hidden)' : text}`);
    }
  }
  if (bad) return undefined;
  const reader = new EnvReader(env);
  const config = module.loadConfig(reader);
  // The module speaks of its variables; the file's reader speaks of settings.
  const say = (s: string) => s.replace(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/g, (v) => (module.variables.includes(v) ? settingName(v) : v));
  for (const p of reader.problems)
    problems.push({ variable: `${where}.${module.variables.includes(p.variable) ? settingName(p.variable) : p.variable}`, problem: say(p.problem) });
  if (reader.problems.length) return undefined;
  if (config === undefined) {
    problems.push({ variable: where, problem: `sets none of the settings that configure ${module.title}: expected ${say(module.configuredBy)}` });
    return undefined;
  }
  // The rate limit is in it too: an account whose limit changed is rebuilt, and its throttle counts the new one.
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([Object.entries(env).sort(), rateLimit ?? null]))
    .digest('base64url')
    .slice(0, 22);
  return { ref, module, config, isDefault, ...(rateLimit !== undefined ? { rateLimit } : {}), fingerprint, settings: shown };
}

/** Every account of a snapshot, in file order. */
export function allAccounts(s: AccountsSnapshot): AccountEntry[] {
  return [...s.tenants.values()].flatMap((p) => [...p.values()].flatMap((a) => [...a.values()]));
}
