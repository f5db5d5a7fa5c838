/**
 * Apollo Client as a production frontend should use it with cxgraph:
 * - **Trusted documents.** Every operation is one of the documents listed in persisted-query-manifest.json
 *   (generated from this app by graphql-codegen). The persisted-query link sends only its id, in
 *   `extensions.persistedQuery.sha256Hash` — the field Apollo Router's persisted queries and Apollo Server both read —
 *   and never the document itself: cxgraph (CXGRAPH_PERSISTED_DOCUMENTS) or the router looks the id up in the same
 *   manifest. With CXGRAPH_PERSISTED_DOCUMENTS_ONLY=true nothing else runs.
 * - **Partial results.** `errorPolicy: 'all'`: a failing platform nulls only its own field; the data that did come
 *   is shown, and each panel shows the errors under its own path (ui/problems.tsx).
 * - **Entities keyed as cxgraph keys them**: `provider` + `id` (a NewVoiceMedia user and a CloudCX user may share an id).
 */
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import type { DocumentNode } from 'graphql';
import { GRAPHQL_URL } from './settings.js';

// Apollo Client 4 types results by the default error policy: declared here so every useQuery/useMutation knows that
// `data` may be partial and come with `error`.
declare module '@apollo/client' {
  export namespace ApolloClient {
    export namespace DeclareDefaultOptions {
      interface WatchQuery {
        errorPolicy: 'all';
      }
      interface Query {
        errorPolicy: 'all';
      }
      interface Mutate {
        errorPolicy: 'all';
      }
    }
  }
}

/** The id graphql-codegen embedded in the document (client preset, `persistedDocuments`). */
function documentId(document: DocumentNode): string {
  const id = (document as DocumentNode & { __meta__?: { hash?: string } }).__meta__?.hash;
  if (!id) throw new Error('This document has no persisted id: write operations with graphql() from src/gql and run npm run codegen');
  return id;
}

export function createClient(uri = GRAPHQL_URL): ApolloClient {
  const persisted = new PersistedQueryLink({
    generateHash: documentId,
    // An id cxgraph does not know is a deployment mistake to show, not a reason to send the whole document: a server
    // that safelists would refuse it anyway, and one that does not should not learn documents from the browser.
    retry: () => false,
    disable: () => false,
  });
  return new ApolloClient({
    link: persisted.concat(new HttpLink({ uri })),
    cache: new InMemoryCache({
      typePolicies: {
        User: { keyFields: ['provider', 'id'] },
        Agent: { keyFields: ['provider', 'id'] },
        Call: { keyFields: ['provider', 'id'] },
        // Values, not entities: kept inside whatever holds them.
        Recording: { keyFields: false },
        CallMedia: { keyFields: false },
        ProviderConnection: { keyFields: false },
      },
    }),
    defaultOptions: {
      watchQuery: { errorPolicy: 'all', notifyOnNetworkStatusChange: true },
      query: { errorPolicy: 'all' },
      mutate: { errorPolicy: 'all' },
    },
  });
}
