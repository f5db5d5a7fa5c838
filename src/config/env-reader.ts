/**
 * Reads the environment for loadConfig and every provider module: problems are collected instead of thrown at
 * the first one, so the user fixes everything in one go, and a value is shown in a message only when it cannot
 * be a secret.
 */
import type { ConfigReader } from '../domain/config-reader.js';
import { isLoopback } from '../security/url-policy.js';

export type NodeEnv = 'development' | 'production' | 'test';
export type Env = Record<string, string | undefined>;

/** Variables whose values may be secret: never echoed, whatever is wrong with them. */
export const SECRET_VARIABLES = /SECRET|PASSWORD|API_KEY|_KEYS$|SIGNING_KEY|REDIS_URL|TOKEN$|HEADERS$/;

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; problem: string }[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.variable}: ${p.problem}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Collects problems instead of throwing at the first one, so the user fixes everything in one go. */
export class EnvReader implements ConfigReader {
  readonly problems: { variable: string; problem: string }[] = [];
  constructor(private readonly env: Env) {}

  str(name: string): string | undefined {
    const v = this.env[name];
    if (v === undefined) return undefined;
    const t = v.trim();
    return t === '' ? undefined : t;
  }

  fail(variable: string, problem: string): void {
    this.problems.push({ variable, problem });
  }

  /** Shows a value in an error only when it cannot be a secret. */
  shown(name: string, value: string): string {
    if (SECRET_VARIABLES.test(name)) return '(value hidden)';
    // Whatever the variable, what a URL may carry as a credential (user:pass@, a query string) is cut out.
    return JSON.stringify(value.replace(/\/\/[^/@\s]*@/g, '//…@').replace(/[?#].*$/s, '?…'));
  }

  int(name: string, def: number, min: number, max: number): number {
    const raw = this.str(name);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.fail(name, `expected an integer from ${min} to ${max}, got ${this.shown(name, raw)}`);
      return def;
    }
    return n;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], def: T): T {
    const raw = this.str(name);
    if (raw === undefined) return def;
    const v = raw.toLowerCase() as T;
    if (!allowed.includes(v)) {
      this.fail(name, `expected one of ${allowed.join(', ')}, got ${this.shown(name, raw)}`);
      return def;
    }
    return v;
  }

  /** An upstream URL: https, or http only on loopback (simulators, tests). Trailing slashes removed. */
  url(name: string, value: string): string {
    let u: URL;
    try {
      u = new URL(value);
    } catch {
      this.fail(name, `expected an absolute URL, got ${this.shown(name, value)}`);
      return value;
    }
    if (u.username || u.password) {
      this.fail(name, 'must not carry credentials in the URL; use the credential variables');
    } else if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopback(u.hostname))) {
      this.fail(name, `must be https:// (http:// is allowed only for 127.0.0.1, localhost or [::1]), got ${this.shown(name, value)}`);
    }
    return value.replace(/\/+$/, '');
  }

  optionalUrl(name: string, fallback: string): string {
    const raw = this.str(name);
    return this.url(name, raw ?? fallback);
  }

  /**
   * A provider is configured when its credentials are set. A partial set is a mistake worth reporting:
   * returns the values when all are present, undefined when none is, and records a problem otherwise.
   */
  group(provider: string, names: string[]): Record<string, string> | undefined {
    const present = names.filter((n) => this.str(n) !== undefined);
    if (present.length === 0) return undefined;
    const missing = names.filter((n) => this.str(n) === undefined);
    if (missing.length > 0) {
      for (const m of missing) this.fail(m, `required for ${provider} because ${present.join(', ')} ${present.length === 1 ? 'is' : 'are'} set`);
      return undefined;
    }
    return Object.fromEntries(names.map((n) => [n, this.str(n)!]));
  }
}
