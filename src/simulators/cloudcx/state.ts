/**
 * What the CloudCX simulator's routes need of it (CloudCxSim implements it): clients, accounts, API keys, the user
 * directory, per-grant counters, refresh tokens and pending error envelopes.
 */
import type { ShellState } from '../common/simulator-shell.js';
import type { CloudCxAccount, CloudCxOAuthClient, CloudCxSimUser } from './data.js';

export type CloudCxGrantType = 'password' | 'refresh_token';

/** What a refresh token stands for. */
export interface RefreshGrant {
  clientId: string;
  username: string;
  userId: string;
  expiresAt: number;
}

export interface CloudCxState extends ShellState {
  readonly clients: readonly CloudCxOAuthClient[];
  readonly accounts: readonly CloudCxAccount[];
  readonly apiKeys: readonly string[];
  /** The users, in directory order. */
  readonly directory: readonly CloudCxSimUser[];
  /** Token requests per grant type, counted by the token route. */
  readonly grants: Record<CloudCxGrantType, number>;
  /** A new refresh token for this grant, valid refreshTokenLifetimeSec. */
  issueRefreshToken(grant: Omit<RefreshGrant, 'expiresAt'>): string;
  /** The grant of a refresh token the server knows (expired or not). */
  refreshGrantOf(token: string): RefreshGrant | undefined;
  /** Rotation: a refresh token is forgotten once used. */
  forgetRefreshToken(token: string): void;
  /** The pending error envelope the next API answer carries, consuming one repetition. */
  takeErrorEnvelope(): { code: string; message: string | null } | undefined;
}
