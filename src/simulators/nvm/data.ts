/**
 * The NewVoiceMedia simulator's scopes, default API credentials and deterministic sample data: 40 users and 48
 * interactions with their content files.
 */
import { stableUuid } from '../common/stable-uuid.js';
import { wavTone } from '../common/wav-tone.js';

export const NVM_KNOWN_SCOPES = [
  'agents-availability:read',
  'users:read',
  'users:write',
  'interaction-content:read',
  'interaction-content:delete',
  'interactions:write',
  'stats',
] as const;

export interface NvmSimClient {
  clientId: string;
  clientSecret: string;
  /** Scopes these API credentials were given in API Admin. */
  scopes: readonly string[];
}

export interface NvmSimUser {
  userId: string;
  username: string;
  name: string;
  email: string;
  lastLoginTime: string | null;
  active: boolean;
  locked: boolean;
  ssoExternalId: string | null;
  userAccountConfiguration: {
    role: string;
    chargeable: boolean;
    actAsAgent: boolean;
    agentConfiguration: { agentDisplayId: string } | null;
  };
  /** Simulator-only: what the agents-availability API counts. Never sent by the user admin API. */
  skills: string[];
  state: AgentState;
}

export type AgentState = 'Ready' | 'Away' | 'Extended Away' | 'Logged Out';

export interface NvmSimContent {
  contentKey: string;
  type: string;
  contentType: string;
  contentLength: number;
  lastModified: string;
  properties: Record<string, unknown>;
}

export interface NvmSimInteraction {
  guid: string;
  start: string;
  connectFrom: string;
  connectTo: string;
  direction: 'inbound' | 'outbound';
  handlingAgents: { id: string }[];
  content: NvmSimContent[];
}

export const DEFAULT_NVM_CLIENT: Readonly<NvmSimClient> = Object.freeze({
  clientId: 'nvm-client',
  clientSecret: 'nvm-secret-local',
  scopes: Object.freeze(['agents-availability:read', 'users:read', 'interaction-content:read']),
});
/** Credentials with the users scope only, to exercise `invalid_scope`. */
export const NVM_USERS_ONLY_CLIENT: Readonly<NvmSimClient> = Object.freeze({
  clientId: 'nvm-users-only',
  clientSecret: 'nvm-users-only-secret',
  scopes: Object.freeze(['users:read']),
});

const FIRST = [
  'Amelia',
  'Oliver',
  'Isla',
  'George',
  'Ava',
  'Noah',
  'Mia',
  'Arthur',
  'Ivy',
  'Leo',
  'Grace',
  'Oscar',
  'Freya',
  'Harry',
  'Lily',
  'Jack',
  'Rosie',
  'Theo',
  'Ella',
  'Finn',
];
const LAST = [
  'Smith',
  'Jones',
  'Taylor',
  'Brown',
  'Williams',
  'Wilson',
  'Johnson',
  'Davies',
  'Patel',
  'Wright',
  'Robinson',
  'Thompson',
  'Evans',
  'Walker',
  'White',
  'Roberts',
  'Green',
  'Hall',
  'Wood',
  'Clarke',
];
const SKILLS = ['English', 'French', 'German', 'Spanish', 'Sales', 'Support'];
const STATES: AgentState[] = ['Ready', 'Ready', 'Away', 'Extended Away', 'Logged Out'];

/**
 * 40 users: even ones act as agents; every 7th (6, 13, 20, 27, 34) is archived. Deterministic. `tenant` (another demo
 * tenant, CXGRAPH_SIMULATORS=multi-tenant) gives the same directory other ids, addresses and names: surnames half
 * the list along, so none of its 40 names is one of the default's.
 */
export function sampleUsers(tenant?: string): NvmSimUser[] {
  const shift = tenant === undefined ? 0 : LAST.length / 2;
  const domain = tenant === undefined ? 'acme.example' : `${tenant}.example`;
  return Array.from({ length: 40 }, (_, i) => {
    const first = FIRST[i % FIRST.length]!;
    // 7 is coprime with 20 and the second twenty shift by one: 40 distinct names.
    const last = LAST[(i * 7 + Math.floor(i / 20) + shift) % LAST.length]!;
    const agent = i % 2 === 0;
    const login = `${first}.${last}`.toLowerCase();
    return {
      userId: stableUuid(tenant === undefined ? `nvm/user/${i}` : `nvm/${tenant}/user/${i}`),
      username: `${login}@${domain}`,
      name: `${first} ${last}`,
      email: `${login}@${domain}`,
      lastLoginTime: i % 5 === 4 ? null : new Date(Date.UTC(2024, 4, 1 + (i % 20), 8, i)).toISOString(),
      active: i % 7 !== 6,
      locked: i === 15,
      ssoExternalId: i % 4 === 0 ? `sso-${1000 + i}` : null,
      userAccountConfiguration: {
        role: agent ? 'Agent' : ['Supervisor', 'Administrator', 'Team Leader'][i % 3]!,
        chargeable: agent || i % 3 === 0,
        actAsAgent: agent,
        agentConfiguration: agent ? { agentDisplayId: String(2000 + i) } : null,
      },
      skills: agent ? [SKILLS[i % SKILLS.length]!, SKILLS[(i + 3) % SKILLS.length]!] : [],
      state: STATES[Math.floor(i / 2) % STATES.length]!,
    };
  });
}

/**
 * 48 calls every 3 hours from 2024-05-01T08:00Z (six days), handled by active agents. Most carry a call
 * recording (audio/wav); every 4th a transcript too; every 6th (5, 11, …) is a voicemail instead. The
 * recordings of calls 0, 10, 15, 20, … name their file in `properties.fileName` (`call-0001.wav`,
 * `call-0002.wav`, … — the CallJourney sample holds the first two), the others name none. `tenant`: another demo
 * tenant's, under ids of its own.
 */
export function sampleInteractions(users: readonly NvmSimUser[], tenant?: string): NvmSimInteraction[] {
  const agents = users.filter((u) => u.active && u.userAccountConfiguration.actAsAgent);
  let named = 0;
  return Array.from({ length: 48 }, (_, i) => {
    const start = new Date(Date.UTC(2024, 4, 1, 8) + i * 3 * 3600_000);
    const guid = stableUuid(tenant === undefined ? `nvm/interaction/${i}` : `nvm/${tenant}/interaction/${i}`);
    const inbound = i % 3 !== 1;
    const customer = `+4420794600${String(i).padStart(2, '0')}`;
    const line = '+442039000000';
    const handling = agents.length ? [{ id: agents[i % agents.length]!.userId }] : [];
    if (i % 8 === 7 && agents.length > 1) handling.push({ id: agents[(i + 1) % agents.length]!.userId });
    const modified = new Date(start.getTime() + 10 * 60_000).toISOString();
    const content: NvmSimContent[] = [];
    const wav = (seconds: number) => 44 + 8000 * 2 * seconds;
    if (i % 6 === 5) {
      content.push({ contentKey: `vm-${i}`, type: 'voicemail', contentType: 'audio/wav', contentLength: wav(1), lastModified: modified, properties: {} });
    } else {
      const properties: Record<string, unknown> = i % 5 === 0 ? { fileName: `call-${String(++named).padStart(4, '0')}.wav` } : {};
      content.push({ contentKey: `rec-${i}`, type: 'callRecording', contentType: 'audio/wav', contentLength: wav(1), lastModified: modified, properties });
    }
    if (i % 4 === 0) {
      content.push({
        contentKey: `tr-${i}`,
        type: 'transcript',
        contentType: 'application/json',
        contentLength: transcriptOf(guid).length,
        lastModified: modified,
        properties: { language: 'en-GB' },
      });
    }
    return {
      guid,
      start: start.toISOString(),
      connectFrom: inbound ? customer : line,
      connectTo: inbound ? line : customer,
      direction: inbound ? 'inbound' : 'outbound',
      handlingAgents: handling,
      content,
    };
  });
}

/** The bytes of one content item: a WAV tone for audio, a small JSON transcript, else a line of text. */
export function contentFile(i: NvmSimInteraction, c: NvmSimContent): Buffer {
  if (c.contentType === 'audio/wav') {
    const seconds = Math.max(0, Math.round((c.contentLength - 44) / 16000));
    return wavTone(seconds, 300 + (parseInt(i.guid.slice(0, 4), 16) % 500));
  }
  if (c.type === 'transcript') return transcriptOf(i.guid);
  return Buffer.from(`${c.type} of ${i.guid}\n`, 'utf8');
}

function transcriptOf(guid: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      interaction: guid,
      segments: [
        { speaker: 'agent', text: 'Hello, how can I help?' },
        { speaker: 'customer', text: 'Hi, I have a question.' },
      ],
    }),
    'utf8',
  );
}

/** Another demo tenant's API credentials (CXGRAPH_SIMULATORS=multi-tenant), with every scope cxgraph uses. */
export function demoTenantClient(tenant: string): NvmSimClient {
  return { clientId: `${tenant}-nvm-client`, clientSecret: `${tenant}-nvm-secret-local`, scopes: DEFAULT_NVM_CLIENT.scopes };
}
