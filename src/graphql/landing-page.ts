/**
 * The page `GET /` shows in a browser (CXGRAPH_LANDING_PAGE): Apollo Sandbox (from Apollo's CDN), GraphiQL bundled
 * with cxgraph and served from its own origin (`local`, for closed networks), or none. Apollo Server decides when the
 * page is shown (a browser GET without an operation) in every case; `local` only renders other HTML, whose scripts,
 * styles and workers come from /__cxgraph/graphiql/ on the same origin, and a Content-Security-Policy that lets the
 * browser fetch nothing from anywhere else.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { LandingPage } from '../config/browser-access-config.js';
import type { Logger } from '../observability/logger.js';
import { buildGraphiqlBundle, bundleIsCurrent, GRAPHIQL_DIR } from './landing-page/graphiql-bundle.js';

export const GRAPHIQL_ASSET_PREFIX = '/__cxgraph/graphiql/';
const ASSETS: Record<string, string> = {
  'graphiql.js': 'text/javascript; charset=utf-8',
  'graphiql.css': 'text/css; charset=utf-8',
  'editor.worker.js': 'text/javascript; charset=utf-8',
  'json.worker.js': 'text/javascript; charset=utf-8',
  'graphql.worker.js': 'text/javascript; charset=utf-8',
};
/** Monaco sets styles inline; everything else comes from this origin (`data:` for its icon font). */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'none'";

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cxgraph · GraphiQL</title>
<link rel="stylesheet" href="${GRAPHIQL_ASSET_PREFIX}graphiql.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="${GRAPHIQL_ASSET_PREFIX}graphiql.js"></script>
</body>
</html>
`;

export interface LandingPageSetup {
  plugin: ApolloServerPlugin;
  /** Serves the bundled page's files; true when it answered. Public, like the page itself. */
  serveAsset(req: IncomingMessage, res: ServerResponse, pathname: string): boolean;
}

/**
 * The plugin for the configured page; for `local`, the bundle too (built first where it is missing). `headers`: what
 * Sandbox's connection settings start with (the demo tenant header); GraphiQL has no such setting.
 */
export async function setUpLandingPage(choice: LandingPage, logger: Logger, headers?: Record<string, string>): Promise<LandingPageSetup> {
  if (choice === 'sandbox')
    return {
      plugin: ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false, ...(headers ? { headers } : {}) }),
      serveAsset: () => false,
    };
  if (choice === 'off') return { plugin: ApolloServerPluginLandingPageDisabled(), serveAsset: () => false };

  if (!bundleIsCurrent()) {
    logger.info({ dir: GRAPHIQL_DIR }, 'CXGRAPH_LANDING_PAGE=local: bundling GraphiQL (once; `npm run build` does it ahead)');
    await buildGraphiqlBundle();
  }
  // Read once: a handful of files, served from memory.
  const files = new Map(Object.entries(ASSETS).map(([name, type]) => [name, { type, body: readFileSync(`${GRAPHIQL_DIR}/${name}`) }]));
  const plugin: ApolloServerPlugin = {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          return { html: HTML };
        },
      };
    },
  };
  return {
    plugin,
    serveAsset(req, res, pathname) {
      if (!pathname.startsWith(GRAPHIQL_ASSET_PREFIX) || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
      const file = files.get(pathname.slice(GRAPHIQL_ASSET_PREFIX.length));
      if (!file) return false;
      res.writeHead(200, {
        'content-type': file.type,
        'content-length': file.body.length,
        'cache-control': 'public, max-age=3600',
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : file.body);
      return true;
    },
  };
}
