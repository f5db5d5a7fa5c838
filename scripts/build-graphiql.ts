/** `npm run build`'s second step: the bundled GraphiQL of CXGRAPH_LANDING_PAGE=local into dist/graphiql/. */
import { buildGraphiqlBundle, GRAPHIQL_DIR } from '../src/graphql/landing-page/graphiql-bundle.js';

const started = Date.now();
await buildGraphiqlBundle();
console.log(`GraphiQL bundled into ${GRAPHIQL_DIR} in ${Date.now() - started} ms`);
