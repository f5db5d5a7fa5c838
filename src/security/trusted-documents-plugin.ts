/**
 * CXGRAPH_PERSISTED_DOCUMENTS_ONLY, checked on the document Apollo Server is about to execute. The HTTP gate
 * (persisted-documents.ts) refuses by the shape of the request before anything is parsed; this checks what the
 * request resolved to — a listed id's text, APQ's document read from the shared cache (which a replica without
 * `_ONLY` on the same Redis may have registered), a GET's query — so no path runs a document the manifest does not
 * list. The same exceptions as the gate: an authenticated router's own documents, `_service` and, while introspection
 * is on, introspection-only documents.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Caller } from '../domain/caller.js';
import { freeToRunDocument, type PersistedDocumentsConfig } from './persisted-documents.js';

export function trustedDocumentsPlugin<C extends { caller: Caller }>(
  config: PersistedDocumentsConfig | undefined,
  opts: { introspection: boolean },
): ApolloServerPlugin<C> {
  if (!config?.only) return {};
  const bodies = new Set(config.operations.map((o) => o.body));
  return {
    async requestDidStart() {
      return {
        // After parsing and validation (Apollo answers a throw here as the error's own HTTP status, and stores
        // nothing in the APQ cache); before execution, so no resolver and no platform is reached.
        async didResolveOperation(rc) {
          if (rc.contextValue.caller.kind === 'router' || bodies.has(rc.source) || freeToRunDocument(rc.document, opts.introspection)) return;
          throw new GraphQLError(
            'This cxgraph runs only the trusted documents of CXGRAPH_PERSISTED_DOCUMENTS (CXGRAPH_PERSISTED_DOCUMENTS_ONLY=true): send a listed document’s id in extensions.persistedQuery.sha256Hash',
            {
              extensions: { code: 'QUERY_NOT_IN_SAFELIST', http: { status: 400 } },
            },
          );
        },
      };
    },
  };
}
