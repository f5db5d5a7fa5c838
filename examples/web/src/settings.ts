/**
 * What this deployment of the app needs to know beyond cxgraph's schema. Each has a VITE_* variable (Vite reads
 * them from the environment or a .env file at build time); the defaults fit the built-in simulators, which is
 * what `npm run example` serves.
 */
const env = import.meta.env;

/**
 * cxgraph's CXGRAPH_SCHEMA_PREFIX where the app talks to it (a supergraph's router, e.g. `Cx`); empty when cxgraph
 * serves its names as written. The one setting for a frontend behind the router: the app's documents, cache policies
 * and persisted-query manifest follow it (src/cxgraph/prefix.ts).
 */
export const CXGRAPH_PREFIX: string = env.VITE_CXGRAPH_PREFIX || '';

/** The GraphQL endpoint: cxgraph's `/`, on this origin (Vite's dev server proxies it to cxgraph). */
export const GRAPHQL_URL: string = env.VITE_CXGRAPH_URL || '/';

/**
 * The first day of the week of calls the first page shows. Unset: the last seven days. The simulators' sample calls
 * are from the week of 1 May 2024, so `npm run example` sets it to 2024-05-01.
 */
export function defaultCallsWeek(now = new Date()): string {
  if (env.VITE_CALLS_WEEK_OF) return env.VITE_CALLS_WEEK_OF;
  return new Date(now.getTime() - 6 * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Where the calls' recordings are filed in CallJourney (`Call.recording(key:)`): the company, organisation and folder
 * your CallJourney tenant files them under. The simulator's sample holds `call-0001.wav` and `call-0002.wav` in
 * acme / support / 2024/05/01, the files of two of NewVoiceMedia's sample calls.
 */
export const RECORDING_FILED_UNDER = {
  company: env.VITE_CALLJOURNEY_COMPANY || 'acme',
  organisation: env.VITE_CALLJOURNEY_ORGANISATION || 'support',
  folder: env.VITE_CALLJOURNEY_FOLDER || '2024/05/01',
};

/**
 * The tenants the app may act for, comma-separated (VITE_CXGRAPH_TENANTS), and the header naming the one chosen
 * (VITE_CXGRAPH_TENANT_HEADER, default x-tenant-id). Unset: one tenant, no header, no switcher. For the two demo
 * tenants of CXGRAPH_SIMULATORS=multi-tenant (`npm run example` sets them). Behind a router the tenant comes from the
 * user's verified token, never from the browser: these are for the local demo.
 */
export const TENANTS: readonly string[] = (env.VITE_CXGRAPH_TENANTS || '')
  .split(',')
  .map((t) => t.trim())
  .filter(Boolean);
export const TENANT_HEADER: string = env.VITE_CXGRAPH_TENANT_HEADER || 'x-tenant-id';
const TENANT_KEY = 'cxgraph-example-tenant';

/** The tenant chosen last in this browser (one of TENANTS), else the first; undefined without TENANTS. */
export function currentTenant(): string | undefined {
  const saved = globalThis.localStorage?.getItem(TENANT_KEY);
  return saved && TENANTS.includes(saved) ? saved : TENANTS[0];
}

/** Acts for `tenant` from now on: the page loads again, so nothing cached for the other tenant is shown. */
export function chooseTenant(tenant: string): void {
  localStorage.setItem(TENANT_KEY, tenant);
  location.reload();
}

/** Calls listed per platform on a page (the first, and each "Show more calls"). */
export const CALLS_PER_PLATFORM = 12;
