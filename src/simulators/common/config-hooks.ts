/**
 * The settings a simulator accepts through `POST /__sim/config`. Each hook claims some keys; a key nobody claims is
 * refused, so a typo in a benchmark does not pass silently. Every hook validates before any hook applies, so a
 * refused request changes nothing.
 */
import { isRecord } from './sim-http.js';

/** Thrown by a config hook when a value sent to `POST /__sim/config` is unacceptable (answered 400). */
export class SimConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimConfigError';
  }
}

/**
 * Lets a simulator accept its own settings through `POST /__sim/config` (e.g. `tokenLifetimeSec`).
 * `validate` (optional) sees the claimed keys present in a request before any hook applies anything;
 * `apply` applies them. Either throws {@link SimConfigError} to refuse.
 */
export interface SimConfigHook {
  readonly keys: readonly string[];
  validate?(values: Record<string, unknown>): void;
  apply(values: Record<string, unknown>): void;
  /** The current values, echoed in the control API's answer. */
  snapshot(): Record<string, unknown>;
}

export class ConfigHooks {
  private readonly hooks: SimConfigHook[] = [];

  add(hook: SimConfigHook): void {
    this.hooks.push(hook);
  }

  /** Validates the whole request, then applies it hook by hook; throws SimConfigError to refuse. */
  configure(body: unknown): void {
    if (!isRecord(body)) throw new SimConfigError('Body must be a JSON object');
    const known = this.hooks.flatMap((h) => h.keys);
    for (const key of Object.keys(body)) {
      if (!known.includes(key)) throw new SimConfigError(`Unknown config key '${key}'; known: ${known.join(', ')}`);
    }
    const claimed = this.hooks
      .map((hook) => ({ hook, values: Object.fromEntries(Object.entries(body).filter(([key]) => hook.keys.includes(key))) }))
      .filter(({ values }) => Object.keys(values).length > 0);
    for (const { hook, values } of claimed) hook.validate?.(values);
    for (const { hook, values } of claimed) hook.apply(values);
  }

  snapshot(): Record<string, unknown> {
    return Object.assign({}, ...this.hooks.map((h) => h.snapshot())) as Record<string, unknown>;
  }
}
