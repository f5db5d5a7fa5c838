/**
 * The simulator process and its control API: upstream calls and token requests are what the simulators counted,
 * not what cxgraph says it did.
 */
import { fileURLToPath } from 'node:url';
import type { SimProcessInfo } from '../sim-process.js';
import { spawnChild, type Child } from './processes.js';

export type Provider = keyof SimProcessInfo['urls'];

export interface Sims {
  child: Child;
  info: SimProcessInfo;
  /** Clears every simulator's counters. */
  reset(): Promise<void>;
  /** Requests counted since the last reset: `upstream` = API calls, `tokens` = token-endpoint requests. */
  counts(): Promise<{ upstream: number; tokens: number; byProvider: Record<string, Record<string, number>> }>;
  /** Latency added by one simulator to every request (`route`: only that route). */
  setLatency(provider: Provider, ms: number, route?: string): Promise<void>;
  /** CallJourney's front door (platform-front.ts): its limit, a 429 once, and what arrived when. */
  front: {
    url: string;
    config(c: { limitPerSecond?: number | null; inject429?: { retryAfterSec: number } }): Promise<void>;
    /** [ms since the last reset, status] of every API request that reached it. */
    arrivals(): Promise<[number, number][]>;
    reset(): Promise<void>;
  };
}

/** Routes of the consent pages a browser visits: neither API calls nor token requests. */
const NOT_COUNTED = new Set(['authorize', 'authorize_decision']);

export async function startSims(root: string, cxgraphUrl: string): Promise<Sims> {
  const entry = fileURLToPath(new URL('../sim-process.ts', import.meta.url));
  const child = spawnChild('simulators', process.execPath, ['--import', 'tsx', entry, cxgraphUrl], {
    cwd: root,
    env: { PATH: process.env['PATH'], NODE_ENV: 'test' },
  });
  const info = JSON.parse(await child.firstLine()) as SimProcessInfo;
  const control = async (provider: Provider, action: string, body?: unknown) => {
    const res = await fetch(`${info.urls[provider]}/__sim/${action}`, {
      method: body === undefined && action === 'stats' ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? (action === 'stats' ? undefined : '{}') : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`simulator ${provider} refused ${action}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { counts?: Record<string, number> };
  };
  const providers = Object.keys(info.urls) as Provider[];
  return {
    child,
    info,
    async reset() {
      await Promise.all(providers.map((p) => control(p, 'reset')));
    },
    async counts() {
      const all = await Promise.all(providers.map(async (p) => [p, (await control(p, 'stats')).counts ?? {}] as const));
      let upstream = 0;
      let tokens = 0;
      for (const [, counts] of all) {
        for (const [route, n] of Object.entries(counts)) {
          if (route === 'token') tokens += n;
          else if (!NOT_COUNTED.has(route)) upstream += n;
        }
      }
      return { upstream, tokens, byProvider: Object.fromEntries(all) };
    },
    async setLatency(provider, ms, route) {
      await control(provider, 'config', route ? { routeLatency: { [route]: ms } } : { latencyMs: ms });
    },
    front: {
      url: info.calljourneyFront,
      async config(c) {
        await fetch(`${info.calljourneyFront}/__front/config`, { method: 'POST', body: JSON.stringify(c) });
      },
      async arrivals() {
        return ((await (await fetch(`${info.calljourneyFront}/__front/arrivals`)).json()) as { arrivals: [number, number][] }).arrivals;
      },
      async reset() {
        await fetch(`${info.calljourneyFront}/__front/reset`, { method: 'POST' });
      },
    },
  };
}
