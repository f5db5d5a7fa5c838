/**
 * `npm start -- --check-accounts` as an operator runs it: the accounts file checked without starting the server,
 * every account printed with what it resolves to and where each secret comes from — never a secret's value — exit 0;
 * a bad file exits 2 naming the setting, with start-up's message.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEntryPoint } from '../support/run-to-exit.js';

const STACK_LINE = /^\s+at .+[:(]/m;
const SECRETS = { file: 'file-secret-Zq81', nam: 'env-secret-Kx42', globex: 'globex-key-Pw77' };

const check = (env: Record<string, string>) => runEntryPoint(['--check-accounts'], env);

// Three processes of tsx, side by side (each test given the time of a few of them on a loaded machine).
describe.concurrent('npm start -- --check-accounts', { timeout: 90_000 }, () => {
  let dir = '';
  let env: Record<string, string> = {};
  const accounts = (region: string) => `tenants:
  acme:
    NEWVOICEMEDIA:
      emea:
        default: true
        region: ${region}
        clientId: acme-emea
        clientSecretFile: ${join(dir, 'nvm-emea')}
      nam:
        region: nam
        clientId: acme-nam
        clientSecretEnv: ACME_NVM_NAM_SECRET
  globex:
    CLOUDCX:
      brand-b:
        baseUrl: https://cx.globex.example:9001
        apiKeyEnv: GLOBEX_CLOUDCX_KEY
`;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cxgraph-check-'));
    writeFileSync(join(dir, 'nvm-emea'), `${SECRETS.file}\n`);
    writeFileSync(join(dir, 'good.yaml'), accounts('emea'));
    writeFileSync(join(dir, 'bad.yaml'), accounts('mars'));
    env = {
      CXGRAPH_AUTH: 'router-secret',
      CXGRAPH_ROUTER_SECRET: 'r'.repeat(40),
      CXGRAPH_TENANT_HEADER: 'x-tenant-id',
      ACME_NVM_NAM_SECRET: SECRETS.nam,
      GLOBEX_CLOUDCX_KEY: SECRETS.globex,
    };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints every account of two tenants, where each secret comes from and never its value, and exits 0', async () => {
    const r = await check({ ...env, CXGRAPH_ACCOUNTS_FILE: join(dir, 'good.yaml') });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`accounts file ${join(dir, 'good.yaml')}: valid`);
    expect(r.stdout).toContain('2 tenant(s), 3 account(s):');
    expect(r.stdout).toMatch(/^acme \/ NEWVOICEMEDIA \/ emea \(default\)\n {4}region: emea\n {4}clientId: acme-emea\n/m);
    expect(r.stdout).toContain(`clientSecretFile: ${join(dir, 'nvm-emea')} (readable)`);
    expect(r.stdout).toContain('resolves to apiBaseUrl: https://emea.api.newvoicemedia.com');
    expect(r.stdout).toMatch(/^acme \/ NEWVOICEMEDIA \/ nam\n/m);
    expect(r.stdout).toContain('clientSecretEnv: ACME_NVM_NAM_SECRET (set)');
    expect(r.stdout).toMatch(/^globex \/ CLOUDCX \/ brand-b \(default\)\n/m);
    expect(r.stdout).toContain('resolves to baseUrl: https://cx.globex.example:9001');
    expect(r.stdout).toContain('apiKeyEnv: GLOBEX_CLOUDCX_KEY (set)');
    // Nothing was started.
    expect(r.stdout).not.toMatch(/listening on/);
    for (const secret of [...Object.values(SECRETS), env.CXGRAPH_ROUTER_SECRET!]) {
      expect(r.stdout).not.toContain(secret);
      expect(r.stderr).not.toContain(secret);
    }
  });

  it('exits 2 on a bad file naming the setting, as start-up does, without a stack trace or a secret', async () => {
    const r = await check({ ...env, CXGRAPH_ACCOUNTS_FILE: join(dir, 'bad.yaml') });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^cxgraph: /);
    expect(r.stderr).toMatch(/CXGRAPH_ACCOUNTS_FILE tenants\.acme\.NEWVOICEMEDIA\.emea\.region: expected one of emea, nam, apac, got "mars"/);
    expect(r.stderr).not.toMatch(STACK_LINE);
    for (const secret of Object.values(SECRETS)) expect(r.stderr).not.toContain(secret);
  });

  it('without an accounts file, checks the variables and prints their account', async () => {
    const r = await check({ NVM_REGION: 'emea', NVM_CLIENT_ID: 'ours', NVM_CLIENT_SECRET: SECRETS.nam });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('CXGRAPH_ACCOUNTS_FILE is not set');
    expect(r.stdout).toMatch(/^default \/ NEWVOICEMEDIA \/ default \(from its variables\)\n/m);
    expect(r.stdout).toContain('NVM_CLIENT_SECRET: (set)');
    expect(r.stdout).not.toContain(SECRETS.nam);
    expect(r.stderr).not.toContain(SECRETS.nam);
  });
});
