/**
 * Tenancy (docs/tenancy.md): where a request's tenant comes from (CXGRAPH_TENANT_CLAIM in jwt mode,
 * CXGRAPH_TENANT_HEADER in router-secret mode) and the accounts file (CXGRAPH_ACCOUNTS_FILE). Unset, cxgraph is
 * single-tenant exactly as before: every request acts for tenant `default`, whose accounts are the variables'.
 */
import type { ProviderModule } from '../providers/provider-module.js';
import type { ProviderName } from '../domain/provider-name.js';
import { DEFAULT_TENANT } from '../domain/tenant.js';
import { ACCOUNTS_FILE_VARIABLE, checkAccounts, readAccountsFile, type AccountsSnapshot } from './accounts-file.js';
import type { CallerAuthConfig } from '../config/caller-auth-config.js';
import type { Env, EnvReader, NodeEnv } from '../config/env-reader.js';

export interface TenancyConfig {
  /** True when requests name their tenant (a claim or a header is configured); then one without a tenant is refused. */
  multiTenant: boolean;
  /** CXGRAPH_TENANT_CLAIM: the JWT claim holding the tenant (jwt mode). */
  claim?: string;
  /** CXGRAPH_TENANT_HEADER: the header the router sets from the verified token (router-secret mode), lower-case. */
  header?: string;
  /**
   * CXGRAPH_ACCOUNTS_FILE and what it said at start. `builtIn`: not a file but the demo tenant's accounts
   * (CXGRAPH_SIMULATORS=multi-tenant), held in memory: nothing to watch or reload, `path` only names it.
   */
  accountsFile?: { path: string; snapshot: AccountsSnapshot; builtIn?: boolean };
  /** CXGRAPH_SIMULATORS=multi-tenant: the second demo tenant beside `default` (the Sandbox page offers the header). */
  demoTenant?: string;
}

/** The second tenant of CXGRAPH_SIMULATORS=multi-tenant, beside `default`. */
export const DEMO_TENANT = 'demo-b';
/** The tenant header of CXGRAPH_SIMULATORS=multi-tenant unless CXGRAPH_TENANT_HEADER (or _CLAIM) says otherwise. */
export const DEMO_TENANT_HEADER = 'x-tenant-id';

/** Providers whose accounts are not listed in the file (they connect through consent). */
export const CONSENT_PROVIDERS: readonly ProviderName[] = ['PBX'];

export function tenancyOf(
  r: EnvReader,
  env: Env,
  opts: {
    nodeEnv: NodeEnv;
    auth: CallerAuthConfig;
    modules: readonly ProviderModule[];
    fromVariables: readonly ProviderName[];
    /**
     * CXGRAPH_SIMULATORS=multi-tenant (never in production: src/app/config.ts refuses it there), and the demo tenant's
     * accounts document once its simulators have started (src/simulators/embedded.ts).
     */
    demo?: { accounts?: unknown };
  },
): TenancyConfig {
  const claim = r.str('CXGRAPH_TENANT_CLAIM');
  const demo = opts.demo !== undefined && opts.nodeEnv !== 'production';
  // The demo needs a tenant from somewhere: a header, unless the operator named a claim or a header of their own.
  const header = r.str('CXGRAPH_TENANT_HEADER')?.toLowerCase() ?? (demo && claim === undefined && opts.auth.mode !== 'jwt' ? DEMO_TENANT_HEADER : undefined);
  if (claim !== undefined) {
    if (!/^[A-Za-z_][\w.:/-]{0,127}$/.test(claim))
      r.fail('CXGRAPH_TENANT_CLAIM', `expected a JWT claim name such as org_id or tid, got ${r.shown('CXGRAPH_TENANT_CLAIM', claim)}`);
    if (opts.auth.mode !== 'jwt')
      r.fail(
        'CXGRAPH_TENANT_CLAIM',
        `names a claim of the caller's JWT, so it needs CXGRAPH_AUTH=jwt (it is ${opts.auth.mode}); with a router, use CXGRAPH_TENANT_HEADER`,
      );
  }
  if (header !== undefined) {
    if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(header))
      r.fail('CXGRAPH_TENANT_HEADER', `expected an HTTP header name such as x-tenant-id, got ${r.shown('CXGRAPH_TENANT_HEADER', header)}`);
    // The demo with CXGRAPH_AUTH=none: the header is the caller's word, as good as anything anonymous on simulated data.
    if (opts.auth.mode !== 'router-secret' && !(demo && opts.auth.mode === 'none')) {
      r.fail(
        'CXGRAPH_TENANT_HEADER',
        `is trusted only from a router that proves itself, so it needs CXGRAPH_AUTH=router-secret (it is ${opts.auth.mode})${opts.auth.mode === 'jwt' ? '; in jwt mode use CXGRAPH_TENANT_CLAIM' : ''}`,
      );
    }
  }
  if (claim !== undefined && header !== undefined)
    r.fail('CXGRAPH_TENANT_HEADER', 'set CXGRAPH_TENANT_CLAIM (jwt) or CXGRAPH_TENANT_HEADER (router-secret), not both');
  const multiTenant = claim !== undefined || header !== undefined;
  if (demo && !multiTenant)
    r.fail('CXGRAPH_TENANT_CLAIM', 'CXGRAPH_SIMULATORS=multi-tenant with CXGRAPH_AUTH=jwt needs the claim that names the tenant (e.g. org_id)');

  const path = r.str(ACCOUNTS_FILE_VARIABLE);
  let accountsFile: TenancyConfig['accountsFile'];
  if (demo && path !== undefined) {
    r.fail(ACCOUNTS_FILE_VARIABLE, `CXGRAPH_SIMULATORS=multi-tenant brings its own demo accounts (tenant ${DEMO_TENANT}): unset one of the two`);
  } else if (demo && opts.demo?.accounts !== undefined) {
    const read = checkAccounts(opts.demo.accounts, {
      modules: opts.modules,
      env,
      production: false,
      fromVariables: opts.fromVariables,
      notInFile: CONSENT_PROVIDERS,
    });
    if (!read.ok) for (const p of read.problems) r.fail(p.variable, p.problem);
    else accountsFile = { path: `(built in: CXGRAPH_SIMULATORS=multi-tenant, tenant ${DEMO_TENANT})`, snapshot: read.snapshot, builtIn: true };
  } else if (path !== undefined) {
    const read = readAccountsFile(path, {
      modules: opts.modules,
      env,
      production: opts.nodeEnv === 'production',
      fromVariables: opts.fromVariables,
      notInFile: CONSENT_PROVIDERS,
    });
    if (!read.ok) for (const p of read.problems) r.fail(p.variable, p.problem);
    else {
      accountsFile = { path, snapshot: read.snapshot };
      const others = [...read.snapshot.tenants.keys()].filter((t) => t !== DEFAULT_TENANT);
      if (others.length && !multiTenant) {
        r.fail(
          ACCOUNTS_FILE_VARIABLE,
          `names tenants other than default (${others.slice(0, 5).join(', ')}${others.length > 5 ? ', …' : ''}), but requests cannot say which tenant they act for: set CXGRAPH_TENANT_CLAIM (CXGRAPH_AUTH=jwt) or CXGRAPH_TENANT_HEADER (CXGRAPH_AUTH=router-secret)`,
        );
      }
    }
  }
  return { multiTenant, claim, header, accountsFile, ...(demo ? { demoTenant: DEMO_TENANT } : {}) };
}
