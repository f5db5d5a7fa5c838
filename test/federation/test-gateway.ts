/**
 * A gateway as a platform team runs one: the subgraphs' SDL fetched over `_service { sdl }` (as Rover does),
 * composed with @apollo/composition, and served by @apollo/gateway on loopback, recording every fetch it sends.
 */
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { parse } from 'graphql';
import { composeSubgraphs, fetchServiceSdl } from '../../scripts/compose.js';

export interface GatewayFetch {
  subgraph: string;
  /** The root field the gateway asked for (`_entities`, `contacts`, `recordings`…). */
  field: string;
  /** The `__typename` of each representation of an `_entities` fetch, duplicates included. */
  typenames: string[];
}

export interface TestGateway {
  /** Without a trailing slash. */
  url: string;
  /** Composition hints (a clean composition has none). */
  hints: string[];
  /** What the gateway sent to the subgraphs, in order; clear it between tests. */
  readonly fetches: GatewayFetch[];
  stop(): Promise<void>;
}

export async function startTestGateway(subgraphs: readonly { name: string; url: string }[]): Promise<TestGateway> {
  // The gateway would otherwise report usage metrics to Apollo from a test run.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const composed = composeSubgraphs(await Promise.all(subgraphs.map(async (s) => ({ ...s, typeDefs: parse(await fetchServiceSdl(s.url)) }))));
  if (!composed.ok) throw new Error(`composition failed:\n${composed.errors.join('\n')}`);
  const fetches: GatewayFetch[] = [];
  const server = new ApolloServer({
    gateway: new ApolloGateway({
      supergraphSdl: composed.supergraphSdl,
      buildService: ({ name, url }) =>
        new RemoteGraphQLDataSource({
          url,
          willSendRequest({ request }) {
            const reps = (request.variables?.representations as { __typename: string }[] | undefined) ?? [];
            fetches.push({ subgraph: name, field: /\{\s*(\w+)/.exec(request.query ?? '')?.[1] ?? '?', typenames: reps.map((r) => r.__typename) });
          },
        }),
    }),
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url: url.replace(/\/$/, ''), hints: composed.hints.map((h) => h.message), fetches, stop: () => server.stop() };
}
