/**
 * GraphQL Mesh (v1 compose) over the same CallJourney simulator cxgraph uses: the peer baseline of the benchmark.
 * The OpenAPI source is what a Mesh user would write for this API; the read-only search POST is a Query field,
 * as in cxgraph. Mesh has no OAuth client-credentials flow, so the client's Authorization header is forwarded
 * (the benchmark pre-fetches one token and sends it), which spares Mesh all token management.
 * Plain JavaScript so the root TypeScript project never needs this package's modules.
 */
import { defineConfig } from '@graphql-mesh/compose-cli';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';

const endpoint = process.env.CALLJOURNEY_BASE_URL;
if (!endpoint) throw new Error('CALLJOURNEY_BASE_URL must name the CallJourney simulator');

export const composeConfig = defineConfig({
  subgraphs: [
    {
      sourceHandler: loadOpenAPISubgraph('CallJourney', {
        source: './calljourney.openapi.json',
        endpoint,
        operationHeaders: { authorization: '{context.headers.authorization}' },
        selectQueryOrMutationField: [{ type: 'Query', fieldName: 'conversationExists' }],
      }),
    },
  ],
});
