/**
 * The isolation world's PBX fixture (`pbx`, in PLATFORMS of isolation-world.ts; docs/tenancy.md, "PBX accounts"), and
 * the ids of its data, which the contract's cases ask for (isolation-contract.ts).
 */
import { randomUUID } from 'node:crypto';
import { consent, type SimExchange } from '../../src/simulators/index.js';
import type { PbxSimCall, PbxSimExtension, PbxSimUser } from '../../src/simulators/pbx/data.js';
import { PbxSim } from '../../src/simulators/pbx/simulator.js';
import type { AccountSim, PlatformFixture, World, WorldAccount } from './isolation-world.js';

/** The PBX's accounts: each tenant's one, `default`; tenant default's is the instance the variables configure. */
const PBX_ACCOUNTS: readonly WorldAccount[] = (['acme', 'globex', 'default'] as const).map((tenant, i) => ({
  tenant,
  account: 'default',
  label: `${tenant}-pbx`,
  index: 6 + i,
  isDefault: true,
  ...(tenant === 'default' ? { viaVariables: true } : {}),
}));
/** Each PBX account's PBX client (its users, extensions and calls) and how many of its users it connects. */
const PBX_CLIENTS: Readonly<Record<string, { client: number; users: number }>> = {
  'acme-pbx': { client: 71, users: 2 },
  'globex-pbx': { client: 82, users: 1 },
  'default-pbx': { client: 93, users: 1 },
};
const SPARE = 9;
/** A label's PBX client; 99 for any other label, so that the ids below are well-formed and nobody's. */
const pbxClientOf = (label: string) => PBX_CLIENTS[label]?.client ?? 99;
/** PBX user `n` of the account labelled `label` (a PbxAccount's id); PBX ids are numbers. */
export const pbxUserId = (label: string, n = 1) => String(pbxClientOf(label) * 100 + n);
/** Its phone extension `n` (an Agent's id). */
export const pbxExtensionId = (label: string, n = 1) => String(pbxClientOf(label) * 10_000 + n);
/** A number as a marker: as a whole token, not inside another number, an id or a signature. */
const wholeToken = (s: string) => new RegExp(`(?<![A-Za-z0-9_-])${s}(?![A-Za-z0-9_-])`);

/** One PBX account's users (those it connects, then its spare), extensions and calls, each named with its label. */
function pbxData(a: WorldAccount) {
  const client = pbxClientOf(a.label);
  const user = (n: number): PbxSimUser => ({
    id: Number(pbxUserId(a.label, n)),
    login: `${a.label}-user-${n}`,
    admin: false,
    access: 'full',
    client_id: client,
    dealer_id: null,
    extension_group_id: null,
    extension_id: null,
    timezone: 'Europe/Moscow',
  });
  const connects = PBX_CLIENTS[a.label]!.users;
  const users = [...Array.from({ length: connects }, (_, i) => user(i + 1)), user(SPARE)];
  const extensions: PbxSimExtension[] = [1, 2].map((n) => ({
    id: Number(pbxExtensionId(a.label, n)),
    client_id: client,
    status: 'active',
    name: `${client}*10${n}`,
    type: 'phone',
    label: `${a.label} agent ${n}`,
  }));
  // Two answered calls on 2024-05-01, each with a record: every call has a media link.
  const calls: PbxSimCall[] = [0, 1].map((i) => {
    const [start, end] = [`2024-05-01 0${8 + i}:00:00`, `2024-05-01 0${8 + i}:01:00`];
    const ext = extensions[i]!;
    const leg = { from_username: `${a.label}-caller-${i}`, to_username: ext.name, start_time_gmt: start, duration: 60, result: 'answered' };
    return {
      ...leg,
      client_id: client,
      call_uuid: randomUUID(),
      flow: 'in',
      init_time_gmt: start,
      bridged_time_gmt: start,
      hangup_time_gmt: end,
      bridged: true,
      extension_id: ext.id,
      hangup_cause: 'NORMAL_CLEARING',
      cdr: [{ ...leg, cdr_uuid: randomUUID(), record_uuid: randomUUID(), extension_id: ext.id, flow: 'in' }],
    };
  });
  return { users, connects, extensions, calls };
}

/** The PBX user (`sub`) a bearer token acts for. */
function subjectOf(x: SimExchange): string | undefined {
  const payload = x.request.headers.authorization?.replace(/^Bearer /, '').split('.')[1];
  try {
    return payload ? (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: string }).sub : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The Telphin PBX: one simulator, as PBX_BASE_URL and the public app are the variables' and every tenant's. Each
 * tenant connects PBX users of its own by consent into its one account `default` (tenant default's the variables'
 * instance, whose connections keep single-tenant mode's keys): beginPbxConnection as the tenant, Allow on the PBX's
 * page, the browser back at the callback with no credentials. Each account's users belong to a PBX client of its own,
 * whose extensions and calls carry its label. The simulator being shared, an account's traffic is what acts for one
 * of its users: their token, their trusted app, their authorization code or consent, a record of their client.
 */
export const pbx: PlatformFixture = {
  provider: 'PBX',
  accounts: PBX_ACCOUNTS,
  byConsent: true,
  create(accounts) {
    const data = new Map(accounts.map((a) => [a, pbxData(a)]));
    const all = [...data.values()];
    const sim = new PbxSim({ users: all.flatMap((d) => d.users), extensions: all.flatMap((d) => d.extensions), calls: all.flatMap((d) => d.calls) });
    /** Consent states by the tenant that began them (what the consent page's requests name). */
    const begun = new Map<string, string>();
    const tenantOfUser = (id: unknown) => accounts.find((a) => data.get(a)!.users.some((u) => String(u.id) === String(id)))?.tenant;
    const actingFor = (x: SimExchange): string | undefined => {
      switch (x.route) {
        case 'authorize':
          return begun.get(x.request.query.get('state') ?? '');
        case 'authorize_decision':
          return begun.get(x.request.form().get('state') ?? '');
        case 'token': {
          const form = x.request.form();
          if (form.get('grant_type') === 'client_credentials') return tenantOfUser(sim.trustedApps().find((t) => t.clientId === form.get('client_id'))?.userId);
          return tenantOfUser(sim.codes.get(form.get('code') ?? '')?.userId);
        }
        case 'storage':
          return accounts.find((a) => pbxClientOf(a.label) === sim.records.get(x.request.params['uuid'] ?? '')?.client_id)?.tenant;
        default:
          return tenantOfUser(subjectOf(x));
      }
    };
    let started: Promise<unknown> | undefined;
    let stopped: Promise<unknown> | undefined;
    return accounts.map((a): AccountSim => {
      const d = data.get(a)!;
      const mine = (userId: number) => d.users.some((u) => u.id === userId);
      const ownApps = () => [...sim.trusted.values()].filter((t) => mine(t.userId));
      const beginConsent = async (world: World, login: string): Promise<URL> => {
        const begin = await world.ask<{ beginPbxConnection: { authorizationUrl: string } | null }>(
          a.tenant,
          'mutation { beginPbxConnection { authorizationUrl state } }',
        );
        if (!begin.data?.beginPbxConnection) throw new Error(`beginPbxConnection as ${a.tenant}: ${begin.raw}`);
        const url = new URL(begin.data.beginPbxConnection.authorizationUrl);
        begun.set(url.searchParams.get('state')!, a.tenant);
        return consent(url, { login, decision: 'allow' });
      };
      const spare = d.users.at(-1)!;
      return {
        server: sim.server,
        start: () => (started ??= sim.start()),
        stop: () => (stopped ??= sim.stop()),
        settings: () => ({}),
        env: (cxgraphUrl) => ({ ...sim.env({ redirectUri: `${cxgraphUrl}/oauth/pbx/callback` }) }),
        // Its trusted apps, one per connected user. The code exchange presents the public app: every tenant's.
        get credentials() {
          return ownApps().map((t) => t.clientId);
        },
        presented: (x) =>
          x.route === 'token' && x.request.form().get('grant_type') === 'client_credentials' ? (x.request.form().get('client_id') ?? undefined) : undefined,
        get markers() {
          return [
            ...d.calls.flatMap((c) => [c.call_uuid, ...c.cdr.map((l) => l.record_uuid!)]),
            ...d.users.map((u) => wholeToken(String(u.id))),
            ...d.extensions.map((e) => wholeToken(String(e.id))),
            ...ownApps().map((t) => t.clientId),
          ];
        },
        get secrets() {
          return [sim.publicApps[0]!.clientSecret, ...ownApps().map((t) => t.secret)];
        },
        owns: (x) => actingFor(x) === a.tenant,
        beginConsent,
        async connect(world) {
          for (const u of d.users.slice(0, d.connects)) {
            const page = await world.follow(await beginConsent(world, u.login), a.tenant);
            if (page.status !== 200) throw new Error(`connecting PBX user ${u.login} for ${a.tenant}: ${page.status} ${page.text}`);
          }
        },
        connected: d.users.slice(0, d.connects).map((u) => String(u.id)),
        spare: { id: String(spare.id), login: spare.login },
        interactions: d.calls.map((c) => ({ guid: c.call_uuid })),
        bytes: (_call, record) => Buffer.from(sim.recordBytes(record)),
      };
    });
  },
};
