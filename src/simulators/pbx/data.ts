/** The PBX simulator's data shapes, default public app and sample users, extensions and calls (with their records). */
import { createHash } from 'node:crypto';
import { stableUuid } from '../common/stable-uuid.js';
import { wavTone } from '../common/wav-tone.js';

export interface PbxSimUser {
  id: number;
  login: string;
  admin: boolean;
  access: 'full' | 'read_only';
  client_id: number | null;
  dealer_id: number | null;
  extension_group_id: number | null;
  extension_id: number | null;
  timezone: string;
}

export interface PbxSimPublicApp {
  clientId: string;
  clientSecret: string;
  name: string;
  redirectUris: string[];
}

export interface PbxSimTrustedApp {
  clientId: string;
  name: string;
  userId: number;
  createdAt: string;
  /** Deleted through revokeTrustedApp(): its token requests are `invalid_client`, its tokens are refused. */
  revoked: boolean;
}

export interface PbxSimExtension {
  id: number;
  client_id: number;
  status: string;
  name: string;
  type: 'phone' | 'queue' | 'ivr';
  label: string;
}

export interface PbxSimCdr {
  cdr_uuid: string;
  record_uuid: string | null;
  extension_id: number | null;
  flow: string;
  from_username: string;
  to_username: string;
  start_time_gmt: string;
  duration: number;
  result: string;
}

export interface PbxSimCall {
  client_id: number;
  call_uuid: string;
  flow: 'in' | 'out' | 'internal';
  init_time_gmt: string;
  start_time_gmt: string;
  bridged_time_gmt: string | null;
  hangup_time_gmt: string;
  duration: number;
  bridged: boolean;
  extension_id: number;
  from_username: string;
  to_username: string;
  result: string;
  hangup_cause: string;
  cdr: PbxSimCdr[];
}

export interface PbxSimRecord {
  record_uuid: string;
  client_id: number;
  extension_id: number;
  call_uuid: string;
  file_name: string;
  record_file_size: number;
  start_time_gmt: string;
  duration: number;
}

export const DEFAULT_PBX_PUBLIC_APP: Readonly<PbxSimPublicApp> = Object.freeze({
  clientId: 'a80f1e618ddd4d4584e2bd48fd404194',
  clientSecret: 'a2423941f5be408c998d5f7207570990',
  name: 'cxgraph (local)',
  redirectUris: ['http://localhost:4001/oauth/pbx/callback', 'http://127.0.0.1:4001/oauth/pbx/callback'],
});

export const SAMPLE_PBX_USERS: readonly PbxSimUser[] = Object.freeze(
  [
    {
      id: 20,
      login: 'client1',
      admin: false,
      access: 'full',
      client_id: 12,
      dealer_id: null,
      extension_group_id: null,
      extension_id: null,
      timezone: 'Europe/Moscow',
    },
    {
      id: 21,
      login: 'client1-supervisor',
      admin: true,
      access: 'read_only',
      client_id: 12,
      dealer_id: null,
      extension_group_id: null,
      extension_id: null,
      timezone: 'Europe/Moscow',
    },
    {
      id: 30,
      login: 'client2',
      admin: false,
      access: 'full',
      client_id: 13,
      dealer_id: 5,
      extension_group_id: null,
      extension_id: null,
      timezone: 'Asia/Yekaterinburg',
    },
  ].map((u) => Object.freeze(u as PbxSimUser)),
);

export const SAMPLE_PBX_EXTENSIONS: readonly PbxSimExtension[] = Object.freeze(
  [
    { id: 1201, client_id: 12, status: 'active', name: '12*101', type: 'phone', label: 'Anna Petrova' },
    { id: 1202, client_id: 12, status: 'active', name: '12*102', type: 'phone', label: 'Boris Ivanov' },
    { id: 1203, client_id: 12, status: 'blocked', name: '12*103', type: 'phone', label: '' },
    { id: 1290, client_id: 12, status: 'active', name: '12*900', type: 'queue', label: 'Support queue' },
    { id: 1291, client_id: 12, status: 'active', name: '12*901', type: 'ivr', label: 'Main menu' },
    { id: 1301, client_id: 13, status: 'active', name: '13*100', type: 'phone', label: 'Reception' },
  ].map((e) => Object.freeze(e as PbxSimExtension)),
);

/** Sample calls: 12 for client 12 and 3 for client 13 on 2024-05-01 (GMT); every fourth is missed (no record). */
export const SAMPLE_PBX_CALLS: readonly PbxSimCall[] = Object.freeze([
  ...Array.from({ length: 12 }, (_, i) => sampleCall(12, i, [1201, 1202, 1203][i % 3]!, `12*10${(i % 3) + 1}`)),
  ...Array.from({ length: 3 }, (_, i) => sampleCall(13, i, 1301, '13*100')),
]);

function gmt(base: string, plusSec: number): string {
  return new Date(Date.parse(`${base.replace(' ', 'T')}Z`) + plusSec * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

function sampleCall(clientId: number, i: number, extensionId: number, extension: string): PbxSimCall {
  const flow = (['in', 'out', 'internal'] as const)[i % 3]!;
  const external = `+7495${String(1000000 + clientId * 1000 + i * 37).slice(-7)}`;
  const [from, to] = flow === 'in' ? [external, extension] : flow === 'out' ? [extension, external] : [extension, `${clientId}*10${((i + 1) % 3) + 1}`];
  const answered = i % 4 !== 3;
  const init = gmt('2024-05-01 09:00:00', i * 1800);
  const start = gmt(init, 1);
  const bridged = answered ? gmt(start, 6) : null;
  const duration = answered ? 30 + i * 7 : 0;
  const hangup = gmt(start, answered ? 6 + duration : 25);
  const callUuid = stableUuid(`call-${clientId}-${i}`);
  const recordUuid = answered ? stableUuid(`record-${clientId}-${i}`) : null;
  return {
    client_id: clientId,
    call_uuid: callUuid,
    flow,
    init_time_gmt: init,
    start_time_gmt: start,
    bridged_time_gmt: bridged,
    hangup_time_gmt: hangup,
    duration,
    bridged: answered,
    extension_id: extensionId,
    from_username: from,
    to_username: to,
    result: answered ? 'answered' : 'not answered',
    hangup_cause: answered ? 'NORMAL_CLEARING' : 'NO_ANSWER',
    cdr: [
      {
        cdr_uuid: stableUuid(`cdr-${clientId}-${i}`),
        record_uuid: recordUuid,
        extension_id: extensionId,
        flow,
        from_username: from,
        to_username: to,
        start_time_gmt: start,
        duration,
        result: answered ? 'answered' : 'not answered',
      },
    ],
  };
}

/** A short (0.1 s), valid 8 kHz mono 16-bit WAV whose tone depends on the id, so each record has its own bytes. */
export function recordWav(recordUuid: string): Uint8Array {
  const seed = createHash('sha256').update(recordUuid).digest();
  return new Uint8Array(wavTone(0.1, 300 + (seed[0]! % 500)));
}
