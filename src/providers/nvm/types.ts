/**
 * Bodies of the NewVoiceMedia / Vonage Contact Center APIs (docs/providers/newvoicemedia.md#the-apis). Fields are optional where the
 * platform may omit them: the mappers turn absence into null rather than trusting the shape.
 */

/** GET /agents-availability (v1): agent counts per state, keyed by the state's display name. */
export interface NvmAvailabilityBody {
  Ready?: number;
  Away?: number;
  'Extended Away'?: number;
  'Logged Out'?: number;
}

/** One user of the User admin API (v4). */
export interface NvmUser {
  /** Format not documented: a string (GUID) in every example; numbers are tolerated. */
  userId: string | number;
  username?: string | null;
  name?: string | null;
  email?: string | null;
  lastLoginTime?: string | null;
  active?: boolean | null;
  locked?: boolean | null;
  ssoExternalId?: string | null;
  userAccountConfiguration?: {
    role?: string | null;
    chargeable?: boolean | null;
    actAsAgent?: boolean | null;
    agentConfiguration?: { agentDisplayId?: string | number | null; [key: string]: unknown } | null;
  } | null;
}

/** The API conventions' list envelope. */
export interface NvmPagedEnvelope<T> {
  meta: { page?: number; count?: number; pageCount?: number; totalCount?: number };
  items: T[];
}

/** The other envelope one User admin example shows (the docs disagree; both are accepted). */
export interface NvmUsersEnvelope {
  users: NvmUser[];
}

/** A page of users as the client hands it on, whichever envelope came. */
export interface NvmUserPage {
  users: NvmUser[];
  /** Present only when the platform sent the `meta` envelope. */
  totalCount?: number;
  pageCount?: number;
}

export const NVM_CONTENT_TYPES = [
  'callRecording',
  'screenRecording',
  'voicemail',
  'transcript',
  'chatTranscript',
  'categorizationResult',
  'attachment',
  'ivrAudioRecording',
  'videoRecording',
] as const;

/** One piece of content of an interaction (interaction content API v3). */
export interface NvmContent {
  contentKey: string;
  type: string;
  contentType?: string | null;
  contentLength?: number | null;
  lastModified?: string | null;
  properties?: Record<string, unknown> | null;
}

/** An interaction (call, chat, …) of the interaction content API (v3). */
export interface NvmInteraction {
  guid: string;
  start?: string | null;
  connectFrom?: string | null;
  connectTo?: string | null;
  direction?: string | null;
  handlingAgents?: { id: string | number }[] | null;
  content?: NvmContent[] | null;
}

/** GET /interaction-content/interactions: `nextContinuationToken` null on the last page. */
export interface NvmInteractionPage {
  meta: { nextContinuationToken?: string | null };
  items: NvmInteraction[];
}
