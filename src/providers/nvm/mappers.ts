/** NewVoiceMedia bodies → schema models. Pure functions: absent or odd fields become null, never a guess. */
import { CxError } from '../../errors/errors.js';
import type { AgentAvailabilityModel, AgentModel, CallMediaModel, CallModel, UserModel } from '../../domain/models.js';
import type { NvmAvailabilityBody, NvmContent, NvmInteraction, NvmUser } from './types.js';

const PROVIDER = 'NEWVOICEMEDIA';

export function toUser(u: NvmUser): UserModel {
  const role = u.userAccountConfiguration?.role;
  return {
    provider: PROVIDER,
    id: String(u.userId),
    login: str(u.username),
    firstName: null,
    lastName: null,
    name: str(u.name),
    email: str(u.email),
    phoneNumber: null,
    roles: typeof role === 'string' && role.trim() !== '' ? [role] : [],
    active: typeof u.active === 'boolean' ? u.active : null,
  };
}

/** Users "act as agent" when their account configuration says so; nothing else makes one an agent. */
export function isAgent(u: NvmUser): boolean {
  return u.userAccountConfiguration?.actAsAgent === true;
}

export function toAgent(u: NvmUser): AgentModel {
  const id = String(u.userId);
  return { provider: PROVIDER, id, name: str(u.name) ?? str(u.username), userId: id };
}

/** `search` (already trimmed) matched case-insensitively against login, name and e-mail. */
export function matchesSearch(u: UserModel, search: string): boolean {
  const needle = search.toLowerCase();
  return [u.login, u.name, u.email].some((v) => v !== null && v.toLowerCase().includes(needle));
}

/** A state the platform leaves out counts 0; a state with a non-count value is the platform's error. */
export function toAvailability(skillNames: string[], body: NvmAvailabilityBody): AgentAvailabilityModel {
  const state = (name: keyof NvmAvailabilityBody): number => {
    const v = (body as Record<string, unknown>)[name];
    if (v === undefined || v === null) return 0;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
    throw new CxError(`NEWVOICEMEDIA answered GET /agents-availability with ${JSON.stringify(name)}: ${JSON.stringify(v)}; expected a count`, {
      code: 'PROVIDER_ERROR',
      provider: PROVIDER,
      upstreamStatus: 200,
    });
  };
  return { skillNames, ready: state('Ready'), away: state('Away'), extendedAway: state('Extended Away'), loggedOut: state('Logged Out') };
}

export function toCall(i: NvmInteraction): CallModel {
  const agents = (i.handlingAgents ?? [])
    .filter((a) => a && (typeof a.id === 'string' ? a.id !== '' : typeof a.id === 'number'))
    // Ids only: Agent.name looks the name up in the agent list, once per request.
    .map((a): AgentModel => ({ provider: PROVIDER, id: String(a.id), userId: String(a.id) }));
  return {
    provider: PROVIDER,
    id: i.guid,
    startTime: isoOrNull(i.start),
    direction: toDirection(i.direction),
    from: str(i.connectFrom),
    to: str(i.connectTo),
    // The interaction content API reports no end or duration.
    durationSeconds: null,
    agents,
    media: (i.content ?? []).flatMap((c) => {
      const m = toMedia(i.guid, c);
      return m ? [m] : [];
    }),
  };
}

/**
 * `inbound`/`outbound` as documented (case-insensitively); any other or no value is INTERNAL, which the
 * schema defines as "a direction the platform did not state".
 */
export function toDirection(d: string | null | undefined): CallModel['direction'] {
  const v = typeof d === 'string' ? d.toLowerCase() : '';
  if (v === 'inbound') return 'INBOUND';
  if (v === 'outbound') return 'OUTBOUND';
  return 'INTERNAL';
}

/** Content items without a usable key are left out: there would be nothing to download. */
export function toMedia(guid: string, c: NvmContent): CallMediaModel | null {
  if (!c || typeof c.contentKey !== 'string' || c.contentKey === '') return null;
  return {
    key: c.contentKey,
    kind: typeof c.type === 'string' && c.type !== '' ? c.type : 'attachment',
    contentType: str(c.contentType),
    contentLength: typeof c.contentLength === 'number' && Number.isSafeInteger(c.contentLength) && c.contentLength >= 0 ? c.contentLength : null,
    filename: filenameOf(c.properties),
    downloadPath: `/media/nvm/${encodeURIComponent(guid)}/${encodeURIComponent(c.contentKey)}`,
  };
}

/**
 * The content list has no file name field; `properties` is free-form. A name found there (`fileName`,
 * `filename` or `name`) is used, reduced to its last path segment; otherwise null.
 */
export function filenameOf(properties: Record<string, unknown> | null | undefined): string | null {
  if (!properties || typeof properties !== 'object') return null;
  for (const k of ['fileName', 'filename', 'name']) {
    const v = properties[k];
    if (typeof v === 'string') {
      const base = v.split(/[\\/]/).pop()!.trim();
      if (base !== '' && base !== '.' && base !== '..') return base;
    }
  }
  return null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function isoOrNull(v: unknown): string | null {
  if (typeof v !== 'string' || v === '') return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
