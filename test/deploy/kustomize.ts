/**
 * A small kustomize renderer for deploy/kubernetes/, for machines without kubectl (CI's): it implements exactly the
 * kustomization fields the manifests use — `resources` (files and directories), `namespace`, `labels` (metadata
 * labels only, as kustomize does without includeSelectors/includeTemplates) and `patches` that are RFC 6902 JSON
 * patches on a target kind and name — and refuses any other field, so a kustomization it cannot render faithfully
 * fails the test instead of being rendered wrong. Where kubectl is installed the test compares with `kubectl kustomize`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } } & Record<
  string,
  unknown
>;

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  resources?: string[];
  namespace?: string;
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  patches?: { target?: { kind?: string; name?: string }; patch?: string; path?: string }[];
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'labels', 'patches']);
/** Kinds that live in a namespace, of those used here (kustomize leaves cluster-scoped ones alone). */
const NAMESPACED = new Set([
  'Deployment',
  'Service',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'NetworkPolicy',
  'ConfigMap',
  'Secret',
  'ServiceAccount',
]);

export function readYamlObjects(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).flatMap((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    const o = d.toJS() as K8sObject | null;
    return o === null ? [] : [o];
  });
}

/** Renders the kustomization in `dir` as `kubectl kustomize dir` does (for the fields above). */
export function renderKustomization(dir: string): K8sObject[] {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file) throw new Error(`${dir}: no kustomization.yaml`);
  const k = readYamlObjects(file)[0] as unknown as Kustomization;
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0)
    throw new Error(`${file}: ${unsupported.join(', ')} not rendered by test/deploy/kustomize.ts (it renders ${[...SUPPORTED].join(', ')})`);

  let objects: K8sObject[] = [];
  for (const r of k.resources ?? []) {
    const path = resolve(dir, r);
    objects.push(...(statSync(path).isDirectory() ? renderKustomization(path) : readYamlObjects(path)));
  }
  objects = structuredClone(objects);
  for (const p of k.patches ?? []) {
    const text = p.path !== undefined ? readFileSync(resolve(dir, p.path), 'utf8') : p.patch;
    const ops = parseAllDocuments(text ?? '')[0]?.toJS() as unknown;
    if (!Array.isArray(ops)) throw new Error(`${file}: only JSON 6902 patches (a list of operations) are rendered here`);
    const targets = objects.filter((o) => (!p.target?.kind || o.kind === p.target.kind) && (!p.target?.name || o.metadata.name === p.target.name));
    if (targets.length === 0) throw new Error(`${file}: a patch targets ${JSON.stringify(p.target)}, which no resource is`);
    for (const t of targets) for (const op of ops as JsonPatchOp[]) applyOp(t, op, file);
  }
  for (const l of k.labels ?? []) {
    if (l.includeSelectors || l.includeTemplates) throw new Error(`${file}: labels with includeSelectors/includeTemplates are not rendered here`);
    for (const o of objects) o.metadata.labels = { ...o.metadata.labels, ...l.pairs };
  }
  if (k.namespace) for (const o of objects) if (NAMESPACED.has(o.kind)) o.metadata.namespace = k.namespace;
  return objects;
}

interface JsonPatchOp {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

/** RFC 6902 add / replace / remove, with RFC 6901 pointers; a path that does not exist is an error, as in kustomize. */
function applyOp(target: K8sObject, op: JsonPatchOp, file: string): void {
  const keys = op.path
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = keys.pop();
  if (last === undefined) throw new Error(`${file}: cannot patch the whole object`);
  let parent: unknown = target;
  for (const key of keys) {
    parent = (parent as Record<string, unknown>)?.[key];
    if (parent === undefined || parent === null || typeof parent !== 'object')
      throw new Error(`${file}: ${op.op} ${op.path}: ${key} does not exist in ${target.kind}/${target.metadata.name}`);
  }
  const missing = () => new Error(`${file}: ${op.op} ${op.path}: no such member in ${target.kind}/${target.metadata.name}`);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > parent.length || (op.op !== 'add' && i >= parent.length)) throw missing();
    if (op.op === 'add') parent.splice(i, 0, structuredClone(op.value));
    else if (op.op === 'replace') parent[i] = structuredClone(op.value);
    else parent.splice(i, 1);
    return;
  }
  const obj = parent as Record<string, unknown>;
  if (op.op !== 'add' && !(last in obj)) throw missing();
  if (op.op === 'remove') delete obj[last];
  else if (op.op === 'add' || op.op === 'replace') obj[last] = structuredClone(op.value);
  else throw new Error(`${file}: op ${String((op as { op: unknown }).op)} is not rendered here`);
}

export const kustomizationDir = (...parts: string[]) => resolve(dirname(new URL(import.meta.url).pathname), '../../deploy/kubernetes', ...parts);
