/**
 * What the Kubernetes manifests must agree on with cxgraph itself, beyond the API schemas: probes on paths cxgraph
 * serves and on its port, environment variables cxgraph reads, secrets by reference, a termination grace longer than
 * cxgraph's own shutdown, selectors that select the pods.
 */
import { loadConfig } from '../../src/app/config.js';
import { SECRET_VARIABLES } from '../../src/config/env-reader.js';
import type { K8sObject } from './kustomize.js';

/** Every variable cxgraph reads at start-up: the names loadConfig asks the environment for. */
export function cxgraphVariables(): Set<string> {
  const read = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get: (_t, k) => {
      if (typeof k === 'string') read.add(k);
      return undefined;
    },
  });
  loadConfig(env);
  return read;
}

const DEFAULTS = loadConfig({});
/** index.ts leaves this long after the grace period anyway, should the drain hang. */
const EXIT_MARGIN_MS = 5_000;

type Probe = { httpGet?: { path?: string; port?: number | string } };
interface Container {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: unknown } }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command?: string[] } } };
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec: { terminationGracePeriodSeconds?: number; containers: Container[] };
}

/** The HTTP paths cxgraph answers GET /healthz and /readyz on, as the server under test reported them. */
export interface ServedPaths {
  ok: Set<string>;
}

/** Problems with the cxgraph Deployment and the objects that refer to it; empty when everything agrees. */
export function crossCheck(objects: K8sObject[], served: ServedPaths, known: Set<string> = cxgraphVariables()): string[] {
  const problems: string[] = [];
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'cxgraph');
  if (!deployment) return ['no Deployment cxgraph'];
  const template = (deployment.spec as { template: PodTemplate }).template;
  const c = template.spec.containers.find((x) => x.name === 'cxgraph');
  if (!c) return ['Deployment cxgraph has no container cxgraph'];
  const env = new Map((c.env ?? []).map((e) => [e.name, e]));

  for (const e of c.env ?? []) {
    if (!known.has(e.name)) problems.push(`env ${e.name} is not a variable cxgraph reads (src/config)`);
    if (SECRET_VARIABLES.test(e.name) && e.valueFrom?.secretKeyRef === undefined)
      problems.push(`env ${e.name} is secret: it must come from a secretKeyRef, not a value`);
  }
  if (objects.some((o) => o.kind === 'Secret')) problems.push('a Secret is part of the manifests: secrets are referenced, created outside them');

  const port = Number(env.get('PORT')?.value ?? DEFAULTS.port);
  const http = c.ports?.find((p) => p.containerPort === port);
  if (!http) problems.push(`no container port ${port} (PORT)`);
  for (const [kind, path] of [
    ['startupProbe', undefined],
    ['livenessProbe', '/healthz'],
    ['readinessProbe', '/readyz'],
  ] as const) {
    const get = c[kind]?.httpGet;
    if (!get) {
      if (kind !== 'startupProbe') problems.push(`${kind} is missing`);
      continue;
    }
    if (path !== undefined && get.path !== path) problems.push(`${kind} is on ${get.path}, expected ${path}`);
    if (!served.ok.has(get.path ?? '')) problems.push(`${kind} path ${get.path} is not answered 200 by cxgraph`);
    if (get.port !== port && (get.port !== http?.name || http?.name === undefined))
      problems.push(`${kind} is on port ${String(get.port)}, cxgraph listens on ${port} (PORT)`);
  }

  const grace = Number(env.get('CXGRAPH_SHUTDOWN_GRACE_MS')?.value ?? DEFAULTS.resilience.shutdownGraceMs);
  const preStop = c.lifecycle?.preStop?.exec?.command;
  const preStopMs = preStop?.[0] === 'sleep' ? Number(preStop[1]) * 1000 : 0;
  const termination = (template.spec.terminationGracePeriodSeconds ?? 30) * 1000;
  if (termination <= preStopMs + grace + EXIT_MARGIN_MS) {
    problems.push(
      `terminationGracePeriodSeconds ${termination / 1000} s is not above preStop ${preStopMs / 1000} s + CXGRAPH_SHUTDOWN_GRACE_MS ${grace / 1000} s + ${EXIT_MARGIN_MS / 1000} s`,
    );
  }

  // Whatever refers to the pods must select them.
  const podLabels = template.metadata?.labels ?? {};
  const selects = (sel: Record<string, string> | undefined) => sel !== undefined && Object.entries(sel).every(([k, v]) => podLabels[k] === v);
  for (const o of objects) {
    const spec = o.spec as Record<string, unknown>;
    if (o.kind === 'Service' && o.metadata.name === 'cxgraph') {
      if (!selects(spec.selector as Record<string, string>)) problems.push('Service cxgraph does not select the pods');
      const ports = spec.ports as { targetPort?: number | string }[];
      if (!ports.some((p) => p.targetPort === port || (p.targetPort === http?.name && http?.name !== undefined)))
        problems.push(`Service cxgraph does not target port ${port}`);
    }
    if ((o.kind === 'PodDisruptionBudget' || o.kind === 'NetworkPolicy') && o.metadata.name === 'cxgraph') {
      const sel = (o.kind === 'NetworkPolicy' ? spec.podSelector : spec.selector) as { matchLabels?: Record<string, string> };
      if (!selects(sel.matchLabels)) problems.push(`${o.kind} cxgraph does not select the pods`);
    }
    if (o.kind === 'HorizontalPodAutoscaler') {
      const target = spec.scaleTargetRef as { kind: string; name: string };
      if (target.kind !== 'Deployment' || target.name !== 'cxgraph') problems.push('the HorizontalPodAutoscaler does not scale Deployment cxgraph');
    }
  }
  return problems;
}
