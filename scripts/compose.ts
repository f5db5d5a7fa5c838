/**
 * Composing cxgraph into a supergraph with @apollo/composition, the library Rover and GraphOS run: shared by
 * `npm run supergraph` (scripts/supergraph.ts) and the federation tests, so what they check is what users get.
 *
 * The subgraph list comes from `supergraph.yaml`, the file `rover supergraph compose --config` reads. cxgraph
 * itself is composed from `schema/*.graphql` (no server needed; under a schema prefix when asked, as
 * CXGRAPH_SCHEMA_PREFIX serves it); another subgraph from its `schema.file`, or
 * from `schema.subgraph_url` (its `_service { sdl }`), as Rover does.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices, type CompositionSuccess } from '@apollo/composition';
import { parse, type DocumentNode } from 'graphql';
import { parse as parseYaml } from 'yaml';
import { servedTypeDefs } from '../src/graphql/schema.js';
import { parseCommandLine, usageError } from './cli.js';
import { isDesignedHint } from './schema-rules.js';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const SUPERGRAPH_CONFIG = resolve(ROOT, 'supergraph.yaml');
/** The committed supergraph the docker-compose router serves (`npm run supergraph -- --out supergraph.graphql`). */
export const SUPERGRAPH_FILE = resolve(ROOT, 'supergraph.graphql');
/** The subgraph name under which supergraph.yaml lists this service. */
export const CXGRAPH = 'cxgraph';

export interface SubgraphSource {
  name: string;
  /** Where the router sends this subgraph's fetches. */
  routingUrl: string;
  schema: { file: string } | { subgraphUrl: string } | { local: true };
}

export interface SupergraphConfig {
  /** Rover's `federation_version`, e.g. `=2.14.4`. */
  federationVersion: string;
  subgraphs: SubgraphSource[];
}

export interface SubgraphSdl {
  name: string;
  url: string;
  typeDefs: DocumentNode;
}

export type Composed = { ok: true; supergraphSdl: string; hints: CompositionSuccess['hints'] } | { ok: false; errors: string[] };

/** Reads and checks supergraph.yaml; every problem is reported at once, naming its place in the file. */
export function readSupergraphConfig(path = SUPERGRAPH_CONFIG): SupergraphConfig {
  const doc: unknown = parseYaml(readFileSync(path, 'utf8'));
  const problems: string[] = [];
  const root = isRecord(doc) ? doc : {};
  if (!isRecord(doc)) problems.push('the file must be a YAML mapping');
  const federationVersion = typeof root.federation_version === 'string' ? root.federation_version : '';
  if (!/^=?2\.\d+(\.\d+)?$/.test(federationVersion))
    problems.push(`federation_version must be a Federation 2 version such as "=2.14.4", got ${JSON.stringify(root.federation_version)}`);
  const subgraphs: SubgraphSource[] = [];
  const entries = isRecord(root.subgraphs) ? Object.entries(root.subgraphs) : [];
  if (entries.length === 0) problems.push('subgraphs must list at least one subgraph');
  for (const [name, raw] of entries) {
    const s = isRecord(raw) ? raw : {};
    const routingUrl = typeof s.routing_url === 'string' ? s.routing_url : '';
    if (!/^https?:\/\//.test(routingUrl)) problems.push(`subgraphs.${name}.routing_url must be an http(s) URL`);
    const schema = isRecord(s.schema) ? s.schema : {};
    if (name === CXGRAPH) subgraphs.push({ name, routingUrl, schema: { local: true } });
    else if (typeof schema.file === 'string') subgraphs.push({ name, routingUrl, schema: { file: resolve(dirname(path), schema.file) } });
    else if (typeof schema.subgraph_url === 'string') subgraphs.push({ name, routingUrl, schema: { subgraphUrl: schema.subgraph_url } });
    else problems.push(`subgraphs.${name}.schema must have a file or a subgraph_url (use rover for graphref sources)`);
  }
  if (!subgraphs.some((s) => s.name === CXGRAPH)) problems.push(`subgraphs must include ${CXGRAPH}`);
  if (problems.length > 0) throw new Error(`${path}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return { federationVersion, subgraphs };
}

/**
 * The SDL of each subgraph: cxgraph from schema/*.graphql (served under `prefix`, as CXGRAPH_SCHEMA_PREFIX would
 * serve it; '' = names as written), the others from their file or running server.
 */
export async function loadSubgraphs(config: SupergraphConfig, fetchImpl: typeof fetch = fetch, prefix = ''): Promise<SubgraphSdl[]> {
  return Promise.all(
    config.subgraphs.map(async (s): Promise<SubgraphSdl> => {
      const url = s.routingUrl;
      if ('local' in s.schema) return { name: s.name, url, typeDefs: servedTypeDefs(prefix) };
      if ('file' in s.schema) return { name: s.name, url, typeDefs: parse(readFileSync(s.schema.file, 'utf8')) };
      return { name: s.name, url, typeDefs: parse(await fetchServiceSdl(s.schema.subgraphUrl, fetchImpl)) };
    }),
  );
}

/** A running subgraph's own SDL (`_service { sdl }`), which keeps the federation directives introspection drops. */
export async function fetchServiceSdl(url: string, fetchImpl: typeof fetch = fetch): Promise<string> {
  const res = await fetchImpl(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'query __ApolloGetServiceDefinition__ { _service { sdl } }' }),
  });
  const body = (await res.json().catch(() => undefined)) as { data?: { _service?: { sdl?: unknown } } } | undefined;
  const sdl = body?.data?._service?.sdl;
  if (!res.ok || typeof sdl !== 'string') throw new Error(`${url} did not answer _service { sdl } (HTTP ${res.status}): is the subgraph running?`);
  return sdl;
}

export function composeSubgraphs(subgraphs: readonly SubgraphSdl[]): Composed {
  const result = composeServices(subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: s.typeDefs })));
  if (result.errors) return { ok: false, errors: result.errors.map((e) => e.message) };
  // The hint cxgraph's @cacheControl declaration gives by design is left out (scripts/schema-rules.ts): what remains is news.
  return { ok: true, supergraphSdl: result.supergraphSdl, hints: result.hints.filter((h) => !isDesignedHint(h)) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Run by itself (`npx tsx scripts/compose.ts`), this module has nothing to do: say where its command is.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const USAGE = `scripts/compose.ts is the composition library behind \`npm run supergraph\` and the federation tests; it is not a
command. To compose the subgraphs of supergraph.yaml:

  npm run supergraph -- --help
`;
  parseCommandLine(USAGE, {});
  usageError(USAGE, 'scripts/compose.ts takes no arguments and does nothing by itself');
}
