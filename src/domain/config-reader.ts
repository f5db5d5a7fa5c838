/**
 * What a provider module's `loadConfig` reads the environment through (src/config/env-reader.ts implements it).
 * It collects problems instead of throwing at the first, so one start-up message names every variable to fix,
 * and it never shows a secret's value.
 */
export interface ConfigReader {
  /** The trimmed value, or undefined when unset or blank. */
  str(name: string): string | undefined;
  /** Records a problem with a variable; loading fails after every module has been read. */
  fail(variable: string, problem: string): void;
  /** A value as it may appear in a message: hidden when the variable may hold a secret, credentials cut from URLs. */
  shown(name: string, value: string): string;
  int(name: string, def: number, min: number, max: number): number;
  oneOf<T extends string>(name: string, allowed: readonly T[], def: T): T;
  /** An upstream URL: https, or http only on loopback. Trailing slashes removed. */
  url(name: string, value: string): string;
  optionalUrl(name: string, fallback: string): string;
  /**
   * A set of variables that configure something together: all values when all are set, undefined when none is,
   * and a problem per missing variable otherwise.
   */
  group(what: string, names: string[]): Record<string, string> | undefined;
}
