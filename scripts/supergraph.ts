/**
 * `npm run supergraph`: composes the subgraphs of supergraph.yaml (cxgraph from schema/*.graphql) and prints the
 * supergraph SDL, what `rover supergraph compose --config supergraph.yaml` prints.
 *
 *   npm run --silent supergraph                                  print to stdout
 *   npm run supergraph -- --out supergraph.graphql               write the file the docker-compose router serves
 *   npm run supergraph -- --config other.yaml                    another subgraph list
 *   npm run supergraph -- --prefix Cx                            cxgraph's names as CXGRAPH_SCHEMA_PREFIX=Cx serves them
 *
 * Composition hints go to stderr; errors exit 1.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SCHEMA_PREFIX_PATTERN } from '../src/app/config.js';
import { parseCommandLine, usageError } from './cli.js';
import { composeSubgraphs, loadSubgraphs, readSupergraphConfig, SUPERGRAPH_CONFIG } from './compose.js';

const USAGE = `Usage: npm run supergraph -- [--config <file>] [--out <file>] [--prefix <Prefix>]

Composes the subgraphs listed in supergraph.yaml (cxgraph from schema/*.graphql) into a supergraph and prints its
SDL, as \`rover supergraph compose --config supergraph.yaml\` does. Hints go to stderr; a composition error exits 1.

  --config <file>  the subgraph list to compose (default: supergraph.yaml)
  --out <file>     write the SDL to <file> instead of stdout
                   (npm run supergraph -- --out supergraph.graphql updates the file the docker-compose router serves)
  --prefix <Prefix>  compose cxgraph as it serves itself with CXGRAPH_SCHEMA_PREFIX=<Prefix> (e.g. Cx: CxUser,
                   cxUsers); give the running cxgraph the same value. Default: no prefix
  -h, --help       print this and exit
`;

const values = parseCommandLine(USAGE, { config: { type: 'string' }, out: { type: 'string' }, prefix: { type: 'string' } });
const prefix = values.prefix ?? '';
if (prefix && !SCHEMA_PREFIX_PATTERN.test(prefix))
  usageError(USAGE, `--prefix must be the start of a GraphQL type name (a capital letter, then letters or digits, e.g. Cx), got ${JSON.stringify(prefix)}`);

try {
  const config = readSupergraphConfig(values.config ? resolve(values.config) : SUPERGRAPH_CONFIG);
  const composed = composeSubgraphs(await loadSubgraphs(config, fetch, prefix));
  if (!composed.ok) {
    process.stderr.write(`Composition failed:\n${composed.errors.map((e) => `  - ${e}`).join('\n')}\n`);
    process.exit(1);
  }
  for (const h of composed.hints) process.stderr.write(`hint [${h.definition.code}] ${h.message}\n`);
  if (values.out) {
    writeFileSync(resolve(values.out), composed.supergraphSdl.endsWith('\n') ? composed.supergraphSdl : `${composed.supergraphSdl}\n`);
    process.stderr.write(`Wrote ${values.out} (${config.subgraphs.map((s) => s.name).join(', ')})\n`);
  } else process.stdout.write(`${composed.supergraphSdl}\n`);
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
