/**
 * The app's Vite configuration. In development the dev server is the app's only origin: it proxies to cxgraph the
 * GraphQL POSTs to `/`, the signed media links (`/media/…`, the `<audio src>`) and the PBX consent callback
 * (`/oauth/…`), so cxgraph runs with CXGRAPH_PUBLIC_URL set to this origin and the browser never needs CORS.
 * `npm run example` (scripts/example.ts) builds the same configuration with `webConfig`; `npx vite` here uses
 * CXGRAPH_URL (default http://127.0.0.1:4001), and GRAPHQL_URL when GraphQL goes to a router instead.
 * The production build ships no source map: it would publish the app's source (2.2 MB of it) to every visitor.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type UserConfig } from 'vite';

export interface WebConfigOptions {
  /** Where cxgraph listens, e.g. http://127.0.0.1:4001: media links and the PBX callback. */
  cxgraphUrl: string;
  /** Where GraphQL goes: cxgraph (the default), or the router of a supergraph (`npm run example -- --supergraph`). */
  graphqlUrl?: string;
  port?: number;
  host?: string;
  /** VITE_* settings of the app (src/settings.ts), e.g. { VITE_CALLS_WEEK_OF: '2024-05-01' }. */
  env?: Record<string, string>;
}

export function webConfig({ cxgraphUrl, graphqlUrl = cxgraphUrl, port = 5173, host = 'localhost', env = {} }: WebConfigOptions): UserConfig {
  const target = cxgraphUrl.replace(/\/+$/, '');
  const graphql = graphqlUrl.replace(/\/+$/, '');
  return {
    root: fileURLToPath(new URL('.', import.meta.url)),
    plugins: [react()],
    define: Object.fromEntries(Object.entries(env).map(([k, v]) => [`import.meta.env.${k}`, JSON.stringify(v)])),
    server: {
      port,
      host,
      strictPort: true,
      proxy: {
        // GraphQL: POST / only; a GET of / is the app's page.
        '^/$': { target: graphql, bypass: (req) => (req.method === 'POST' ? undefined : req.url) },
        '/media/': { target },
        '/oauth/': { target },
      },
    },
    // Scanned up front, so the first page load does not discover them and reload.
    optimizeDeps: {
      include: [
        'react',
        'react-dom/client',
        'react/jsx-runtime',
        'react/jsx-dev-runtime',
        '@apollo/client',
        '@apollo/client/react',
        '@apollo/client/errors',
        '@apollo/client/link/persisted-queries',
        '@apollo/client/link/context',
        'rxjs',
      ],
    },
    build: { outDir: 'dist', sourcemap: false },
  };
}

const cxgraphUrl = process.env.CXGRAPH_URL ?? 'http://127.0.0.1:4001';
export default defineConfig(webConfig({ cxgraphUrl, graphqlUrl: process.env.GRAPHQL_URL ?? cxgraphUrl }));
