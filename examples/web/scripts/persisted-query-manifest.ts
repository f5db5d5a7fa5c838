/**
 * Turns the client preset's list of persisted documents (src/gql/persisted-documents.json: `{ "<sha256>": "<body>" }`)
 * into an Apollo persisted query manifest (persisted-query-manifest.json), the format Apollo Router's persisted query
 * lists use (`rover persisted-queries publish --manifest`, or `persisted_queries.local_manifests`) and cxgraph reads
 * from CXGRAPH_PERSISTED_DOCUMENTS:
 *
 *   { "format": "apollo-persisted-query-manifest", "version": 1,
 *     "operations": [{ "id": "<sha256 of body>", "name": "Users", "type": "query", "body": "query Users(…) {…}" }] }
 *
 * Run by `npm run codegen` after graphql-codegen; the ids are the ones embedded in the generated documents, so the
 * app, the manifest and the server agree by construction. Operations are sorted by name, so the file is stable.
 *
 * With VITE_CXGRAPH_PREFIX (the app behind a router that serves cxgraph under CXGRAPH_SCHEMA_PREFIX) it also writes
 * persisted-query-manifest.<prefix>.json: the same operations as the app sends them there — the generated documents
 * rewritten by src/cxgraph/prefix.ts, printed by graphql-js, each id the SHA-256 of that text, which is what the app
 * computes in the browser (src/apollo.ts). That file goes to the router (not committed: it follows the prefix).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Kind, parse, print, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { prefixDocument, schemaNames } from '../src/cxgraph/prefix.js';
import * as generated from '../src/gql/graphql.js';

const HERE = new URL('../', import.meta.url);
export const DOCUMENTS = new URL('src/gql/persisted-documents.json', HERE);
export const MANIFEST = new URL('persisted-query-manifest.json', HERE);

export interface ManifestOperation {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

export function manifestOf(documents: Record<string, string>): { format: 'apollo-persisted-query-manifest'; version: 1; operations: ManifestOperation[] } {
  const operations = Object.entries(documents).map(([id, body]) => {
    // The id is what the app sends; it must be the body's SHA-256, as codegen.ts asks (hashAlgorithm).
    const sha = createHash('sha256').update(body).digest('hex');
    if (sha !== id) throw new Error(`persisted document ${id} is not the SHA-256 of its body (${sha}): run graphql-codegen again`);
    const ops = parse(body).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (ops.length !== 1 || !ops[0]!.name) throw new Error(`persisted document ${id} must hold exactly one named operation`);
    return { id, name: ops[0]!.name.value, type: ops[0]!.operation, body };
  });
  operations.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return { format: 'apollo-persisted-query-manifest', version: 1, operations };
}

/** The app's documents as it sends them under `prefix`, by id: the SHA-256 of each rewritten document's printed text. */
export function prefixedDocuments(prefix: string): Record<string, string> {
  schemaNames(prefix); // checks the value
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(generated)) {
    if (!name.endsWith('Document') || typeof value !== 'object' || (value as DocumentNode).kind !== Kind.DOCUMENT) continue;
    const body = print(prefixDocument(value as DocumentNode, prefix));
    out[createHash('sha256').update(body).digest('hex')] = body;
  }
  return out;
}

/** Where the manifest for `prefix` is written. */
export function prefixedManifestPath(prefix: string): string {
  return fileURLToPath(new URL(`persisted-query-manifest.${prefix}.json`, HERE));
}

function main(): void {
  const documents = JSON.parse(readFileSync(DOCUMENTS, 'utf8')) as Record<string, string>;
  const manifest = manifestOf(documents);
  writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`persisted-query-manifest.json: ${manifest.operations.length} operations (${manifest.operations.map((o) => o.name).join(', ')})`);
  const prefix = process.env.VITE_CXGRAPH_PREFIX;
  if (prefix) {
    const path = prefixedManifestPath(prefix);
    writeFileSync(path, `${JSON.stringify(manifestOf(prefixedDocuments(prefix)), null, 2)}\n`);
    console.log(`persisted-query-manifest.${prefix}.json: the same operations under VITE_CXGRAPH_PREFIX=${prefix}, for the router`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
