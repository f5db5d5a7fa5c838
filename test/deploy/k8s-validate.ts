/**
 * Validates Kubernetes objects against the API's OpenAPI schemas, as shipped by kubernetes-models (Kubernetes 1.27
 * definitions): its model classes check types, required fields, formats and int-or-string values, but let unknown
 * fields through. A misspelled field (`replica:`, `readinesProbe:`) is caught by TypeScript instead: every object is
 * type-checked as an object literal of kubernetes-models' interface for its kind, and excess properties are errors.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { K8sObject } from './kustomize.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** `apps/v1` + `Deployment` → the kubernetes-models module of that model. */
const modulePath = (o: { apiVersion: string; kind: string }) => `kubernetes-models/${o.apiVersion}/${o.kind}`;

/** What is wrong with each object, by `Kind/name`; empty when every one is valid. */
export async function validateObjects(objects: K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata?.name}`;
    let Model: (new (data: unknown) => { validate(): void }) | undefined;
    try {
      Model = ((await import(modulePath(o))) as Record<string, new (data: unknown) => { validate(): void }>)[o.kind];
    } catch {
      problems.push(`${id}: no schema for apiVersion ${o.apiVersion}, kind ${o.kind}`);
      continue;
    }
    try {
      new Model!(o).validate();
    } catch (e) {
      problems.push(`${id}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return [...problems, ...unknownFields(objects.filter((o) => !problems.some((p) => p.startsWith(`${o.kind}/${o.metadata?.name}: no schema`))))];
}

/** Fields the schema does not have, found by TypeScript's excess-property check against kubernetes-models' types. */
function unknownFields(objects: K8sObject[]): string[] {
  const file = join(HERE, '__objects__.ts'); // never written: served to the compiler from memory
  const source = objects
    .map((o, i) => `import type { I${o.kind} as T${i} } from '${modulePath(o)}';\nexport const o${i}: T${i} = ${JSON.stringify(o, null, 1)};\n`)
    .join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  const getSource = host.getSourceFile.bind(host);
  host.readFile = (f) => (f === file ? source : read(f));
  host.fileExists = (
    (exists) => (f: string) =>
      f === file || exists(f)
  )(host.fileExists.bind(host));
  host.getSourceFile = (f, lang, ...rest) => (f === file ? ts.createSourceFile(f, source, lang) : getSource(f, lang, ...rest));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return message;
    // Name the object the diagnostic is in: the nearest `export const oN` above it.
    const before = source.slice(0, d.start);
    const n = Number(/export const o(\d+):(?![\s\S]*export const o\d+:)/.exec(before)?.[1] ?? -1);
    const o = objects[n];
    return `${o ? `${o.kind}/${o.metadata.name}` : 'objects'}: ${message.split('\n')[0]}`;
  });
}
