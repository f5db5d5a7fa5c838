/**
 * deploy/kubernetes/: the base and every overlay render (with `kubectl kustomize` where it is installed, compared
 * with this test's own renderer; with the renderer alone where it is not), every rendered object is valid against
 * the Kubernetes API schemas, and the cxgraph Deployment agrees with cxgraph itself (test/deploy/cross-check.ts).
 * The checks are shown to refuse broken objects: a misspelled field, a wrong type, a probe on another port or path.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { startServer, type TestServer } from '../support/harness.js';
import { crossCheck, type ServedPaths } from './cross-check.js';
import { validateObjects } from './k8s-validate.js';
import { kustomizationDir, renderKustomization, type K8sObject } from './kustomize.js';

const OVERLAYS = readdirSync(kustomizationDir('overlays'));
const TARGETS = ['base', ...OVERLAYS.map((o) => `overlays/${o}`)];
const KUBECTL = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

const rendered = new Map<string, K8sObject[]>(TARGETS.map((t) => [t, renderKustomization(kustomizationDir(t))]));
const byId = (objects: K8sObject[]) => new Map(objects.map((o) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));
const find = (target: string, kind: string, name: string) => rendered.get(target)!.find((o) => o.kind === kind && o.metadata.name === name)!;

let server: TestServer;
let served: ServedPaths;
beforeAll(async () => {
  // The probe paths, asked of a real cxgraph (the embedded default's configuration: nothing configured).
  server = await startServer({});
  const ok = new Set<string>();
  for (const path of ['/healthz', '/readyz']) if ((await fetch(`${server.url}${path}`)).status === 200) ok.add(path);
  served = { ok };
});
afterAll(async () => {
  await server?.close();
});

describe.each(TARGETS)('deploy/kubernetes/%s', (target) => {
  it.skipIf(!KUBECTL)('renders as kubectl kustomize does', () => {
    const r = spawnSync('kubectl', ['kustomize', kustomizationDir(target)], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const theirs = parseAllDocuments(r.stdout).map((d) => d.toJS() as K8sObject);
    expect(byId(rendered.get(target)!)).toEqual(byId(theirs));
  });

  it('every object is valid against the Kubernetes API schemas', async () => {
    expect(rendered.get(target)!.length).toBeGreaterThan(0);
    expect(await validateObjects(rendered.get(target)!)).toEqual([]);
  });

  it('the cxgraph Deployment agrees with cxgraph: probes, port, variables, secrets, termination grace, selectors', () => {
    expect(crossCheck(rendered.get(target)!, served)).toEqual([]);
  });
});

if (!KUBECTL) {
  it('kubectl is not installed here: rendered by test/deploy/kustomize.ts alone (resources, namespace, labels, JSON patches), not compared with kubectl kustomize', () => {
    expect(KUBECTL).toBe(false);
  });
}

describe('what the overlays change', () => {
  it('production: its namespace, its image, every object labelled; 2 to 10 replicas', () => {
    const objects = rendered.get('overlays/production')!;
    expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set(['cxgraph']));
    for (const o of objects)
      expect(o.metadata.labels).toMatchObject({ 'app.kubernetes.io/part-of': 'cxgraph', 'app.kubernetes.io/instance': 'cxgraph-production' });
    const d = find('overlays/production', 'Deployment', 'cxgraph') as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } };
    expect(d.spec.template.spec.containers[0]!.image).toBe('registry.example.com/platform/cxgraph:0.1.0');
    expect(find('overlays/production', 'HorizontalPodAutoscaler', 'cxgraph').spec).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
  });

  it('try-redis: a Redis that never evicts, reachable from cxgraph only; cxgraph on one replica in development', () => {
    const redis = find('overlays/try-redis', 'Deployment', 'cxgraph-redis') as unknown as {
      spec: { template: { spec: { containers: { args: string[] }[] } } };
    };
    const args = redis.spec.template.spec.containers[0]!.args;
    expect(args[args.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
    expect(find('overlays/try-redis', 'NetworkPolicy', 'cxgraph-redis').spec).toMatchObject({
      ingress: [{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'cxgraph' } } }] }],
    });
    const env = (
      find('overlays/try-redis', 'Deployment', 'cxgraph') as unknown as {
        spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
      }
    ).spec.template.spec.containers[0]!.env;
    expect(env.find((e) => e.name === 'NODE_ENV')!.value).toBe('development');
    expect(find('overlays/try-redis', 'HorizontalPodAutoscaler', 'cxgraph').spec).toMatchObject({ minReplicas: 1, maxReplicas: 1 });
    expect(find('overlays/try-redis', 'PodDisruptionBudget', 'cxgraph').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'cxgraph' } },
    });
    // The base is unchanged by it.
    expect(find('base', 'PodDisruptionBudget', 'cxgraph').spec).toMatchObject({ minAvailable: 1 });
  });

  it('resources follow the benchmark: requests above the settled RSS, the limit above the peak (docs/operating.md "Performance", scenario 5)', () => {
    const c = (
      find('base', 'Deployment', 'cxgraph') as unknown as {
        spec: { template: { spec: { containers: { resources: { requests: Record<string, string>; limits: Record<string, string> } }[] } } };
      }
    ).spec.template.spec.containers[0]!;
    const mib = (q: string) => Number(/^(\d+)Mi$/.exec(q)![1]) * 1024 * 1024;
    expect(mib(c.resources.requests.memory!)).toBeGreaterThan(195e6); // ~195 MB settled after GC
    expect(mib(c.resources.limits.memory!)).toBeGreaterThan(382e6); // peak RSS at 100 connections
    expect(c.resources.limits.cpu).toBeUndefined();
  });
});

describe('the checks refuse broken objects', () => {
  const deployment = () =>
    structuredClone(find('base', 'Deployment', 'cxgraph')) as K8sObject & {
      spec: Record<string, unknown> & { template: { spec: { containers: Record<string, unknown>[]; terminationGracePeriodSeconds?: number } } };
    };

  it('a misspelled field', async () => {
    const d = deployment();
    d.spec.replica = 2;
    expect((await validateObjects([d])).join('\n')).toMatch(
      /^Deployment\/cxgraph: Object literal may only specify known properties, and '"replica"' does not exist in type 'IDeploymentSpec'/,
    );
    const probe = deployment();
    probe.spec.template.spec.containers[0]!.readinesProbe = probe.spec.template.spec.containers[0]!.readinessProbe;
    expect((await validateObjects([probe])).join('\n')).toMatch(/'"readinesProbe"' does not exist in type 'IContainer'/);
  });

  it('a value of the wrong type, and an unknown kind', async () => {
    const d = deployment();
    d.spec.replicas = 'two';
    expect((await validateObjects([d])).join('\n')).toMatch(/replicas must be integer/);
    expect(await validateObjects([{ apiVersion: 'apps/v1', kind: 'Deployement', metadata: { name: 'x' } }])).toEqual([
      'Deployement/x: no schema for apiVersion apps/v1, kind Deployement',
    ]);
  });

  it('a probe on a wrong port or path, a variable cxgraph does not read, a secret as a value, too short a grace', () => {
    const d = deployment();
    const c = d.spec.template.spec.containers[0] as {
      readinessProbe: { httpGet: { port: unknown; path: string } };
      livenessProbe: { httpGet: { path: string } };
      env: { name: string; value?: string; valueFrom?: unknown }[];
    };
    c.readinessProbe.httpGet.port = 8080;
    c.livenessProbe.httpGet.path = '/health';
    c.env.push({ name: 'CXGRAPH_SHUTDOWN_GRACE', value: '5000' }, { name: 'CXGRAPH_ROUTER_SECRET', value: 'in-plain-sight-0123456789' });
    d.spec.template.spec.terminationGracePeriodSeconds = 20;
    const others = rendered.get('base')!.filter((o) => o.kind !== 'Deployment');
    expect(crossCheck([d, ...others], served)).toEqual([
      'env CXGRAPH_SHUTDOWN_GRACE is not a variable cxgraph reads (src/config)',
      'env CXGRAPH_ROUTER_SECRET is secret: it must come from a secretKeyRef, not a value',
      'livenessProbe is on /health, expected /healthz',
      'livenessProbe path /health is not answered 200 by cxgraph',
      'readinessProbe is on port 8080, cxgraph listens on 4001 (PORT)',
      'terminationGracePeriodSeconds 20 s is not above preStop 5 s + CXGRAPH_SHUTDOWN_GRACE_MS 10 s + 5 s',
    ]);
  });

  it('a kustomization field the renderer does not implement, and a patch on a path that is not there', () => {
    expect(() => renderKustomization(kustomizationDir('../../test/deploy/fixtures/name-prefix'))).toThrow(
      /namePrefix not rendered by test\/deploy\/kustomize\.ts/,
    );
    expect(() => renderKustomization(kustomizationDir('../../test/deploy/fixtures/bad-patch'))).toThrow(
      /replace \/spec\/template\/spec\/containers\/0\/env\/99\/value: 99 does not exist in Deployment\/cxgraph/,
    );
  });
});
