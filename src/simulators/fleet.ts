/**
 * Many accounts on each platform without a server for each: one simulator per platform (each entry of the list with
 * `createForMany`) that accepts every account's own credentials, and the accounts document (the accounts file's
 * shape, docs/tenancy.md) naming them. For the benchmark of many tenants (bench/lib/tenants.ts) and the tests of
 * many accounts (test/tenancy/). Which platforms take part is the list in ./index.ts: nothing here names one.
 */
import type { CxgraphSide, SimulatorEntry } from './common/simulator-entry.js';
import type { Simulator } from './common/simulator-shell.js';
import { SIMULATORS } from './index.js';

/** One account of the fleet: its tenant, platform (a provider module's name) and name within the two. */
export interface FleetAccount {
  tenant: string;
  provider: string;
  account: string;
}

export interface Fleet {
  /** `{ tenants: { <tenant>: { <PROVIDER>: { <account>: <the provider's variables> } } } }`, secrets inline. */
  accounts: { tenants: Record<string, Record<string, Record<string, Record<string, string>>>> };
  /** The simulator of each platform in the fleet, by provider. */
  sims: Record<string, Simulator>;
  /** Token requests each account made since the start (or the simulators' reset), by the scope asked ('' for none). */
  tokenRequests(): { account: FleetAccount; byScope: Record<string, number> }[];
  stop(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- entries of every simulator type in one list
type AnyEntry = SimulatorEntry<string, any, string>;

/** The providers a fleet can hold: those whose simulator entry makes one instance for many owners. */
export const FLEET_PROVIDERS: readonly string[] = SIMULATORS.filter((e: AnyEntry) => e.createForMany && e.envFor).map((e) => e.provider);

/**
 * Starts the fleet of `accounts` (each provider one of FLEET_PROVIDERS). An account's credentials are those of the
 * owner `<tenant>-<account>`; its token requests are told apart by its client id (the provider's `*_CLIENT_ID`).
 */
export async function startFleet(
  accounts: readonly FleetAccount[],
  host = '127.0.0.1',
  cxgraph: CxgraphSide = { url: 'http://localhost:4001' },
): Promise<Fleet> {
  const owner = (a: FleetAccount) => `${a.tenant}-${a.account}`;
  const entries = new Map<string, AnyEntry>((SIMULATORS as readonly AnyEntry[]).map((e) => [e.provider, e]));
  const byProvider = new Map<string, FleetAccount[]>();
  for (const a of accounts) {
    const entry = entries.get(a.provider);
    if (!entry?.createForMany || !entry.envFor) throw new Error(`no fleet simulator for ${a.provider}: one of ${FLEET_PROVIDERS.join(', ')}`);
    byProvider.set(a.provider, [...(byProvider.get(a.provider) ?? []), a]);
  }
  const sims: Record<string, Simulator> = {};
  for (const [provider, list] of byProvider) sims[provider] = entries.get(provider)!.createForMany!(list.map(owner));
  await Promise.all(Object.values(sims).map((s) => s.start({ host })));

  const document: Fleet['accounts'] = { tenants: {} };
  const byClient = new Map<string, FleetAccount>();
  for (const a of accounts) {
    const env = entries.get(a.provider)!.envFor!(sims[a.provider], owner(a), cxgraph);
    ((document.tenants[a.tenant] ??= {})[a.provider] ??= {})[a.account] = env;
    const clientId = Object.entries(env).find(([k]) => k.endsWith('_CLIENT_ID'))?.[1];
    if (clientId) byClient.set(`${a.provider}\u0000${clientId}`, a);
  }
  return {
    accounts: document,
    sims,
    tokenRequests() {
      const found = new Map<FleetAccount, Record<string, number>>(accounts.map((a) => [a, {}]));
      for (const [provider, sim] of Object.entries(sims)) {
        for (const [key, n] of Object.entries(sim.server.tokenRequestsByClient())) {
          const space = key.indexOf(' ');
          const [client, scope] = space < 0 ? [key, ''] : [key.slice(0, space), key.slice(space + 1)];
          const account = byClient.get(`${provider}\u0000${client}`);
          if (account) found.get(account)![scope] = (found.get(account)![scope] ?? 0) + n;
        }
      }
      return [...found].map(([account, byScope]) => ({ account, byScope }));
    },
    async stop() {
      await Promise.all(Object.values(sims).map((s) => s.stop()));
    },
  };
}
