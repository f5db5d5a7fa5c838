/** The benchmark's results: rows per run, targets checked against them, and the text table printed at the end. */

/** direct: autocannon → simulator; hop: the same call through the smallest Node service (bench/direct-proxy.ts). */
export type System = 'cxgraph' | 'direct' | 'hop' | 'mesh';

export interface Row {
  scenario: string;
  system: System;
  /** What ran, e.g. "cxgraph (compiled)". */
  label: string;
  connections: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** API calls the simulators counted during the run (token requests excluded). */
  upstreamCalls: number;
  upstreamPerRequest: number;
  tokenRequests: number;
  /** Peak resident memory of the process under test during the run, MB (not measured for direct). */
  peakRssMb?: number;
  /** CPU time of the process under test per request, ms (user + system; not distorted by other load on the machine). */
  cpuMsPerRequest?: number;
  /** CPU time of the simulator process per request, ms. */
  simCpuMsPerRequest?: number;
  note?: string;
}

export interface TargetCheck {
  scenario: string;
  target: string;
  measured: string;
  /** null: could not be measured in this run (say why in `measured`). */
  met: boolean | null;
}

export interface Results {
  date: string;
  machine: { cpus: number; cpuModel: string; node: string; platform: string; loadAverage: { atStart: number[]; atEnd: number[] } };
  settings: Record<string, unknown>;
  rows: Row[];
  targets: TargetCheck[];
  extra: Record<string, unknown>;
  skipped: string[];
  totalSeconds: number;
}

const num = (v: number | undefined, digits = 0): string =>
  v === undefined || !Number.isFinite(v) ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function formatTable(rows: Row[]): string {
  const header = [
    'scenario',
    'system',
    'conn',
    'requests',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'upstream calls',
    'per req',
    'token req',
    'CPU ms/req',
    'peak RSS MB',
  ];
  const body = rows.map((r) => [
    r.scenario,
    r.label,
    String(r.connections),
    num(r.requests),
    num(r.rps),
    num(r.p50Ms, r.p50Ms < 10 ? 2 : 1),
    num(r.p99Ms, r.p99Ms < 10 ? 2 : 1),
    num(r.errors),
    num(r.upstreamCalls),
    num(r.upstreamPerRequest, 2),
    num(r.tokenRequests),
    num(r.cpuMsPerRequest, 3),
    num(r.peakRssMb, 0),
  ]);
  return markdownTable(header, body, [false, false, true, true, true, true, true, true, true, true, true, true, true]);
}

export function formatTargets(targets: TargetCheck[]): string {
  return markdownTable(
    ['scenario', 'target', 'measured', 'met'],
    targets.map((t) => [t.scenario, t.target, t.measured, t.met === null ? 'not measured' : t.met ? 'yes' : '**no**']),
    [false, false, false, false],
  );
}

/** A Markdown table, padded so it also reads as plain text in a terminal. */
function markdownTable(header: string[], rows: string[][], right: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (right[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}
