/**
 * Injected misbehaviour: what a simulator can be told to do instead of answering (429 with Retry-After, 5xx,
 * dropped connections, broken bodies, no answer), so tests and benchmarks can exercise a client's behaviour.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isNonNegativeNumber, isRecord, send } from './sim-http.js';

export type FaultKind = 'status' | 'reset' | 'malformed' | 'hang';

/**
 * One injected misbehaviour. `status` answers `status` with `body` (default
 * `{"message":"Injected fault"}`) and `Retry-After` when `retryAfterSec` is set; `reset`
 * destroys the socket without answering; `malformed` answers 200 JSON whose body is cut in
 * half; `hang` never answers (until stop()). Applies to `times` requests (default 1) of the
 * named route, or of any route when `route` is absent.
 */
export interface FaultSpec {
  kind: FaultKind;
  route?: string;
  status?: number;
  retryAfterSec?: number;
  body?: unknown;
  times?: number;
}

const DEFAULT_FAULT_BODY = { message: 'Injected fault' };

/** Pending faults in FIFO order, each with its remaining repetitions. */
export class FaultQueue {
  private faults: { spec: FaultSpec; remaining: number }[] = [];

  /** Throws TypeError when `fault` is not an acceptable FaultSpec. */
  add(fault: FaultSpec): void {
    const problem = faultProblem(fault);
    if (problem) throw new TypeError(problem);
    this.faults.push({ spec: { ...fault }, remaining: fault.times ?? 1 });
  }

  /** First pending fault for this route in FIFO order, consuming one repetition. */
  take(routeName: string): FaultSpec | null {
    const index = this.faults.findIndex((f) => f.spec.route === undefined || f.spec.route === routeName);
    if (index < 0) return null;
    const pending = this.faults[index]!;
    pending.remaining -= 1;
    if (pending.remaining <= 0) this.faults.splice(index, 1);
    return pending.spec;
  }

  clear(): void {
    this.faults = [];
  }

  /** Faults not yet consumed, counting each remaining repetition. */
  pending(): number {
    return this.faults.reduce((sum, f) => sum + f.remaining, 0);
  }
}

/** Misbehaves as `fault` says, instead of the route's answer. */
export function applyFault(fault: FaultSpec, req: IncomingMessage, res: ServerResponse): void {
  switch (fault.kind) {
    case 'status': {
      const headers: Record<string, string> = {};
      if (fault.retryAfterSec !== undefined) headers['Retry-After'] = String(fault.retryAfterSec);
      send(res, { status: fault.status ?? 500, headers, json: fault.body ?? DEFAULT_FAULT_BODY });
      return;
    }
    case 'reset':
      req.socket.destroy();
      return;
    case 'malformed': {
      // A proper prefix of a JSON object or array is never valid JSON, so cut one in half.
      const source = fault.body !== null && typeof fault.body === 'object' ? fault.body : DEFAULT_FAULT_BODY;
      const full = JSON.stringify(source);
      send(res, { status: 200, text: full.slice(0, Math.max(1, Math.floor(full.length / 2))), contentType: 'application/json' });
      return;
    }
    case 'hang':
      // Never answer; stop() destroys the socket.
      return;
  }
}

/** Why a value is not an acceptable FaultSpec, or null when it is. */
export function faultProblem(value: unknown): string | null {
  if (!isRecord(value)) return 'A fault must be a JSON object';
  const { kind, route, status, retryAfterSec, times } = value;
  if (kind !== 'status' && kind !== 'reset' && kind !== 'malformed' && kind !== 'hang') {
    return `Fault kind must be one of status, reset, malformed, hang; got ${JSON.stringify(kind)}`;
  }
  if (route !== undefined && typeof route !== 'string') return 'Fault route must be a route name';
  if (kind === 'status' && !(Number.isInteger(status) && (status as number) >= 100 && (status as number) <= 599)) {
    return 'A status fault needs an integer status between 100 and 599';
  }
  if (retryAfterSec !== undefined && !isNonNegativeNumber(retryAfterSec)) return 'retryAfterSec must be a non-negative number';
  if (times !== undefined && !(Number.isInteger(times) && (times as number) >= 1)) return 'times must be a positive integer';
  return null;
}
