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
 * - **Behind a router with a schema prefix** (VITE_CXGRAPH_PREFIX): documents, type and field policies follow it
 *   (cxgraph/prefix.ts).
 * - **The demo's tenants** (VITE_CXGRAPH_TENANTS, CXGRAPH_SIMULATORS=multi-tenant): the chosen tenant goes in a header
 *   on every operation (settings.ts).
 */
import { ApolloClient, DocumentTransform, HttpLink, InMemoryCache, type FieldPolicy, type Reference } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { print, type DocumentNode } from 'graphql';
import { prefixDocument, schemaNames } from './cxgraph/prefix.js';
import { sha256 } from './cxgraph/sha256.js';
import { CXGRAPH_PREFIX, GRAPHQL_URL, TENANT_HEADER, currentTenant } from './settings.js';

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

/**
 * The id of a document. As written, the one graphql-codegen embedded (client preset, `persistedDocuments`); under a
 * prefix, the SHA-256 of the rewritten document's printed text, as scripts/persisted-query-manifest.ts lists it.
 */
function documentId(prefix: string) {
  return (document: DocumentNode): string | Promise<string> => {
    if (prefix) return sha256(print(document));
    const id = (document as DocumentNode & { __meta__?: { hash?: string } }).__meta__?.hash;
    if (!id) throw new Error('This document has no persisted id: write operations with graphql() from src/gql and run npm run codegen');
    return id;
  };
}

interface CallPage {
  nodes: readonly Reference[];
  pageInfo: unknown;
}

/**
 * Cursor paging for `calls` (Calls.tsx, "Show more calls"). One list per platform and period: `first` and `after`
 * are not part of the key, so a `fetchMore` with `after: endCursor` lands in the list the first page started, and is
 * appended to it; a first page (no `after`, e.g. the refetch of a new visit) starts it again. Not Apollo Client's
 * `relayStylePagination`: that helper merges `edges` and their cursors, and cxgraph's connections have `nodes` and
 * one `pageInfo.endCursor` per page; the page's `pageInfo` is the newest one, whose `endCursor` the next page needs.
 */
export const callsPaging: FieldPolicy<CallPage> = {
  keyArgs: ['provider', 'from', 'to'],
  merge(existing, incoming, { args }) {
    if (!existing || !args?.after) return incoming;
    return { ...incoming, nodes: [...existing.nodes, ...incoming.nodes] };
  },
};

export function createClient(uri = GRAPHQL_URL, prefix = CXGRAPH_PREFIX, tenant = currentTenant()): ApolloClient {
  const names = schemaNames(prefix);
  const persisted = new PersistedQueryLink({
    generateHash: documentId(prefix),
    // An id cxgraph does not know is a deployment mistake to show, not a reason to send the whole document: a server
    // that safelists would refuse it anyway, and one that does not should not learn documents from the browser.
    retry: () => false,
    disable: () => false,
  });
  const entity = { keyFields: ['provider', 'id'] };
  return new ApolloClient({
    link: (tenant ? persisted.concat(tenantHeader(tenant)) : persisted).concat(new HttpLink({ uri })),
    // Under a prefix every document is rewritten before the cache or the link sees it (cxgraph/prefix.ts).
    documentTransform: new DocumentTransform((doc) => prefixDocument(doc, prefix)),
    cache: new InMemoryCache({
      typePolicies: {
        [names.type('User')]: entity,
        [names.type('Agent')]: entity,
        [names.type('Call')]: entity,
        // Values, not entities: kept inside whatever holds them.
        [names.type('Recording')]: { keyFields: false },
        [names.type('CallMedia')]: { keyFields: false },
        [names.type('ProviderConnection')]: { keyFields: false },
        Query: { fields: { [names.rootField('calls')]: callsPaging } },
      },
    }),
    defaultOptions: {
      watchQuery: { errorPolicy: 'all', notifyOnNetworkStatusChange: true },
      query: { errorPolicy: 'all' },
      mutate: { errorPolicy: 'all' },
    },
  });
}

/** Names the tenant the app acts for in TENANT_HEADER, on every operation. */
function tenantHeader(tenant: string): SetContextLink {
  return new SetContextLink((prev) => ({ headers: { ...(prev.headers as Record<string, string> | undefined), [TENANT_HEADER]: tenant } }));
}
