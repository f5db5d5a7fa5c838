/**
 * The bundled GraphiQL of CXGRAPH_LANDING_PAGE=local: `graphiql`, React and Monaco's workers built by esbuild into
 * dist/graphiql/ so the page loads nothing from another host. `npm run build` builds it (the Docker image ships it);
 * `npm start` builds it on first use where it is missing or from another graphiql version (esbuild is there in
 * development through tsx), so `npm ci && npm start` needs no extra step.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The project root, from src/graphql/landing-page/ (tsx) or dist/graphql/landing-page/ (compiled) alike. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const GRAPHIQL_DIR = `${ROOT}dist/graphiql`;
const STAMP = `${GRAPHIQL_DIR}/bundle.json`;

/**
 * The installed graphiql version: a bundle built from another one is rebuilt. Undefined where graphiql is not
 * installed (the Docker image: a dev dependency, bundled at build time), and the bundle there is taken as it is.
 */
function graphiqlVersion(): string | undefined {
  try {
    return (createRequire(import.meta.url)('graphiql/package.json') as { version: string }).version;
  } catch {
    return undefined;
  }
}

export function bundleIsCurrent(): boolean {
  if (!existsSync(STAMP)) return false;
  try {
    const installed = graphiqlVersion();
    return installed === undefined || (JSON.parse(readFileSync(STAMP, 'utf8')) as { graphiql?: string }).graphiql === installed;
  } catch {
    return false;
  }
}

/** Builds dist/graphiql/ with esbuild (a dev dependency: present wherever the TypeScript sources run). */
export async function buildGraphiqlBundle(): Promise<void> {
  const esbuild = await import('esbuild').catch(() => undefined);
  if (!esbuild)
    throw new Error(
      `CXGRAPH_LANDING_PAGE=local needs the bundled GraphiQL in ${GRAPHIQL_DIR}: run \`npm run build\` (esbuild is not installed here to build it)`,
    );
  // The browser entry is plain JavaScript that tsc does not copy: read from src/ (the Docker build stage has it).
  const entry = `${ROOT}src/graphql/landing-page/graphiql-app.browser.js`;
  const require = createRequire(import.meta.url);
  // Built aside and moved in whole, so a process starting meanwhile never serves half a bundle.
  const outdir = `${GRAPHIQL_DIR}.${process.pid}.tmp`;
  const common = { bundle: true, minify: true, format: 'iife', target: 'es2022', legalComments: 'none', logLevel: 'silent' } as const;
  await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: { graphiql: entry },
      outdir,
      // Monaco's codicon font, inlined so the stylesheet asks for nothing else.
      loader: { '.ttf': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl' },
      define: { 'process.env.NODE_ENV': '"production"' },
    }),
    esbuild.build({
      ...common,
      entryPoints: {
        'editor.worker': require.resolve('monaco-editor/esm/vs/editor/editor.worker.js'),
        'json.worker': require.resolve('monaco-editor/esm/vs/language/json/json.worker.js'),
        'graphql.worker': require.resolve('monaco-graphql/esm/graphql.worker.js'),
      },
      outdir,
    }),
  ]);
  writeFileSync(`${outdir}/bundle.json`, `${JSON.stringify({ graphiql: graphiqlVersion(), builtAt: new Date().toISOString() })}\n`);
  try {
    rmSync(GRAPHIQL_DIR, { recursive: true, force: true });
    renameSync(outdir, GRAPHIQL_DIR);
  } catch (err) {
    // Another process moved its own build in first: as good as this one.
    rmSync(outdir, { recursive: true, force: true });
    if (!bundleIsCurrent()) throw err;
  }
}
