/**
 * `npm run example -- --supergraph`: the app as a frontend team sees it behind a platform team's router. cxgraph is
 * served with CXGRAPH_SCHEMA_PREFIX (`CxUser`, `cxCalls`…) and composed with a small company subgraph that has its
 * own `User`, `Call` and `users`/`calls` and references cxgraph's `CxRecording` and `CxUser` by key; a gateway serves
 * the supergraph and, like Apollo Router's persisted query safelist, runs only the app's documents (ids from the
 * prefixed manifest, scripts/persisted-query-manifest.ts), with cxgraph's own trusted-documents gate
 * (src/security/persisted-documents.ts) deciding.
 *
 * The gateway is @apollo/gateway with @apollo/composition, devDependencies of this repository: the example runs from a
 * development checkout, where they are installed. In production this place is Apollo Router's, given the same
 * manifest (`persisted_queries.local_manifests`) and a supergraph composed by Rover.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { composeSubgraphs, fetchServiceSdl } from '../../../scripts/compose.js';
import { createDocumentGate, sendDocumentRefusal, type ManifestOperation } from '../../../src/security/persisted-documents.js';

export interface Stoppable {
  url: string;
  stop(): Promise<void>;
}

/** A company's own subgraph: its directory and call log, pointing at cxgraph's user and recording entities. */
export async function startCompanySubgraph(prefix: string): Promise<Stoppable> {
  const typeDefs = parse(/* GraphQL */ `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

    "An employee in the company directory."
    type User @key(fields: "id") {
      id: ID!
      name: String!
      "The same person in the contact centre (cxgraph's user, by its key)."
      contactCentreUser: ${prefix}User
    }

    "A call in the company's own call log."
    type Call @key(fields: "id") {
      id: ID!
      "The call's recording in CallJourney: cxgraph says whether it exists."
      recording: ${prefix}Recording
    }

    type ${prefix}User @key(fields: "provider id", resolvable: false) {
      provider: ${prefix}Provider!
      id: ID!
    }

    type ${prefix}Recording @key(fields: "company organisation folder filename", resolvable: false) {
      company: String!
      organisation: String!
      folder: String!
      filename: String!
    }

    enum ${prefix}Provider {
      CALLJOURNEY
      SANGOMA
      CLOUDCX
      NEWVOICEMEDIA
      PBX
    }

    type Query {
      "The company directory."
      users: [User!]!
      "The company's call log."
      calls: [Call!]!
    }
  `);
  const resolvers = {
    Query: {
      users: () => [{ id: 'e1', name: 'Silvia Rossi', contactCentreUser: { provider: 'CLOUDCX', id: '1' } }],
      calls: () => [{ id: 'c1', recording: { company: 'acme', organisation: 'support', folder: '2024/05/01', filename: 'call-0001.wav' } }],
    },
  };
  const server = new ApolloServer({ schema: buildSubgraphSchema({ typeDefs, resolvers }), plugins: [ApolloServerPluginInlineTraceDisabled()] });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, stop: () => server.stop() };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

/**
 * The gateway on 127.0.0.1: the supergraph composed from what each subgraph serves in `_service { sdl }` (as Rover
 * does), and only the listed documents run (`operations`, by id), as a router with a persisted query safelist.
 */
export async function startGateway(
  subgraphs: readonly { name: string; url: string }[],
  operations: readonly ManifestOperation[],
  port = 0,
): Promise<Stoppable> {
  // @apollo/gateway would otherwise report usage to Apollo from a local example.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const composed = composeSubgraphs(await Promise.all(subgraphs.map(async (s) => ({ ...s, typeDefs: parse(await fetchServiceSdl(s.url)) }))));
  if (!composed.ok) throw new Error(`the supergraph does not compose:\n${composed.errors.join('\n')}`);
  const apollo = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: composed.supergraphSdl }) });
  await apollo.start();
  const gate = createDocumentGate({ path: "the app's prefixed manifest", only: true, operations }, { introspection: true, maxTokens: 15_000 });
  const http: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://gateway');
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      const admitted = gate.admit(req.method ?? 'GET', url.search, body, { kind: 'anonymous' });
      if (!admitted.ok) return sendDocumentRefusal(res, admitted, req.headers.accept);
      const headers = new HeaderMap();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: admitted.search, body: admitted.body },
        context: async () => ({}),
      });
      for (const [k, v] of result.headers) res.setHeader(k, v);
      res.statusCode = result.status ?? 200;
      if (result.body.kind === 'complete') return res.end(result.body.string);
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    })().catch((err: unknown) => {
      res.statusCode = 500;
      res.end(JSON.stringify({ errors: [{ message: `gateway: ${err instanceof Error ? err.message : String(err)}` }] }));
    });
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  const { port: bound } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    async stop() {
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await apollo.stop();
    },
  };
}
