/**
 * A tiny HTTP server for fake upstream platforms. Each simulator registers its routes; this class adds what every
 * simulator needs so tests and benchmarks can exercise a client's behaviour: per-route request counters, latency,
 * injected faults ({@link FaultSpec}) and the `/__sim/` control API (control-api.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigHooks, SimConfigError, type SimConfigHook } from './config-hooks.js';
import { basicCredentials } from './oauth.js';
import { answerControl, isControlPath, type ControlTarget, type SimStats } from './control-api.js';
import { applyFault, FaultQueue, type FaultSpec } from './faults.js';
import { RouteTable, UNMATCHED_ROUTE } from './route-table.js';
import { isNonNegativeNumber, isRecord, readBody, send, simRequest, type SimHandler, type SimRequest, type SimResponse } from './sim-http.js';

/** One request a simulator's route answered, as tests see it (who asked, with what, and the status it got). */
export interface SimExchange {
  /** The route's name (what counters and faults use). */
  route: string;
  request: SimRequest;
  status: number;
}

export interface StartOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export class SimServer {
  readonly name: string;
  /** Added to every non-control request, matched or not, before any fault or handler. */
  latencyMs = 0;
  /** The last error a handler threw; the client only ever sees a generic 500. */
  lastError: unknown = undefined;

  private readonly routes = new RouteTable();
  private readonly routeLatency = new Map<string, number>();
  private readonly requestCounts = new Map<string, number>();
  /** Requests to the route named `token`, by client and scope (`client` or `client scope`). */
  private readonly tokenCounts = new Map<string, number>();
  private readonly faults = new FaultQueue();
  private readonly config = new ConfigHooks();
  private readonly revokeHooks: (() => void)[] = [];
  private readonly observers = new Set<(exchange: SimExchange) => void>();
  private server: Server | null = null;
  private baseUrl: string | null = null;
  /** Aborted by stop() so pending latency timers do not keep the process alive. */
  private lifetime = new AbortController();
  private readonly control: ControlTarget = {
    stats: () => this.stats(),
    reset: () => {
      this.clearFaults();
      this.resetCounts();
    },
    inject: (fault) => this.inject(fault),
    revoke: () => {
      for (const hook of this.revokeHooks) hook();
      return this.revokeHooks.length > 0;
    },
    configure: (body) => {
      this.config.configure(body);
      return this.config.snapshot();
    },
  };

  constructor(name: string) {
    this.name = name;
    this.config.add(this.latencyConfig());
  }

  /**
   * Registers a handler. String paths match exactly, with `:param` segments captured;
   * RegExp paths are tested against the whole path and their named groups become params.
   * The first registered route that matches method and path wins.
   */
  route(method: string, path: string | RegExp, name: string, handler: SimHandler): this {
    this.routes.add(method, path, name, handler);
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

  async start(opts: StartOptions = {}): Promise<string> {
    if (this.server) throw new Error(`Simulator ${this.name} is already started`);
    const server = createServer({ keepAlive: true }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        // Last resort: handle() already answers handler errors; this covers write failures.
        this.lastError = err;
        if (!res.headersSent && !res.destroyed) send(res, { status: 500, json: { message: 'Internal simulator error' } });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
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
    this.tokenCounts.clear();
  }

  /**
   * Requests to the route named `token` (every simulator's token endpoint), by the client that sent them (HTTP Basic or
   * the form's `client_id`) and the scope they asked for: `client` or `client scope` → count, whatever the outcome.
   * A benchmark or test of many accounts on one simulator counts token requests per account with it.
   */
  tokenRequestsByClient(): Record<string, number> {
    return Object.fromEntries(this.tokenCounts);
  }

  // --- latency and faults ---------------------------------------------------

  /** Extra latency for one route, added to {@link latencyMs}; 0 removes it. */
  setLatency(routeName: string, ms: number): void {
    if (!isNonNegativeNumber(ms)) throw new TypeError('latency must be a non-negative number');
    if (ms === 0) this.routeLatency.delete(routeName);
    else this.routeLatency.set(routeName, ms);
  }

  inject(fault: FaultSpec): void {
    this.faults.add(fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Faults not yet consumed, counting each remaining repetition. */
  pendingFaults(): number {
    return this.faults.pending();
  }

  // --- hooks for concrete simulators ---------------------------------------

  /** Settings of `POST /__sim/config` beyond the server's own `latencyMs` and `routeLatency`. */
  onConfig(hook: SimConfigHook): void {
    this.config.add(hook);
  }

  /** What `POST /__sim/revoke` does; without any hook it answers 501. */
  onRevoke(hook: () => void): void {
    this.revokeHooks.push(hook);
  }

  /**
   * Calls `listener` after each request a route answered (not control requests, not injected faults), so a test can
   * check what the platform was sent — which credentials, for instance. Returns a function that removes it.
   */
  onRequest(listener: (exchange: SimExchange) => void): () => void {
    this.observers.add(listener);
    return () => this.observers.delete(listener);
  }

  // --- request handling -----------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const rawBody = await readBody(req);
    if (rawBody === null) {
      send(res, { status: 413, json: { message: 'Payload Too Large' } });
      return;
    }
    if (isControlPath(url.pathname)) {
      send(res, answerControl(this.control, method, url.pathname, rawBody));
      return;
    }

    const matched = this.routes.match(method, url.pathname);
    this.requestCounts.set(matched?.name ?? UNMATCHED_ROUTE, this.count(matched?.name ?? UNMATCHED_ROUTE) + 1);
    if (matched?.name === 'token') {
      const form = new URLSearchParams(rawBody);
      const client = basicCredentials(req.headers.authorization, 'raw')?.clientId ?? form.get('client_id') ?? '(no client)';
      const key = form.get('scope') ? `${client} ${form.get('scope')}` : client;
      this.tokenCounts.set(key, (this.tokenCounts.get(key) ?? 0) + 1);
    }

    const delay = this.latencyMs + (matched ? (this.routeLatency.get(matched.name) ?? 0) : 0);
    if (delay > 0) {
      try {
        await sleep(delay, undefined, { signal: this.lifetime.signal });
      } catch {
        return; // stopped while waiting; the socket is already gone
      }
    }

    if (!matched) {
      send(res, { status: 404, json: { message: 'Not Found' } });
      return;
    }

    const fault = this.faults.take(matched.name);
    if (fault) {
      applyFault(fault, req, res);
      return;
    }

    let answer: SimResponse;
    const request = simRequest(method, url, req, matched.params, rawBody);
    try {
      answer = await matched.handler(request);
    } catch (err) {
      this.lastError = err;
      answer = { status: 500, json: { message: 'Internal simulator error' } };
    }
    send(res, answer);
    for (const observe of this.observers) observe({ route: matched.name, request, status: answer.status });
  }

  private stats(): SimStats {
    const tokenRequestsByClient = this.tokenRequestsByClient();
    return {
      name: this.name,
      counts: this.counts(),
      pendingFaults: this.pendingFaults(),
      ...(this.tokenCounts.size ? { tokenRequestsByClient } : {}),
    };
  }

  /** `latencyMs` and `routeLatency` (route name → ms, 0 removes) of `POST /__sim/config`. */
  private latencyConfig(): SimConfigHook {
    return {
      keys: ['latencyMs', 'routeLatency'],
      validate: ({ latencyMs, routeLatency }) => {
        if (latencyMs !== undefined && !isNonNegativeNumber(latencyMs)) throw new SimConfigError('latencyMs must be a non-negative number');
        if (routeLatency !== undefined && !(isRecord(routeLatency) && Object.values(routeLatency).every(isNonNegativeNumber))) {
          throw new SimConfigError('routeLatency must map route names to non-negative numbers');
        }
      },
      apply: ({ latencyMs, routeLatency }) => {
        if (typeof latencyMs === 'number') this.latencyMs = latencyMs;
        if (isRecord(routeLatency)) for (const [route, ms] of Object.entries(routeLatency)) this.setLatency(route, ms as number);
      },
      snapshot: () => ({ latencyMs: this.latencyMs, routeLatency: Object.fromEntries(this.routeLatency) }),
    };
  }
}
