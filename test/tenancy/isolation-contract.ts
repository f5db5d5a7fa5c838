/**
 * The isolation contract's cases (docs/tenancy.md, "What is isolated, and how"): one per provider-backed root field
 * and one per entity type, each saying how to ask for what one account holds and how to tell, from the answer,
 * whose data it is; and one per field acting on a tenant's connections (the PBX's consent-made accounts), each a
 * check of its own. isolation-all.test.ts runs every case on every platform offering its capability, for every
 * account of the world (isolation-world.ts).
 *
 * Nothing here is a list to keep by hand: `coverageGaps` reads the root fields and the entity types from schema/ and
 * the capabilities from the provider modules, and names every one without a case — so a field, an entity or a
 * capability added later fails the suite until it is given one.
 */
import { Kind, type DocumentNode } from 'graphql';
import { expect } from 'vitest';
import type { CapabilityName } from '../../src/domain/capabilities.js';
import type { ProviderName } from '../../src/domain/provider-name.js';
import type { ProviderModule } from '../../src/providers/provider-module.js';
import { decodeRef, encodeRef } from '../../src/tenancy/entity-ref.js';
import { pbxExtensionId, pbxUserId } from './isolation-pbx.js';
import { PLATFORMS, type World, type WorldAccount } from './isolation-world.js';

type Data = Record<string, unknown>;

export interface FieldCase {
  /** The root field, as schema/ names it. */
  field: string;
  capability: CapabilityName;
  /** A document asking `provider` for what the account labelled `label` holds; its `$account` is the account argument. */
  document(provider: ProviderName, label: string): string;
  /**
   * Whose data the answer holds: the label of the account it came from (undefined: nobody's). Default: the one
   * account label found in the answer (ids, names and numbers of every simulator carry their account's label).
   */
  answeredBy?(data: Data, world: World, provider: ProviderName, label: string): string | undefined;
}

export interface EntityCase {
  /** The entity type, as schema/ names it. */
  type: string;
  capability: CapabilityName;
  /** The fields asked of each entity in `_entities`. */
  selection: string;
  /** The platform id of one entity of the account labelled `label` (what its ref and its old key carry). */
  idOf(world: World, provider: ProviderName, label: string): string;
  /** The representation by the older key (`provider id`, or Recording's four fields). */
  oldKey(provider: ProviderName, id: string): Data;
}

const MONTH = 'from: "2024-05-01T00:00:00Z", to: "2024-05-02T00:00:00Z"';
const recordingKey = (label: string) => `{ company: "shared", organisation: "ops", folder: "2024-05", filename: "${label}.wav" }`;

export const FIELD_CASES: readonly FieldCase[] = [
  {
    field: 'users',
    capability: 'users',
    document: (p) => `query($account: String) { users(provider: ${p}, account: $account) { totalCount nodes { id name login ref } } }`,
  },
  {
    field: 'agents',
    capability: 'agents',
    document: (p) => `query($account: String) { agents(provider: ${p}, account: $account) { id name ref user { id name ref } } }`,
  },
  {
    field: 'calls',
    capability: 'calls',
    document: (p) =>
      `query($account: String) { calls(provider: ${p}, ${MONTH}, account: $account) { nodes { id from ref agents { id name ref } media { key filename downloadUrl } } } }`,
  },
  {
    field: 'recording',
    capability: 'recordings',
    // The file name is the question, so only what the platform answered (callId) tells whose answer it is.
    document: (_, label) => `query($account: String) { recording(key: ${recordingKey(label)}, account: $account) { exists callId ref } }`,
  },
  {
    field: 'recordings',
    capability: 'recordings',
    document: (_, label) => `query($account: String) { recordings(keys: [${recordingKey(label)}], account: $account) { exists callId ref } }`,
  },
  {
    field: 'agentAvailability',
    capability: 'availability',
    document: () => `query($account: String) { agentAvailability(skillNames: ["shared"], account: $account) { ready away extendedAway loggedOut } }`,
    // Counts only: each account has as many Ready agents with skill `shared` as its index.
    answeredBy: (data, world, provider) => {
      const ready = (data.agentAvailability as { ready: number } | null)?.ready;
      return world.accountsOf(provider).find((a) => a.index === ready)?.label;
    },
  },
  {
    field: 'startAgentCall',
    capability: 'callPlacement',
    document: (_, label) =>
      `mutation($account: String) { startAgentCall(agentName: "${label}-agent", destination: "+15550100199", tenantDomain: "${label}.cx.example.com", account: $account) { accepted callId message } }`,
    // The agent and the domain exist on `label`'s platform only: accepted means that platform placed the call.
    answeredBy: (data, _w, _p, label) => ((data.startAgentCall as { accepted: boolean } | null)?.accepted ? label : undefined),
  },
  {
    field: 'startQueueCallback',
    capability: 'callPlacement',
    document: (_, label) =>
      `mutation($account: String) { startQueueCallback(queueName: "${label}-queue", destination: "+15550100199", tenantDomain: "${label}.cx.example.com", account: $account) { accepted callId message } }`,
    answeredBy: (data, _w, _p, label) => ((data.startQueueCallback as { accepted: boolean } | null)?.accepted ? label : undefined),
  },
];

export const ENTITY_CASES: readonly EntityCase[] = [
  {
    type: 'User',
    capability: 'users',
    selection: 'id name login ref',
    idOf: (_, p, label) => (p === 'CLOUDCX' ? `${label}-cx-1` : `${label}-user-1`),
    oldKey: (provider, id) => ({ provider, id }),
  },
  {
    type: 'Agent',
    capability: 'agents',
    selection: 'id name ref user { id name }',
    // A PBX agent is a phone extension, by its numeric id.
    idOf: (_, p, label) => (p === 'PBX' ? pbxExtensionId(label) : `${label}-user-1`),
    oldKey: (provider, id) => ({ provider, id }),
  },
  {
    type: 'Call',
    capability: 'calls',
    selection: 'id from ref agents { id name } media { key filename }',
    idOf: (world, p, label) =>
      world.sims.find((s) => s.provider === p && s.account.label === label)?.sim.interactions?.[0]?.guid ?? '00000000-0000-4000-8000-00000000dead',
    oldKey: (provider, id) => ({ provider, id }),
  },
  {
    type: 'Recording',
    capability: 'recordings',
    selection: 'company organisation folder filename exists callId ref',
    idOf: (_, __, label) => JSON.stringify(['shared', 'ops', '2024-05', `${label}.wav`]),
    oldKey: (_, id) => {
      const [company, organisation, folder, filename] = JSON.parse(id) as string[];
      return { company, organisation, folder, filename };
    },
  },
  {
    type: 'PbxAccount',
    capability: 'accounts',
    selection: 'id login status ref',
    idOf: (_, __, label) => pbxUserId(label),
    // Its older key is the PBX user id alone.
    oldKey: (_, id) => ({ id }),
  },
];

/** Root fields that are the tenant's own, not one account's: each has a case of its own in the suite. */
export const TENANT_FIELDS = ['providers', 'accounts'] as const;
/** Capabilities reached through something other than a root field, and the suite's cases for them. */
export const OTHER_CAPABILITY_CASES: Partial<Record<CapabilityName, string>> = { media: 'media links (CallMedia.downloadUrl)' };

/**
 * A root field acting on a tenant's connections rather than asking one account (the PBX's consent-made accounts: no
 * `account` argument, the tenant's one PBX account is implied): a check of its own, run for every tenant of the world.
 */
export interface ConnectionCase {
  field: string;
  capability: CapabilityName;
  /** What it proves: the test's title. */
  proves: string;
  check(world: World, provider: ProviderName): Promise<void>;
}

const PBX_ACCOUNTS_QUERY = '{ pbxAccounts { id login status ref } }';
const PBX_ACCOUNT_QUERY = 'query($id: ID!) { pbxAccount(id: $id) { id login status ref } }';
const DISCONNECT = 'mutation($id: ID!) { disconnectPbxAccount(id: $id) }';
/** A PBX user id nobody connected (well-formed: PBX ids are numbers). */
const NOBODYS_PBX_USER = pbxUserId('nobody-none');

/** The PBX user ids `pbxAccounts` lists to a caller of `tenant`. */
async function listed(world: World, tenant: string): Promise<string[]> {
  const r = await world.ask<{ pbxAccounts: { id: string }[] }>(tenant, PBX_ACCOUNTS_QUERY);
  expect(r.errors, r.raw).toBeUndefined();
  return r.data!.pbxAccounts.map((a) => a.id);
}

/** What `providers` says of the account. */
async function providerRow(world: World, a: WorldAccount, provider: ProviderName): Promise<unknown> {
  const r = await world.ask<{ providers: { provider: string; account: string }[] }>(
    a.tenant,
    '{ providers { provider account status lastError connectedAccounts } }',
  );
  return r.data!.providers.find((p) => p.provider === provider && p.account === a.account);
}

/** Every pair of accounts of `provider` in different tenants: [the caller's, another tenant's]. */
function crossed(world: World, provider: ProviderName): [WorldAccount, WorldAccount][] {
  const all = world.accountsOf(provider);
  return all.flatMap((a) => all.filter((b) => b.tenant !== a.tenant).map((b): [WorldAccount, WorldAccount] => [a, b]));
}

const simOf = (world: World, provider: ProviderName, a: WorldAccount) => world.sim(provider, a.tenant, a.account);

export const CONNECTION_CASES: readonly ConnectionCase[] = [
  {
    field: 'pbxAccounts',
    capability: 'accounts',
    proves: 'lists exactly the PBX users its own tenant connected, from its own store, whoever else connected some',
    async check(world, provider) {
      for (const a of world.accountsOf(provider)) {
        const s = simOf(world, provider, a);
        const { result: r, asked } = await world.traffic(() => world.ask<{ pbxAccounts: { id: string }[] }>(a.tenant, PBX_ACCOUNTS_QUERY));
        expect(r.errors, r.raw).toBeUndefined();
        expect(r.data!.pbxAccounts.map((x) => x.id)).toEqual(s.sim.connected);
        expect(labelsIn(world, r.raw)).toEqual([a.label]);
        expect(refsIn(r.data).map((x) => `${x.provider}|${x.account}`)).toEqual(s.sim.connected!.map(() => `${provider}|${a.account}`));
        expect(asked).toEqual([]);
      }
    },
  },
  {
    field: 'pbxAccount',
    capability: 'accounts',
    proves: 'finds its own tenant’s PBX users; another tenant’s id answers exactly as an id nobody connected',
    async check(world, provider) {
      for (const a of world.accountsOf(provider)) {
        const mine = simOf(world, provider, a).sim.connected![0]!;
        const r = await world.ask<{ pbxAccount: { id: string; ref: string } | null }>(a.tenant, PBX_ACCOUNT_QUERY, { id: mine });
        expect(r.data!.pbxAccount, r.raw).toMatchObject({ id: mine, ref: encodeRef(provider, a.account, mine) });
        expect(labelsIn(world, r.raw)).toEqual([a.label]);
      }
      for (const [a, b] of crossed(world, provider)) {
        const theirs = simOf(world, provider, b).sim.connected![0]!;
        const { result: answers, asked } = await world.traffic(() =>
          Promise.all([theirs, NOBODYS_PBX_USER].map((id) => world.ask(a.tenant, PBX_ACCOUNT_QUERY, { id }))),
        );
        expect(answers[0]!.data, `${a.tenant} asked for ${b.tenant}'s ${theirs}`).toEqual({ pbxAccount: null });
        expect(comparable(answers[0]!.raw, [theirs])).toBe(comparable(answers[1]!.raw, [NOBODYS_PBX_USER]));
        expect(asked).toEqual([]);
      }
    },
  },
  {
    field: 'disconnectPbxAccount',
    capability: 'accounts',
    proves: 'another tenant’s id is false, exactly as an id nobody connected, and stays its owner’s; one’s own goes',
    async check(world, provider) {
      for (const [a, b] of crossed(world, provider)) {
        const theirs = simOf(world, provider, b).sim.connected!;
        const { result: answers, asked } = await world.traffic(() =>
          Promise.all([theirs[0]!, NOBODYS_PBX_USER].map((id) => world.ask(a.tenant, DISCONNECT, { id }))),
        );
        expect(answers[0]!.data, `${a.tenant} disconnecting ${b.tenant}'s ${theirs[0]}`).toEqual({ disconnectPbxAccount: false });
        expect(comparable(answers[0]!.raw, [theirs[0]!])).toBe(comparable(answers[1]!.raw, [NOBODYS_PBX_USER]));
        expect(asked).toEqual([]);
        expect(await listed(world, b.tenant)).toEqual(theirs);
      }
      // One's own: acme connects its spare user, which no other tenant can disconnect and acme can, once.
      const acme = world.accountsOf(provider).find((a) => a.tenant === 'acme')!;
      const { spare, connected, beginConsent } = simOf(world, provider, acme).sim;
      expect((await world.follow(await beginConsent!(world, spare!.login), acme.tenant)).status).toBe(200);
      expect(await listed(world, acme.tenant)).toEqual([...connected!, spare!.id]);
      for (const b of world.accountsOf(provider).filter((x) => x.tenant !== acme.tenant))
        expect((await world.ask(b.tenant, DISCONNECT, { id: spare!.id })).data).toEqual({ disconnectPbxAccount: false });
      expect((await world.ask(acme.tenant, DISCONNECT, { id: spare!.id })).data).toEqual({ disconnectPbxAccount: true });
      expect((await world.ask(acme.tenant, DISCONNECT, { id: spare!.id })).data).toEqual({ disconnectPbxAccount: false });
      expect(await listed(world, acme.tenant)).toEqual(connected);
    },
  },
  {
    field: 'beginPbxConnection',
    capability: 'accounts',
    // Tampered, forged, expired and replayed states, and the consent finished by its own tenant's credentials, are
    // test/tenancy/pbx-tenants.test.ts's; a consent finished by the browser alone is how this world connects.
    proves: 'a consent begun by one tenant and finished with another tenant’s credentials is refused and spent; nothing is asked, stored or reported',
    async check(world, provider) {
      for (const [a, b] of crossed(world, provider)) {
        const { spare, beginConsent } = simOf(world, provider, a).sim;
        const callback = await beginConsent!(world, spare!.login);
        const state = () => Promise.all([a, b].map(async (x) => [await listed(world, x.tenant), await providerRow(world, x, provider)]));
        const before = await state();
        const { result: page, asked } = await world.traffic(() => world.follow(callback, a.tenant, b.tenant));
        expect(page.status, `${a.tenant}'s consent finished as ${b.tenant}`).toBe(403);
        expect(page.text).toContain('started for another organisation');
        expect(asked).toEqual([]);
        // Spent: not even the browser that began it can finish it now.
        const { result: again, asked: askedAgain } = await world.traffic(() => world.follow(callback, a.tenant));
        expect(again.status).toBe(400);
        expect(askedAgain).toEqual([]);
        expect(await state()).toEqual(before);
      }
    },
  },
];

/** The Query and Mutation fields of the schema, federation's own left out. */
export function rootFields(doc: DocumentNode): { field: string; hasAccount: boolean }[] {
  const out: { field: string; hasAccount: boolean }[] = [];
  for (const def of doc.definitions) {
    if ((def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) || !['Query', 'Mutation'].includes(def.name.value)) continue;
    for (const f of def.fields ?? []) {
      if (f.name.value.startsWith('_')) continue;
      out.push({ field: f.name.value, hasAccount: (f.arguments ?? []).some((a) => a.name.value === 'account') });
    }
  }
  return out;
}

/** The types another subgraph can reference by `ref` (`@key(fields: "ref")`). */
export function refEntities(doc: DocumentNode): string[] {
  const out: string[] = [];
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    const keys = (def.directives ?? []).filter((d) => d.name.value === 'key');
    if (keys.some((k) => k.arguments?.some((a) => a.value.kind === Kind.STRING && a.value.value.split(/\s+/).includes('ref')))) out.push(def.name.value);
  }
  return out;
}

/** The platforms the contract runs a capability on: those offering it (every platform has a fixture, or a gap says so). */
export function platformsFor(capability: CapabilityName, modules: readonly ProviderModule[]): ProviderName[] {
  return modules.filter((m) => m.capabilities.includes(capability) && PLATFORMS.some((p) => p.provider === m.name)).map((m) => m.name);
}

/**
 * Everything the schema and the provider modules offer that the contract has no case for, as sentences; empty when
 * the contract covers it all.
 */
export function coverageGaps(doc: DocumentNode, modules: readonly ProviderModule[]): string[] {
  const gaps: string[] = [];
  const roots = rootFields(doc);
  const cases = [...FIELD_CASES, ...ENTITY_CASES, ...CONNECTION_CASES];
  for (const m of modules) {
    if (!PLATFORMS.some((p) => p.provider === m.name)) gaps.push(`platform ${m.name} has no fixture in isolation-world.ts (PLATFORMS)`);
    for (const c of m.capabilities) {
      const covered = cases.some((f) => f.capability === c) || OTHER_CAPABILITY_CASES[c] !== undefined;
      if (!covered) gaps.push(`capability ${c} (offered by ${m.name}) has no case`);
    }
  }
  for (const { field, hasAccount } of roots) {
    if ([...FIELD_CASES, ...CONNECTION_CASES].some((f) => f.field === field) || (TENANT_FIELDS as readonly string[]).includes(field)) continue;
    gaps.push(`root field ${field}${hasAccount ? ' (it takes `account`)' : ''} has no case`);
  }
  for (const type of refEntities(doc)) {
    if (!ENTITY_CASES.some((e) => e.type === type)) gaps.push(`entity ${type} (keyed by ref) has no case`);
  }
  for (const f of FIELD_CASES) if (!roots.some((r) => r.field === f.field && r.hasAccount)) gaps.push(`case ${f.field}: no such root field takes \`account\``);
  for (const f of CONNECTION_CASES) if (!roots.some((r) => r.field === f.field)) gaps.push(`case ${f.field}: no such root field`);
  // A case that runs nowhere proves nothing.
  for (const c of cases) {
    const name = 'field' in c ? c.field : c.type;
    if (platformsFor(c.capability, modules).length === 0) gaps.push(`case ${name}: no platform with a fixture offers ${c.capability}`);
  }
  return gaps;
}

/** The account labels found in a text, each once. */
export function labelsIn(world: World, text: string): string[] {
  return [...new Set(world.sims.map((s) => s.account.label))].filter((l) => new RegExp(`\\b${l}\\b`).test(text));
}

/**
 * An answer as a caller could compare two: refs decoded, the given ids (the caller's own question) replaced by `ID`.
 * Two answers equal after this tell the caller nothing about which id exists somewhere else.
 */
export function comparable(raw: string, ids: readonly string[]): string {
  const value = JSON.parse(raw) as unknown;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v)
          // Where in the caller's own document an error points: not the answer's.
          .filter(([k]) => k !== 'locations')
          .map(([k, x]) => {
            if (k === 'ref' && typeof x === 'string') {
              const r = decodeRef(x);
              return [k, r ? `${r.provider}|${r.account}|${r.id}` : x];
            }
            return [k, walk(x)];
          }),
      );
    }
    return v;
  };
  // A media link's expiry is now + its lifetime in seconds, and its signature covers it: two answers a second apart
  // differ there whatever they found.
  let text = JSON.stringify(walk(value)).replace(/exp=\d+&sig=[A-Za-z0-9_-]+/g, 'exp=EXP&sig=SIG');
  // Longest first, as whole words (`nam` is not in `named`), also as they appear escaped inside JSON strings
  // (Recording ids are JSON themselves).
  for (const id of [...ids].sort((a, b) => b.length - a.length)) {
    for (const form of [id, JSON.stringify(id).slice(1, -1)]) text = text.replace(new RegExp(`(?<![A-Za-z0-9])${escape(form)}(?![A-Za-z0-9])`, 'g'), 'ID');
  }
  return text;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every `ref` in an answer, decoded. */
export function refsIn(value: unknown): { provider: string; account: string; id: string }[] {
  const out: { provider: string; account: string; id: string }[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if (k === 'ref' && typeof x === 'string') {
          const r = decodeRef(x);
          if (r) out.push(r);
        } else walk(x);
      }
  };
  walk(value);
  return out;
}
