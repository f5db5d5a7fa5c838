/** Bodies of the Telphin PBX API (docs/providers/pbx.md#the-api) and what cxgraph stores per connected account. */
import type { PbxAccountModel } from '../../domain/models.js';

/** `GET /api/ver1.0/user/`: the PBX user the token acts for. */
export interface PbxUserBody {
  id: number | string;
  login: string;
  admin?: boolean;
  /** `full` or `read_only` */
  access?: string | null;
  client_id?: number | string | null;
  dealer_id?: number | string | null;
  extension_group_id?: number | string | null;
  extension_id?: number | string | null;
  timezone?: string | null;
  extra_params?: unknown;
}

/** One item of `GET /api/ver1.0/client/{client_id|@me}/extension/`. */
export interface PbxExtensionBody {
  id: number | string;
  status?: string | null;
  /** The extension's number-like name, e.g. `12*101`. */
  name?: string | null;
  /** `phone`, `queue`, `ivr`, … */
  type?: string | null;
  /** The human label an administrator gave it, when any. */
  label?: string | null;
}

/** One CDR leg of a call history entry; only `record_uuid` is documented, the rest is read when present. */
export interface PbxCdrBody {
  record_uuid?: string | null;
  record_file_size?: number | null;
  file_name?: string | null;
  [field: string]: unknown;
}

/** One entry of `call_history`. Times are `YYYY-MM-DD HH:MM:SS` in GMT. */
export interface PbxCallBody {
  call_uuid: string;
  /** Which way the call went: `in`, `out` or `internal` as far as known (see mappers.ts). */
  flow?: string | null;
  init_time_gmt?: string | null;
  start_time_gmt?: string | null;
  bridged_time_gmt?: string | null;
  hangup_time_gmt?: string | null;
  /** seconds */
  duration?: number | string | null;
  bridged?: boolean | null;
  extension_id?: number | string | null;
  from_username?: string | null;
  to_username?: string | null;
  result?: string | null;
  hangup_cause?: string | null;
  cdr?: PbxCdrBody[] | null;
}

/** `GET /api/ver1.0/client/{id}/call_history/?start_datetime&end_datetime&per_page&page&order`. */
export interface PbxCallHistoryBody {
  page: number;
  per_page: number;
  order?: string;
  call_history: PbxCallBody[];
}

/** `GET /api/ver1.0/client/{id}/record/{uuid}/storage_url/`. */
export interface PbxStorageUrlBody {
  record_url: string;
}

/**
 * The trusted application `POST /api/ver1.0/application/` created. Its reply's field names are not documented
 * (undocumented: docs/providers/pbx.md#creating-the-trusted-application): `id` or `client_id` for the id, `secret` or `client_secret` for the secret are accepted
 * (mappers.ts `trustedAppFromReply`); the secret is shown only when the app is created or reset.
 */
export interface PbxTrustedAppCredentials {
  clientId: string;
  clientSecret: string;
}

/**
 * A connected account as kept in the store (sealed; no TTL), keyed by the PBX user id: the PbxAccount fields, from
 * `GET /api/ver1.0/user/` at connection time, and what cxgraph needs to act for it.
 */
export interface PbxConnectionRecord extends Omit<PbxAccountModel, 'status'> {
  /** What is stored; UNAVAILABLE is never stored: it is what a replica reports for a record it cannot open. */
  status: 'CONNECTED' | 'NEEDS_REAUTHORIZATION';
  /** Why the account needs authorising again (no secret), when it does. */
  statusReason?: string;
  trustedApp: PbxTrustedAppCredentials;
  /** ISO 8601 */
  connectedAt: string;
}

/**
 * A connected account whose stored record this replica cannot open (sealed with a key it lacks, altered, copied
 * from another key, or not sealed although keys are set): known by its id only, listed as UNAVAILABLE, never used
 * and never overwritten. `problem` says why and what to do (no secret).
 */
export interface PbxUnreadableAccount {
  id: string;
  problem: string;
}
