/**
 * The connection under the Redis store: one Redis or a Redis Cluster (@keyv/redis clients), its health, and the
 * guard every command goes through. A command that cannot reach Redis marks the store degraded and yields its
 * fallback instead of failing the request; a background probe notices when Redis answers again.
 */
import KeyvRedis from '@keyv/redis';
import type { Logger } from '../observability/logger.js';

/** The commands the store sends itself (keyv sends none of them); the same on a client and on a cluster. */
export interface RedisCommands {
  get(key: string): Promise<string | null>;
  /** One Redis only: a cluster refuses keys of different slots in one MGET. */
  mGet(keys: string[]): Promise<(string | null)[]>;
  set(key: string, value: string, opts: { NX: true; PX: number }): Promise<string | null>;
  del(key: string): Promise<number>;
  eval(script: string, opts: { keys: string[]; arguments: string[] }): Promise<unknown>;
  sAdd(key: string, member: string): Promise<number>;
  sMembers(key: string): Promise<string[]>;
}

/** One node's SCAN, as the reseal walk uses it on each node (every master of a cluster). */
export interface ScanNode {
  scan(cursor: string, opts: { MATCH: string; COUNT: number }): Promise<{ cursor: string; keys: string[] }>;
}

import type { RedisTarget } from '../config/redis-target.js';
import { createRedisClient } from './redis-client.js';

export type { RedisTarget };

/** The longest start-up waits for the first connection's verdict: the connect time limit (2 s) and a margin. */
const FIRST_VERDICT_MAX_MS = 3_000;

export class RedisConnection {
  readonly kind: 'redis' | 'redis-cluster';
  readonly commands: RedisCommands;
  /** The client or cluster, for keyv's adapter. */
  readonly raw: ConstructorParameters<typeof KeyvRedis>[0];
  /** The nodes to walk for a scan: the client, or every master of the cluster. */
  readonly scanNodes: () => Promise<ScanNode[]>;
  private readonly connecting: Promise<unknown>;
  /** The one wait for the first connection (bounded by opTimeoutMs), shared by the first callers; then gone. */
  private firstConnection: Promise<unknown> | undefined;
  private stateReported = false;
  /** Resolved by the first verdict (setHealthy), or after FIRST_VERDICT_MAX_MS whatever happened. */
  readonly firstVerdict: Promise<void>;
  private verdictReached: () => void = () => {};
  /** Answers whether every node answers PING (one node, or every master of the cluster). */
  private readonly pingAll: () => Promise<boolean>;
  /** Connects again when the client gave up (a cluster whose seed nodes were all down at start). */
  private readonly reopen: () => Promise<void>;
  private readonly disconnect: () => Promise<void>;
  private _healthy = false;
  private _degradedSince: number | undefined = Date.now();
  private readonly listeners: ((healthy: boolean) => void)[] = [];
  private closed = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;

  constructor(
    target: RedisTarget,
    private readonly logger: Logger,
    private readonly tuning: { opTimeoutMs: number; probeIntervalMs: number },
  ) {
    // Before any event can report: the first verdict resolves it, and a bound keeps a silent network from holding
    // start-up (the connect time limit, 2 s, and a margin for the handshake).
    this.firstVerdict = new Promise<void>((resolve) => {
      const bound = setTimeout(resolve, FIRST_VERDICT_MAX_MS);
      bound.unref();
      this.verdictReached = () => {
        clearTimeout(bound);
        resolve();
      };
    });
    // Commands fail at once while disconnected instead of queueing behind an outage (src/store/redis-client.ts).
    const opened = createRedisClient(target);
    if (opened.kind === 'redis') {
      this.kind = 'redis';
      const client = opened.client;
      client.on('error', (err: Error) => this.setHealthy(false, err));
      client.on('ready', () => this.setHealthy(true));
      client.on('end', () => this.setHealthy(false));
      this.connecting = client.connect().catch((err: unknown) => this.setHealthy(false, err));
      this.commands = client as unknown as RedisCommands;
      this.scanNodes = async () => [client as unknown as ScanNode];
      this.pingAll = async () => (await client.ping()) === 'PONG';
      this.reopen = async () => {
        if (!client.isOpen) await client.connect();
      };
      this.disconnect = async () => {
        try {
          await client.close();
        } catch {
          client.destroy();
        }
      };
      this.raw = client;
    } else {
      this.kind = 'redis-cluster';
      const cluster = opened.client;
      cluster.on('error', (err: Error) => this.setHealthy(false, err));
      cluster.on('node-error', (err: Error) => this.setHealthy(false, err));
      this.connecting = cluster.connect().then(
        () => this.setHealthy(true),
        (err: unknown) => this.setHealthy(false, err),
      );
      this.commands = cluster as unknown as RedisCommands;
      this.scanNodes = async () => Promise.all(cluster.masters.map(async (m) => (await cluster.nodeClient(m)) as unknown as ScanNode));
      this.pingAll = async () => {
        if (!cluster.isOpen) return false;
        const answers = await Promise.all(cluster.masters.map(async (m) => (await cluster.nodeClient(m)).ping()));
        return answers.length > 0 && answers.every((a) => a === 'PONG');
      };
      this.reopen = async () => {
        if (!cluster.isOpen) await cluster.connect();
      };
      this.disconnect = async () => {
        try {
          await cluster.close();
        } catch {
          cluster.destroy();
        }
      };
      this.raw = cluster;
    }
    this.firstConnection = Promise.race([this.connecting, sleep(tuning.opTimeoutMs)]).then(() => (this.firstConnection = undefined));
  }

  get healthy(): boolean {
    return this._healthy;
  }

  get degradedSince(): number | undefined {
    return this._degradedSince;
  }

  onHealthChange(listener: (healthy: boolean) => void): void {
    this.listeners.push(listener);
  }

  private setHealthy(h: boolean, err?: unknown): void {
    // The store starts out unhealthy; the first verdict (reachable or not) is always reported, so a replica
    // started while Redis is down says so at start-up instead of staying silent.
    if (this.closed || (h === this._healthy && this.stateReported)) {
      if (!h && !this.closed) this.startProbe();
      return;
    }
    this.stateReported = true;
    this.verdictReached();
    this._healthy = h;
    this._degradedSince = h ? undefined : Date.now();
    if (h) {
      this.stopProbe();
      this.logger.info({ store: this.kind }, 'Redis store is reachable; shared cache in use');
    } else {
      this.startProbe();
      this.logger.warn({ store: this.kind, err: errMessage(err) }, 'Redis store unreachable; running degraded on in-process copies');
    }
    for (const l of this.listeners) l(h);
  }

  /**
   * While degraded, checks every probeIntervalMs whether Redis answers again. The client reconnects on its own
   * (and a single client says so with 'ready'), but a command that timed out on a live socket, or a cluster
   * node that came back, gives no event: the probe is what notices.
   */
  private startProbe(): void {
    if (this.probeTimer || this.closed) return;
    this.probeTimer = setInterval(() => void this.probeOnce(), this.tuning.probeIntervalMs);
    this.probeTimer.unref();
  }

  private stopProbe(): void {
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }

  private async probeOnce(): Promise<void> {
    if (this.probing || this.closed) return;
    this.probing = true;
    try {
      const ok = await withTimeout(
        (async () => {
          await this.reopen();
          return this.pingAll();
        })(),
        Math.max(this.tuning.opTimeoutMs, 1000),
      );
      if (ok) this.setHealthy(true);
    } catch {
      /* still down; the next probe tries again */
    } finally {
      this.probing = false;
    }
  }

  /** Runs a Redis operation with a time limit; a failure to reach Redis marks the store degraded and yields `fallback`. */
  async guard<T>(op: () => Promise<T>, fallback: T): Promise<T> {
    if (!this._healthy) {
      // Give the very first connection a moment instead of reporting a miss while it is being made; once that
      // moment has passed, a store that is down answers at once (a Redis down at start-up costs no latency).
      if (this.firstConnection) await this.firstConnection;
      if (!this._healthy) return fallback;
    }
    try {
      return await withTimeout(op(), this.tuning.opTimeoutMs);
    } catch (err) {
      // An error reply (wrong type, script error) comes from a Redis that answers: not an outage.
      if (!isErrorReply(err)) this.setHealthy(false, err);
      this.logger.warn({ store: this.kind, err: errMessage(err) }, 'Redis operation failed; using in-process copy');
      return fallback;
    }
  }

  async ping(): Promise<boolean> {
    if (!this._healthy) return false;
    return this.guard(() => this.pingAll(), false);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopProbe();
    await this.disconnect();
  }
}

function isErrorReply(err: unknown): boolean {
  for (let p: unknown = err && Object.getPrototypeOf(err); p && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
    if ((p as { constructor?: { name?: string } }).constructor?.name === 'ErrorReply') return true;
  }
  return false;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function errMessage(err: unknown): string | undefined {
  return err instanceof Error ? err.message : err === undefined ? undefined : String(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
