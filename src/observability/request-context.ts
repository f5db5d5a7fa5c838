/**
 * The request a piece of code is working for, carried by AsyncLocalStorage so that every log line written
 * while serving it — by the server, a resolver, the token manager or the upstream client, all of which use
 * the one shared logger — carries its request id and trace id without anyone passing them along.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Deadline } from './deadline.js';

export interface RequestContext {
  readonly requestId: string;
  /** The W3C trace id of the request: our operation span's, or the caller's `traceparent` when tracing is off. */
  traceId?: string;
  /** The time the request has (deadline.ts): set for GraphQL operations once the request is admitted. */
  deadline?: Deadline;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` (and everything it starts, synchronously or not) as part of the request `ctx`. */
export function runWithRequestContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/** Runs `fn` outside any request: for background work that a request merely happened to start (span exports). */
export function outsideRequestContext<T>(fn: () => T): T {
  return storage.exit(fn);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** The deadline of the request being served, if it has one (background work has none). */
export function currentDeadline(): Deadline | undefined {
  return storage.getStore()?.deadline;
}

/**
 * Runs `fn` for the request, but without its deadline: for work that other requests share (a token fetch joined by
 * every request that needs the token), which one caller's time must not cut short. Each caller bounds its own wait.
 */
export function withoutDeadline<T>(fn: () => T): T {
  const ctx = storage.getStore();
  return ctx?.deadline ? storage.run({ ...ctx, deadline: undefined }, fn) : fn();
}

/**
 * pino `mixin`: the fields added to every log line. pino merges the line's own fields into the returned
 * object, so it must be a fresh one each time. Child-logger bindings with the same names are not needed
 * (and would repeat the keys).
 */
export function requestLogFields(): Record<string, string> {
  const ctx = storage.getStore();
  if (!ctx) return {};
  return ctx.traceId ? { requestId: ctx.requestId, traceId: ctx.traceId } : { requestId: ctx.requestId };
}
