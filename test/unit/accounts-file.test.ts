/** The accounts file: checked at start like the variables, secrets by file or variable name, reloaded without a restart. */
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { PROVIDERS } from '../../src/providers/index.js';
import { AccountsSource } from '../../src/tenancy/accounts-source.js';
import { LogCapture } from '../support/log-capture.js';

const SECRET = 'S3cr3t-never-shown-0123456789';
const dir = () => mkdtempSync(join(tmpdir(), 'cxgraph-accounts-'));

function fileWith(text: string, name = 'accounts.yaml'): string {
  const d = dir();
  const p = join(d, name);
  writeFileSync(p, text);
  return p;
}

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const TWO_TENANTS = (secretFile: string) => `
tenants:
  acme:
    NEWVOICEMEDIA:
      emea:
        region: emea
        clientId: acme-emea
        clientSecretFile: ${secretFile}
      nam:
        default: true
        region: nam
        clientId: acme-nam
        clientSecretEnv: ACME_NAM_SECRET
  globex:
    CLOUDCX:
      main:
        baseUrl: https://globex.cloudcx.example
        apiKeyEnv: GLOBEX_KEY
`;

describe('accounts file', () => {
  it('reads each account through its provider module, secrets from a file or a variable', () => {
    const secretFile = fileWith(`${SECRET}\n`, 'secret');
    const path = fileWith(TWO_TENANTS(secretFile));
    const c = loadConfig({
      CXGRAPH_ACCOUNTS_FILE: path,
      CXGRAPH_ROUTER_SECRET: 'r'.repeat(32),
      CXGRAPH_TENANT_HEADER: 'X-Tenant-Id',
      ACME_NAM_SECRET: 'nam-secret',
      GLOBEX_KEY: 'k',
    });
    expect(c.tenancy.multiTenant).toBe(true);
    expect(c.tenancy.header).toBe('x-tenant-id');
    const acme = c.tenancy.accountsFile!.snapshot.tenants.get('acme')!.get('NEWVOICEMEDIA')!;
    expect(acme.get('emea')!.config).toMatchObject({
      region: 'emea',
      clientId: 'acme-emea',
      clientSecret: SECRET,
      apiBaseUrl: 'https://emea.api.newvoicemedia.com',
    });
    expect(acme.get('nam')!.config).toMatchObject({ region: 'nam', clientSecret: 'nam-secret' });
    expect([acme.get('emea')!.isDefault, acme.get('nam')!.isDefault]).toEqual([false, true]);
    // The only account of a provider is its default.
    expect(c.tenancy.accountsFile!.snapshot.tenants.get('globex')!.get('CLOUDCX')!.get('main')!.isDefault).toBe(true);
    // An accounts file counts as configured: no embedded simulators.
    expect(c.embeddedSimulators).toBe(false);
  });

  it('says what was expected and what came, per setting, and never shows a secret', () => {
    const path = fileWith(`
tenants:
  acme:
    NEWVOICEMEDIA:
      emea:
        region: mars
        clientId: x
        clientSecret: ${SECRET}
        colour: blue
      nam:
        clientId: y
        clientSecretEnv: NOT_SET_ANYWHERE
        clientSecretFile: /nonexistent/secret
    ACME:
      a: {}
    PBX:
      one: {}
  "bad name!":
    CLOUDCX: []
`);
    const msg = problemsOf({
      NODE_ENV: 'production',
      CXGRAPH_AUTH: 'router-secret',
      CXGRAPH_ROUTER_SECRET: 'r'.repeat(32),
      CXGRAPH_TENANT_HEADER: 'x-tenant',
      CXGRAPH_ACCOUNTS_FILE: path,
    });
    expect(msg).toContain(
      'CXGRAPH_ACCOUNTS_FILE tenants.acme.NEWVOICEMEDIA.emea.colour: unknown setting for NEWVOICEMEDIA: expected one of region, clientId, clientSecret',
    );
    expect(msg).toContain(
      'tenants.acme.NEWVOICEMEDIA.emea.clientSecret: a secret is not written in the file in production: give clientSecretFile (a path) or clientSecretEnv (a variable name)',
    );
    expect(msg).toContain('tenants.acme.NEWVOICEMEDIA.nam.clientSecretEnv: the variable NOT_SET_ANYWHERE is not set (or blank)');
    expect(msg).toContain('tenants.acme.NEWVOICEMEDIA.nam.clientSecretFile: cannot read the file /nonexistent/secret (ENOENT)');
    expect(msg).toContain('tenants.acme.ACME: expected a provider, one of CALLJOURNEY, SANGOMA, CLOUDCX, NEWVOICEMEDIA, PBX');
    expect(msg).toContain('tenants.acme.PBX: Telphin PBX accounts are not listed here');
    expect(msg).toContain('tenants.bad name!: expected a tenant name');
    expect(msg).not.toContain(SECRET);

    const region = problemsOf({
      CXGRAPH_AUTH: 'router-secret',
      CXGRAPH_ROUTER_SECRET: 'r'.repeat(32),
      CXGRAPH_TENANT_HEADER: 'x-tenant',
      CXGRAPH_ACCOUNTS_FILE: fileWith('tenants:\n  a:\n    NEWVOICEMEDIA:\n      x:\n        region: mars\n        clientId: i\n        clientSecret: s\n'),
    });
    expect(region).toContain('tenants.a.NEWVOICEMEDIA.x.region: expected one of emea, nam, apac, got "mars"');
    const partial = problemsOf({
      CXGRAPH_AUTH: 'router-secret',
      CXGRAPH_ROUTER_SECRET: 'r'.repeat(32),
      CXGRAPH_TENANT_HEADER: 'x-tenant',
      CXGRAPH_ACCOUNTS_FILE: fileWith('tenants:\n  a:\n    NEWVOICEMEDIA:\n      x:\n        clientId: i\n'),
    });
    expect(partial).toContain('tenants.a.NEWVOICEMEDIA.x.clientSecret: required for NewVoiceMedia because clientId is set');
  });

  it('refuses a file that is not YAML, not there, or names tenants no request could name', () => {
    expect(problemsOf({ CXGRAPH_ACCOUNTS_FILE: fileWith('tenants: [unclosed') })).toMatch(/accounts\.yaml is not valid YAML: /);
    expect(problemsOf({ CXGRAPH_ACCOUNTS_FILE: '/nonexistent/accounts.json' })).toContain(
      'CXGRAPH_ACCOUNTS_FILE: cannot read /nonexistent/accounts.json (ENOENT)',
    );
    expect(
      problemsOf({ CXGRAPH_ACCOUNTS_FILE: fileWith('{"tenants": {"acme": {"CLOUDCX": {"a": {"baseUrl": "https://x.example", "apiKey": "k"}}}}}', 'a.json') }),
    ).toContain(
      'names tenants other than default (acme), but requests cannot say which tenant they act for: set CXGRAPH_TENANT_CLAIM (CXGRAPH_AUTH=jwt) or CXGRAPH_TENANT_HEADER (CXGRAPH_AUTH=router-secret)',
    );
    expect(problemsOf({ CXGRAPH_TENANT_HEADER: 'x-tenant' })).toContain(
      'CXGRAPH_TENANT_HEADER: is trusted only from a router that proves itself, so it needs CXGRAPH_AUTH=router-secret (it is none)',
    );
    expect(problemsOf({ CXGRAPH_AUTH: 'router-secret', CXGRAPH_ROUTER_SECRET: 'r'.repeat(32), CXGRAPH_TENANT_CLAIM: 'org_id' })).toContain(
      "CXGRAPH_TENANT_CLAIM: names a claim of the caller's JWT, so it needs CXGRAPH_AUTH=jwt",
    );
  });

  it('tenant default keeps the account its variables configure; the file adds others beside it', () => {
    const path = fileWith('tenants:\n  default:\n    CLOUDCX:\n      default:\n        baseUrl: https://x.example\n        apiKey: k\n');
    expect(problemsOf({ CXGRAPH_ACCOUNTS_FILE: path, CLOUDCX_BASE_URL: 'https://y.example', CLOUDCX_API_KEY: 'k' })).toContain(
      "tenants.default.CLOUDCX.default: tenant default's account default of CLOUDCX is the one its variables configure",
    );
    const ok = loadConfig({
      CXGRAPH_ACCOUNTS_FILE: fileWith('tenants:\n  default:\n    CLOUDCX:\n      brand-b:\n        baseUrl: https://x.example\n        apiKey: k\n'),
      CLOUDCX_BASE_URL: 'https://y.example',
      CLOUDCX_API_KEY: 'k',
    });
    // The variables' account stays the default when the file adds a second one.
    expect(ok.tenancy.accountsFile!.snapshot.tenants.get('default')!.get('CLOUDCX')!.get('brand-b')!.isDefault).toBe(false);
    expect(ok.tenancy.multiTenant).toBe(false);
  });

  it('reloads on change and on SIGHUP; a bad file keeps the last good one and the log says why, without the secret', async () => {
    const d = dir();
    const path = join(d, 'accounts.yaml');
    const account = (id: string) => `tenants:\n  default:\n    CLOUDCX:\n      main:\n        baseUrl: https://x.example\n        apiKey: ${id}\n`;
    writeFileSync(path, account('key-one'));
    const c = loadConfig({ CXGRAPH_ACCOUNTS_FILE: path });
    const logs = new LogCapture();
    const source = new AccountsSource(c.tenancy.accountsFile!.snapshot, {
      path,
      logger: logs.logger,
      modules: PROVIDERS,
      env: {},
      production: false,
      fromVariables: [],
      debounceMs: 20,
    });
    const seen: string[] = [];
    source.onChange((s) => seen.push((s.tenants.get('default')!.get('CLOUDCX')!.get('main')!.config as { auth: { apiKey: string } }).auth.apiKey));
    source.start();
    try {
      // An atomic replace, as a Kubernetes Secret update or an editor does it.
      writeFileSync(join(d, 'next'), account('key-two'));
      renameSync(join(d, 'next'), path);
      await expect.poll(() => seen, { timeout: 3000 }).toEqual(['key-two']);

      writeFileSync(path, `tenants:\n  default:\n    CLOUDCX:\n      main:\n        baseUrl: ftp://nowhere\n        apiKey: ${SECRET}\n`);
      await expect.poll(() => logs.text, { timeout: 3000 }).toContain('accounts file not reloaded (1 problem): keeping the last good one');
      expect(logs.text).toContain('tenants.default.CLOUDCX.main.baseUrl: must be https://');
      expect(logs.text).not.toContain(SECRET);
      expect((source.snapshot.tenants.get('default')!.get('CLOUDCX')!.get('main')!.config as { auth: { apiKey: string } }).auth.apiKey).toBe('key-two');

      writeFileSync(path, account('key-three'));
      process.kill(process.pid, 'SIGHUP');
      await expect.poll(() => seen.at(-1), { timeout: 3000 }).toBe('key-three');
    } finally {
      source.stop();
    }
  });
});
