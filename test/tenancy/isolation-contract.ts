/**
 * The isolation contract's cases (docs/tenancy.md, "What is isolated, and how"): one per provider-backed root field
 * and one per entity type, each saying how to ask for what one account holds and how to tell, from the answer,
 * whose data it is. isolation-all.test.ts runs every case on every platform offering its capability, for every
 * account of the world (isolation-world.ts).
 *
 * Nothing here is a list to keep by hand: `coverageGaps` reads the root fields and the entity types from schema/ and
 * the capabilities from the provider modules, and names every one without a case — so a field, an entity or a
 * capability added later fails the suite until it is given one.
 */
import { Kind, type DocumentNode } from 'graphql';
import type { CapabilityName } from '../../src/domain/capabilities.js';
import type { ProviderName } from '../../src/domain/provider-name.js';
import type { ProviderModule } from '../../src/providers/provider-module.js';
import { decodeRef } from '../../src/tenancy/entity-ref.js';
import { PENDING_PROVIDERS, PLATFORMS, type World } from './isolation-world.js';

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
    idOf: (_, __, label) => `${label}-user-1`,
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
];

/** Root fields that are the tenant's own, not one account's: each has a case of its own in the suite. */
export const TENANT_FIELDS = ['providers', 'accounts'] as const;
/** Capabilities reached through something other than a root field, and the suite's cases for them. */
export const OTHER_CAPABILITY_CASES: Partial<Record<CapabilityName, string>> = { media: 'media links (CallMedia.downloadUrl)' };

/** Root fields and entity types of a pending platform (the PBX): listed, so that the gap stays visible. */
export const PENDING_FIELDS: Readonly<Record<string, ProviderName>> = {
  pbxAccounts: 'PBX',
  pbxAccount: 'PBX',
  beginPbxConnection: 'PBX',
  disconnectPbxAccount: 'PBX',
};
export const PENDING_ENTITIES: Readonly<Record<string, ProviderName>> = { PbxAccount: 'PBX' };

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

/** The platforms the contract runs a capability on: those offering it that have a fixture (the others are pending). */
export function platformsFor(capability: CapabilityName, modules: readonly ProviderModule[]): ProviderName[] {
  return modules.filter((m) => m.capabilities.includes(capability) && PLATFORMS.some((p) => p.provider === m.name)).map((m) => m.name);
}

/**
 * Everything the schema and the provider modules offer that the contract has no case for, as sentences; empty when
 * the contract covers it all.
 */
export function coverageGaps(doc: DocumentNode, modules: readonly ProviderModule[]): string[] {
  const gaps: string[] = [];
  const pending = (p: ProviderName) => PENDING_PROVIDERS[p] !== undefined;
  for (const m of modules) {
    if (!PLATFORMS.some((p) => p.provider === m.name) && !pending(m.name))
      gaps.push(`platform ${m.name} has no fixture in isolation-world.ts (PLATFORMS) and is not pending`);
    for (const c of m.capabilities) {
      const covered = FIELD_CASES.some((f) => f.capability === c) || OTHER_CAPABILITY_CASES[c] !== undefined || ENTITY_CASES.some((e) => e.capability === c);
      if (!covered && !pending(m.name)) gaps.push(`capability ${c} (offered by ${m.name}) has no case`);
    }
  }
  for (const { field, hasAccount } of rootFields(doc)) {
    if (FIELD_CASES.some((f) => f.field === field) || (TENANT_FIELDS as readonly string[]).includes(field)) continue;
    const p = PENDING_FIELDS[field];
    if (p && pending(p)) continue;
    gaps.push(`root field ${field}${hasAccount ? ' (it takes `account`)' : ''} has no case`);
  }
  for (const type of refEntities(doc)) {
    if (ENTITY_CASES.some((e) => e.type === type)) continue;
    const p = PENDING_ENTITIES[type];
    if (p && pending(p)) continue;
    gaps.push(`entity ${type} (keyed by ref) has no case`);
  }
  for (const f of FIELD_CASES)
    if (!rootFields(doc).some((r) => r.field === f.field && r.hasAccount)) gaps.push(`case ${f.field}: no such root field takes \`account\``);
  return gaps;
}

/** The account labels found in a text, each once. */
export function labelsIn(world: World, text: string): string[] {
  return world.accounts
    .map((a) => a.label)
    .concat('default-default')
    .filter((l) => new RegExp(`\\b${l}\\b`).test(text));
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
  let text = JSON.stringify(walk(value));
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
