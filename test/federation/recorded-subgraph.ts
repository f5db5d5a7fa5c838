/** Serves a small test subgraph on loopback and records the GraphQL requests it receives (the gateway's fetches, Rover's `_service`). */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { DocumentNode } from 'graphql';

export interface RecordedSubgraph {
  url: string;
  /** GraphQL requests received, by operation name (the gateway names its fetches). */
  readonly requests: { operationName: string | null; query: string }[];
  stop(): Promise<void>;
}

export async function startRecordedSubgraph(typeDefs: DocumentNode, resolvers: GraphQLResolverMap<unknown>): Promise<RecordedSubgraph> {
  const requests: RecordedSubgraph['requests'] = [];
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs, resolvers }),
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      {
        async requestDidStart({ request }) {
          requests.push({ operationName: request.operationName ?? null, query: request.query ?? '' });
        },
      },
    ],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, requests, stop: () => server.stop() };
}
