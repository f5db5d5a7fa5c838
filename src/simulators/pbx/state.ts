/**
 * What the PBX simulator's routes need of it (PbxSim implements it): apps, users, extensions, calls and records, the
 * grants it holds (codes, refresh tokens, trusted apps) and its settings.
 */
import type { ShellState } from '../common/simulator-shell.js';
import type { PbxSimCall, PbxSimExtension, PbxSimPublicApp, PbxSimRecord, PbxSimTrustedApp, PbxSimUser } from './data.js';

/** What an authorization code stands for until it is exchanged (once). */
export interface CodeGrant {
  clientId: string;
  redirectUri: string;
  userId: number;
  expiresAt: number;
  used: boolean;
  /** Access tokens and refresh tokens issued from this code, revoked if the code is replayed. */
  accessTokens: string[];
  refreshTokens: string[];
}

export interface RefreshGrant {
  clientId: string;
  userId: number;
  expiresAt: number;
}

export interface TrustedAppEntry extends PbxSimTrustedApp {
  secret: string;
}

export interface PbxState extends ShellState {
  readonly publicApps: readonly PbxSimPublicApp[];
  readonly users: readonly PbxSimUser[];
  readonly extensions: readonly PbxSimExtension[];
  readonly calls: readonly PbxSimCall[];
  /** Records by uuid. */
  readonly records: ReadonlyMap<string, PbxSimRecord>;
  /** The login the consent page offers. */
  readonly defaultLogin: string;
  /** Field names of the trusted application reply. */
  readonly appReplyFields: 'id' | 'client_id';
  readonly codeLifetimeSec: number;
  readonly codes: Map<string, CodeGrant>;
  readonly refreshTokens: Map<string, RefreshGrant>;
  /** Trusted apps by client id, with their secrets. */
  readonly trusted: Map<string, TrustedAppEntry>;
  /** The signature of a storage link to a record, valid until `expires` (Unix seconds). */
  sign(uuid: string, expires: number): string;
}
