/**
 * The HTTP control API every simulator serves under `/__sim/`, so a separate process (benchmarks, multi-process
 * tests) can steer it. Control requests are never counted, delayed or faulted.
 *
 * - `GET /__sim/stats` → `{name, counts, pendingFaults, tokenRequestsByClient?}`
 * - `POST /__sim/reset` → clears counters and pending faults; answers the stats
 * - `POST /__sim/faults` a {@link FaultSpec} or a list of them → injected; answers the stats (400 when one is invalid:
 *   nothing is injected)
 * - `POST /__sim/config` `{latencyMs?, routeLatency?, …the simulator's own keys}` → applied; answers every setting
 *   (400 on an unknown key or a bad value: nothing is applied)
 * - `POST /__sim/revoke` → revokes every token issued so far; `{revoked: true}` (501 when the simulator issues none)
 */
import { SimConfigError } from './config-hooks.js';
import { faultProblem, type FaultSpec } from './faults.js';
import type { SimResponse } from './sim-http.js';

export const CONTROL_PREFIX = '/__sim';

export interface SimStats {
  name: string;
  counts: Record<string, number>;
  pendingFaults: number;
  /** Token requests by client and scope (SimServer.tokenRequestsByClient), once there is one. */
  tokenRequestsByClient?: Record<string, number>;
}

/** What the control API steers: implemented by SimServer. */
export interface ControlTarget {
  stats(): SimStats;
  /** Clears counters and pending faults. */
  reset(): void;
  inject(fault: FaultSpec): void;
  /** False when nothing is revocable. */
  revoke(): boolean;
  /** Throws SimConfigError to refuse; answers the settings after the change. */
  configure(body: unknown): Record<string, unknown>;
}

const METHODS: Readonly<Record<string, string>> = { stats: 'GET', faults: 'POST', config: 'POST', revoke: 'POST', reset: 'POST' };

export function isControlPath(path: string): boolean {
  return path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`);
}

export function answerControl(target: ControlTarget, method: string, path: string, rawBody: string): SimResponse {
  const action = path.slice(CONTROL_PREFIX.length + 1);
  const expectedMethod = METHODS[action];
  if (expectedMethod === undefined) return { status: 404, json: { message: 'Not Found' } };
  if (method !== expectedMethod) {
    return { status: 405, headers: { Allow: expectedMethod }, json: { message: `Use ${expectedMethod} ${path}` } };
  }

  switch (action) {
    case 'stats':
      return { status: 200, json: target.stats() };
    case 'reset':
      target.reset();
      return { status: 200, json: target.stats() };
    case 'revoke':
      return target.revoke()
        ? { status: 200, json: { revoked: true } }
        : { status: 501, json: { message: `Simulator ${target.stats().name} issues no tokens to revoke` } };
  }

  let body: unknown;
  try {
    body = rawBody === '' ? {} : JSON.parse(rawBody);
  } catch {
    return { status: 400, json: { message: 'Body must be JSON' } };
  }

  if (action === 'faults') {
    const specs = Array.isArray(body) ? body : [body];
    for (const spec of specs) {
      const problem = faultProblem(spec);
      if (problem) return { status: 400, json: { message: problem } };
    }
    for (const spec of specs as FaultSpec[]) target.inject(spec);
    return { status: 200, json: target.stats() };
  }

  // action === 'config'
  try {
    return { status: 200, json: target.configure(body) };
  } catch (err) {
    if (err instanceof SimConfigError) return { status: 400, json: { message: err.message } };
    throw err;
  }
}
