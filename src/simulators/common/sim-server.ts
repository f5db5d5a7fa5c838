import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A tiny HTTP server for fake upstream platforms. Each concrete simulator registers
 * its routes; this class adds what every simulator needs so tests and benchmarks can
 * exercise a client's behaviour: per-route request counters, latency, injected faults
 * and an HTTP control API under `/__sim/` so a separate process (benchmarks) can steer it.
 *
 * Only node:http is used so a simulator adds no dependency to the embedded default.
 */

/** What a route handler sees of a request. The body is read in full before the handler runs. */
export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** `:param` captures of a string route, or named groups of a RegExp route (URI-decoded). */
  params: Record<string, string>;
  rawBody: string;
  /** The body parsed as `application/x-www-form-urlencoded` (whatever the Content-Type says). */
  form(): URLSearchParams;
  /** The body parsed as JSON; throws {@link SimJsonError} when it is not JSON. */
  json(): unknown;
}

/** What a route handler answers. `json` wins over `text`, `text` over `bytes`; none means an empty body. */
export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
  /** A binary body (media files); Content-Type defaults to `application/octet-stream`. */
  bytes?: Uint8Array;
  /** Overrides the default Content-Type (`application/json; charset=utf-8` or `text/plain; charset=utf-8`). */
  contentType?: string;
}

export type SimHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

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

/** Thrown by {@link SimRequest.json} so handlers can answer their platform's own 400. */
export class SimJsonError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SimJsonError';
  }
}

/** Thrown by a config hook when a value sent to `POST /__sim/config` is unacceptable (answered 400). */
export class SimConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimConfigError';
  }
}

/**
 * Lets a concrete simulator accept its own settings through `POST /__sim/config`
 * (e.g. `tokenLifetimeSec`). Keys not claimed by any hook, nor by the server itself
 * (`latencyMs`, `routeLatency`), are rejected so a typo in a benchmark does not pass silently.
 */
export interface SimConfigHook {
  keys: readonly string[];
  /** Validate and apply the claimed keys present in `values`; throw SimConfigError to refuse. */
  apply(values: Record<string, unknown>): void;
  /** The current values, echoed in the control API's answer. */
  snapshot(): Record<string, unknown>;
}

export const UNMATCHED_ROUTE = '<unmatched>';

/** Bodies beyond this are refused with 413; no simulated platform needs more. */
const MAX_BODY_BYTES = 1024 * 1024;
const CONTROL_PREFIX = '/__sim';
const DEFAULT_FAULT_BODY = { message: 'Injected fault' };

interface Route {
  method: string;
  pattern: RegExp;
  paramNames: readonly string[] | null;
  name: string;
  handler: SimHandler;
}

interface PendingFault {
  spec: FaultSpec;
  remaining: number;
}

export class SimServer {
  readonly name: string;
  /** Added to every non-control request, matched or not, before any fault or handler. */
  latencyMs = 0;

  private readonly routes: Route[] = [];
  private readonly routeLatency = new Map<string, number>();
  private readonly requestCounts = new Map<string, number>();
  private faults: PendingFault[] = [];
  private readonly configHooks: SimConfigHook[] = [];
  private readonly revokeHooks: (() => void)[] = [];
  private server: Server | null = null;
  private baseUrl: string | null = null;
  /** Aborted by stop() so pending latency timers do not keep the process alive. */
  private lifetime = new AbortController();
  /** The last error a handler threw; the client only ever sees a generic 500. */
  lastError: unknown = undefined;

  constructor(name: string) {
    this.name = name;
  }

  /**
   * Registers a handler. String paths match exactly, with `:param` segments captured;
   * RegExp paths are tested against the whole path and their named groups become params.
   * The first registered route that matches method and path wins.
   */
  route(method: string, path: string | RegExp, name: string, handler: SimHandler): this {
    if (name === UNMATCHED_ROUTE) throw new TypeError(`Route name ${UNMATCHED_ROUTE} is reserved`);
    if (typeof path === 'string') {
      const compiled = compilePath(path);
      this.routes.push({ method: method.toUpperCase(), pattern: compiled.pattern, paramNames: compiled.paramNames, name, handler });
    } else {
      this.routes.push({ method: method.toUpperCase(), pattern: path, paramNames: null, name, handler });
    }
    return this;
  }

  /** The base URL, e.g. `http://127.0.0.1:43121` (no trailing slash). Throws before start(). */
  get url(): string {
    if (this.baseUrl === null) throw new Error(`Simulator ${this.name} is not started`);
    return this.baseUrl;
  }

  get started(): boolean {
    return this.server !== null;
  }

  async start(opts: { port?: number; host?: string } = {}): Promise<string> {
    if (this.server) throw new Error(`Simulator ${this.name} is already started`);
    const host = opts.host ?? '127.0.0.1';
    const server = createServer({ keepAlive: true }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        // Last resort: handle() already answers handler errors; this covers write failures.
        this.lastError = err;
        if (!res.headersSent && !res.destroyed) sendJson(res, 500, { message: 'Internal simulator error' });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.server = server;
    this.lifetime = new AbortController();
    this.baseUrl = `http://${hostPart}:${address.port}`;
    return this.baseUrl;
  }

  /** Closes the server, destroying keep-alive and hung sockets so tests end promptly. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    this.baseUrl = null;
    this.lifetime.abort();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  // --- counters -------------------------------------------------------------

  count(name: string): number {
    return this.requestCounts.get(name) ?? 0;
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.requestCounts);
  }

  resetCounts(): void {
    this.requestCounts.clear();
  }

  // --- latency and faults ---------------------------------------------------

  /** Extra latency for one route, added to {@link latencyMs}; 0 removes it. */
  setLatency(routeName: string, ms: number): void {
    assertNonNegative(ms, 'latency');
    if (ms === 0) this.routeLatency.delete(routeName);
    else this.routeLatency.set(routeName, ms);
  }

  inject(fault: FaultSpec): void {
    const problem = faultProblem(fault);
    if (problem) throw new TypeError(problem);
    this.faults.push({ spec: { ...fault }, remaining: fault.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Faults not yet consumed, counting each remaining repetition. */
  pendingFaults(): number {
    return this.faults.reduce((sum, f) => sum + f.remaining, 0);
  }

  // --- hooks for concrete simulators ---------------------------------------

  onConfig(hook: SimConfigHook): void {
    this.configHooks.push(hook);
  }

  onRevoke(hook: () => void): void {
    this.revokeHooks.push(hook);
  }

  // --- request handling -----------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const rawBody = await readBody(req);
    if (rawBody === null) {
      sendJson(res, 413, { message: 'Payload Too Large' });
      return;
    }
    if (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
      this.control(method, url.pathname, rawBody, res);
      return;
    }

    const matched = this.match(method, url.pathname);
    this.increment(matched ? matched.route.name : UNMATCHED_ROUTE);

    const delay = this.latencyMs + (matched ? (this.routeLatency.get(matched.route.name) ?? 0) : 0);
    if (delay > 0) {
      try {
        await sleep(delay, undefined, { signal: this.lifetime.signal });
      } catch {
        return; // stopped while waiting; the socket is already gone
      }
    }

    if (!matched) {
      sendJson(res, 404, { message: 'Not Found' });
      return;
    }

    const fault = this.takeFault(matched.route.name);
    if (fault) {
      applyFault(fault, req, res);
      return;
    }

    const simReq: SimRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      params: matched.params,
      rawBody,
      form: () => new URLSearchParams(rawBody),
      json: () => parseJson(rawBody),
    };
    let answer: SimResponse;
    try {
      answer = await matched.route.handler(simReq);
    } catch (err) {
      this.lastError = err;
      answer = { status: 500, json: { message: 'Internal simulator error' } };
    }
    send(res, answer);
  }

  private match(method: string, path: string): { route: Route; params: Record<string, string> } | null {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      if (route.paramNames) {
        route.paramNames.forEach((paramName, i) => {
          params[paramName] = safeDecode(m[i + 1] ?? '');
        });
      } else if (m.groups) {
        for (const [key, value] of Object.entries(m.groups)) {
          if (value !== undefined) params[key] = safeDecode(value);
        }
      }
      return { route, params };
    }
    return null;
  }

  private increment(name: string): void {
    this.requestCounts.set(name, this.count(name) + 1);
  }

  /** First pending fault for this route in FIFO order, consuming one repetition. */
  private takeFault(routeName: string): FaultSpec | null {
    const index = this.faults.findIndex((f) => f.spec.route === undefined || f.spec.route === routeName);
    if (index < 0) return null;
    const pending = this.faults[index]!;
    pending.remaining -= 1;
    if (pending.remaining <= 0) this.faults.splice(index, 1);
    return pending.spec;
  }

  // --- control API ------------------------------------------------------------

  private control(method: string, path: string, rawBody: string, res: ServerResponse): void {
    const action = path.slice(CONTROL_PREFIX.length + 1);
    const allowed: Record<string, string> = { stats: 'GET', faults: 'POST', config: 'POST', revoke: 'POST', reset: 'POST' };
    const expectedMethod = allowed[action];
    if (expectedMethod === undefined) {
      sendJson(res, 404, { message: 'Not Found' });
      return;
    }
    if (method !== expectedMethod) {
      res.setHeader('Allow', expectedMethod);
      sendJson(res, 405, { message: `Use ${expectedMethod} ${path}` });
      return;
    }

    if (action === 'stats') {
      sendJson(res, 200, this.stats());
      return;
    }
    if (action === 'reset') {
      this.clearFaults();
      this.resetCounts();
      sendJson(res, 200, this.stats());
      return;
    }
    if (action === 'revoke') {
      if (this.revokeHooks.length === 0) {
        sendJson(res, 501, { message: `Simulator ${this.name} issues no tokens to revoke` });
        return;
      }
      for (const hook of this.revokeHooks) hook();
      sendJson(res, 200, { revoked: true });
      return;
    }

    let body: unknown;
    try {
      body = rawBody === '' ? {} : JSON.parse(rawBody);
    } catch {
      sendJson(res, 400, { message: 'Body must be JSON' });
      return;
    }

    if (action === 'faults') {
      const specs = Array.isArray(body) ? body : [body];
      for (const spec of specs) {
        const problem = faultProblem(spec);
        if (problem) {
          sendJson(res, 400, { message: problem });
          return;
        }
      }
      for (const spec of specs as FaultSpec[]) this.inject(spec);
      sendJson(res, 200, this.stats());
      return;
    }

    // action === 'config'
    if (!isRecord(body)) {
      sendJson(res, 400, { message: 'Body must be a JSON object' });
      return;
    }
    try {
      this.configure(body);
    } catch (err) {
      if (err instanceof SimConfigError) {
        sendJson(res, 400, { message: err.message });
        return;
      }
      throw err;
    }
    sendJson(res, 200, this.configSnapshot());
  }

  private configure(body: Record<string, unknown>): void {
    const known = new Set(['latencyMs', 'routeLatency', ...this.configHooks.flatMap((h) => h.keys)]);
    for (const key of Object.keys(body)) {
      if (!known.has(key)) throw new SimConfigError(`Unknown config key '${key}'; known: ${[...known].join(', ')}`);
    }
    const { latencyMs, routeLatency } = body;
    if (latencyMs !== undefined && !isNonNegativeNumber(latencyMs)) {
      throw new SimConfigError('latencyMs must be a non-negative number');
    }
    if (routeLatency !== undefined) {
      if (!isRecord(routeLatency) || !Object.values(routeLatency).every(isNonNegativeNumber)) {
        throw new SimConfigError('routeLatency must map route names to non-negative numbers');
      }
    }
    // Hooks validate before anything is applied by the server, so a refusal changes nothing here.
    for (const hook of this.configHooks) {
      const values = Object.fromEntries(Object.entries(body).filter(([key]) => hook.keys.includes(key)));
      if (Object.keys(values).length > 0) hook.apply(values);
    }
    if (typeof latencyMs === 'number') this.latencyMs = latencyMs;
    if (isRecord(routeLatency)) {
      for (const [route, ms] of Object.entries(routeLatency)) this.setLatency(route, ms as number);
    }
  }

  private configSnapshot(): Record<string, unknown> {
    const snapshot: Record<string, unknown> = {
      latencyMs: this.latencyMs,
      routeLatency: Object.fromEntries(this.routeLatency),
    };
    for (const hook of this.configHooks) Object.assign(snapshot, hook.snapshot());
    return snapshot;
  }

  private stats(): { name: string; counts: Record<string, number>; pendingFaults: number } {
    return { name: this.name, counts: this.counts(), pendingFaults: this.pendingFaults() };
  }
}

// --- helpers -----------------------------------------------------------------

function compilePath(path: string): { pattern: RegExp; paramNames: string[] } {
  const paramNames: string[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':') && segment.length > 1) {
        paramNames.push(segment.slice(1));
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`), paramNames };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Reads the whole body as UTF-8, or null when it exceeds MAX_BODY_BYTES. */
async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Keep draining so the connection stays usable, but stop buffering.
    if (size > MAX_BODY_BYTES) tooLarge = true;
    else chunks.push(chunk);
  }
  return tooLarge ? null : Buffer.concat(chunks).toString('utf8');
}

function parseJson(rawBody: string): unknown {
  try {
    return JSON.parse(rawBody);
  } catch (err) {
    throw new SimJsonError('Request body is not valid JSON', { cause: err });
  }
}

function send(res: ServerResponse, answer: SimResponse): void {
  if (res.destroyed) return;
  let body: string | Uint8Array = '';
  let contentType = answer.contentType;
  if (answer.json !== undefined) {
    body = JSON.stringify(answer.json);
    contentType ??= 'application/json; charset=utf-8';
  } else if (answer.text !== undefined) {
    body = answer.text;
    contentType ??= 'text/plain; charset=utf-8';
  } else if (answer.bytes !== undefined) {
    body = answer.bytes;
    contentType ??= 'application/octet-stream';
  }
  const headers: Record<string, string | number> = { ...answer.headers };
  if (contentType !== undefined) headers['Content-Type'] = contentType;
  headers['Content-Length'] = Buffer.byteLength(body);
  res.writeHead(answer.status, headers);
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, json: unknown): void {
  send(res, { status, json });
}

function applyFault(fault: FaultSpec, req: IncomingMessage, res: ServerResponse): void {
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
function faultProblem(value: unknown): string | null {
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function assertNonNegative(value: number, what: string): void {
  if (!isNonNegativeNumber(value)) throw new TypeError(`${what} must be a non-negative number`);
}
