/**
 * The shell every simulated platform shares: its HTTP server (routes, counters, latency, faults and the `/__sim/`
 * control API), its token issuer, the token lifetime and revoke controls, start/stop, and `env()`, the environment
 * variables that point cxgraph's provider at it. A simulator extends it with its platform's routes and data.
 */
import { SimConfigError, type SimConfigHook } from './config-hooks.js';
import { checkInt, IntSetting } from './int-setting.js';
import { SimServer, type StartOptions } from './sim-server.js';
import { TokenIssuer } from './token-issuer.js';

/** Variables (names as in `.env.example`) that point cxgraph's provider at a running simulator. */
export type ProviderEnv = Readonly<Record<string, string>>;

/**
 * What a simulator's routes use of its shell: the server they register on, the token issuer, and the lifetime of
 * the tokens they issue. Each simulator's `state.ts` extends it with the state and settings its routes read.
 */
export interface ShellState {
  readonly server: SimServer;
  readonly issuer: TokenIssuer;
  readonly tokenLifetimeSec: number;
}

/** What tests, benchmarks and the embedded default use of any simulator. */
export interface Simulator<Env extends ProviderEnv = ProviderEnv> {
  readonly server: SimServer;
  readonly issuer: TokenIssuer;
  /** The server's root URL, where the `/__sim/` control API lives; throws before start(). */
  readonly url: string;
  /** Lifetime of access tokens issued from now on (also `POST /__sim/config {"tokenLifetimeSec": n}`). */
  tokenLifetimeSec: number;
  /** Listens (default 127.0.0.1, a free port) and answers the URL. */
  start(opts?: StartOptions): Promise<string>;
  stop(): Promise<void>;
  /** Revokes every access token issued so far (also `POST /__sim/revoke`); tokens issued later are unaffected. */
  revokeTokens(): void;
  /** The provider's variables pointing cxgraph at this simulator; throws before start(). */
  env(): Env;
}

export abstract class SimulatorShell<Env extends ProviderEnv> implements Simulator<Env> {
  readonly server: SimServer;
  private readonly settings: IntSetting[] = [];
  readonly issuer: TokenIssuer;
  private readonly tokenLifetime: IntSetting;
  /** `tokenClockSkewSec`: how far the platform's clock is behind (TokenIssuer). */
  private readonly clockSkew: IntSetting;
  /** `repeatTokens` (0/1): the token endpoint hands back the token it issued last, refused or not (TokenIssuer). */
  private readonly repeatTokens: IntSetting;

  /** `tokenLifetime.initial` is checked against 1..`max` (RangeError), as every later value is. */
  protected constructor(name: string, tokenLifetime: { initial: number; max: number }) {
    this.server = new SimServer(name);
    this.server.onConfig(this.settingsConfig());
    this.server.onRevoke(() => this.revokeTokens());
    this.tokenLifetime = this.intSetting('tokenLifetimeSec', tokenLifetime.initial, 1, tokenLifetime.max);
    this.clockSkew = this.intSetting('tokenClockSkewSec', 0, 0, 10 * 365 * 86_400);
    this.repeatTokens = this.intSetting('repeatTokens', 0, 0, 1);
    this.issuer = new TokenIssuer({ clockSkewSec: () => this.clockSkew.value, repeatTokens: () => this.repeatTokens.value === 1 });
  }

  get url(): string {
    return this.server.url;
  }

  get tokenLifetimeSec(): number {
    return this.tokenLifetime.value;
  }

  set tokenLifetimeSec(value: number) {
    this.tokenLifetime.value = value;
  }

  start(opts?: StartOptions): Promise<string> {
    return this.server.start(opts);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** Simulators that hold more grants (refresh tokens) extend this. */
  revokeTokens(): void {
    this.issuer.revokeAll();
  }

  abstract env(): Env;

  /** A whole-number setting that `POST /__sim/config` can change too (by its name), and echoes. */
  protected intSetting(name: string, initial: number, min: number, max: number): IntSetting {
    const setting = new IntSetting(name, initial, min, max);
    this.settings.push(setting);
    return setting;
  }

  private settingsConfig(): SimConfigHook {
    const settings = this.settings;
    return {
      get keys() {
        return settings.map((s) => s.name);
      },
      validate: (values) => {
        for (const s of settings) {
          if (!(s.name in values)) continue;
          try {
            checkInt(s.name, values[s.name], s.min, s.max);
          } catch (err) {
            throw new SimConfigError((err as Error).message);
          }
        }
      },
      apply: (values) => {
        for (const s of settings) if (s.name in values) s.value = values[s.name] as number;
      },
      snapshot: () => Object.fromEntries(settings.map((s) => [s.name, s.value])),
    };
  }
}
