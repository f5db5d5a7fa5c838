/** The routes of one simulator: `METHOD path` → a named handler. The name is what counters, latency and faults use. */
import type { SimHandler } from './sim-http.js';

/** The name requests are counted under when no route matches. */
export const UNMATCHED_ROUTE = '<unmatched>';

interface Route {
  method: string;
  pattern: RegExp;
  paramNames: readonly string[] | null;
  name: string;
  handler: SimHandler;
}

export interface RouteMatch {
  name: string;
  handler: SimHandler;
  params: Record<string, string>;
}

export class RouteTable {
  private readonly routes: Route[] = [];

  /**
   * String paths match exactly, with `:param` segments captured; RegExp paths are tested against the whole path
   * and their named groups become params. The first added route that matches method and path wins.
   */
  add(method: string, path: string | RegExp, name: string, handler: SimHandler): void {
    if (name === UNMATCHED_ROUTE) throw new TypeError(`Route name ${UNMATCHED_ROUTE} is reserved`);
    const compiled = typeof path === 'string' ? compilePath(path) : { pattern: path, paramNames: null };
    this.routes.push({ method: method.toUpperCase(), ...compiled, name, handler });
  }

  match(method: string, path: string): RouteMatch | null {
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
      return { name: route.name, handler: route.handler, params };
    }
    return null;
  }
}

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
