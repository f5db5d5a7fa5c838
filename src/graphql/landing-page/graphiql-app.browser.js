// The bundled GraphiQL page (CXGRAPH_LANDING_PAGE=local), built by esbuild into dist/graphiql/ (graphiql-bundle.ts).
// Plain JavaScript for the browser: the service's tsconfig has no DOM library and no JSX.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';

// Monaco's workers come from beside this script, never from a CDN (graphiql's esm.sh setup would reach out).
const base = new URL('./', document.currentScript.src);
globalThis.MonacoEnvironment = {
  getWorker(_id, label) {
    const file = label === 'json' ? 'json.worker.js' : label === 'graphql' ? 'graphql.worker.js' : 'editor.worker.js';
    return new Worker(new URL(file, base));
  },
};

// The endpoint is the page's own path (`/` or `/graphql`), on the page's own origin.
const fetcher = createGraphiQLFetcher({ url: window.location.pathname });
createRoot(document.getElementById('graphiql')).render(createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true }));
