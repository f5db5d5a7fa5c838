/**
 * A company's own subgraph, as a platform team already runs one before it adds cxgraph: its own `User` (keyed by
 * `id`), `Agent` and `Call`, the Relay `PageInfo` as a shareable value type, and root fields named `users`, `agents`,
 * `calls` and `providers` — every name cxgraph also uses. Its calls point at their recordings in CallJourney through
 * cxgraph's `CxRecording` entity (cxgraph served with CXGRAPH_SCHEMA_PREFIX=Cx), which it references by key and
 * cannot resolve itself. It counts the requests it receives.
 */
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { parse } from 'graphql';
import { startRecordedSubgraph, type RecordedSubgraph } from './recorded-subgraph.js';

export const COMPANY_TYPE_DEFS = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])

  "An employee in the company directory."
  type User @key(fields: "id") {
    id: ID!
    email: String!
    name: String!
  }

  "A support agent as the workforce tool knows them."
  type Agent @key(fields: "id") {
    id: ID!
    name: String!
    team: String
  }

  "A call in the company's own call log."
  type Call @key(fields: "id") {
    id: ID!
    from: String!
    to: String!
    "The call's recording in CallJourney: cxgraph says whether it exists."
    recording: CxRecording
  }

  # cxgraph's recording entity, referenced by its key (no description: cxgraph's is the one to show).
  type CxRecording @key(fields: "company organisation folder filename", resolvable: false) {
    company: String!
    organisation: String!
    folder: String!
    filename: String!
  }

  type CallPage {
    nodes: [Call!]!
    pageInfo: PageInfo!
  }

  type PageInfo @shareable {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  "A system the company depends on, and whether it is up."
  type ProviderStatus {
    name: String!
    healthy: Boolean!
  }

  type Query {
    users: [User!]!
    agents: [Agent!]!
    calls(first: Int = 10): CallPage!
    providers: [ProviderStatus!]!
  }
`);

export interface CompanyCall {
  id: string;
  from: string;
  to: string;
  recording: { company: string; organisation: string; folder: string; filename: string } | null;
}

export const COMPANY_USERS = [
  { id: 'u1', email: 'ada@company.example', name: 'Ada' },
  { id: 'u2', email: 'bo@company.example', name: 'Bo' },
];

function resolversFor(calls: readonly CompanyCall[]): GraphQLResolverMap<unknown> {
  return {
    Query: {
      users: () => COMPANY_USERS,
      agents: () => [{ id: 'a1', name: 'Ada', team: 'Support' }],
      calls: (_: unknown, { first }: { first: number }) => ({
        nodes: calls.slice(0, first),
        pageInfo: { hasNextPage: calls.length > first, hasPreviousPage: false, startCursor: null, endCursor: null },
      }),
      providers: () => [{ name: 'crm', healthy: true }],
    },
    Call: {
      __resolveReference: (ref: { id: string }) => calls.find((c) => c.id === ref.id) ?? null,
      recording: (c: CompanyCall) => (c.recording ? { __typename: 'CxRecording', ...c.recording } : null),
    },
  };
}

export type CompanySubgraph = RecordedSubgraph;

export function startCompanySubgraph(calls: readonly CompanyCall[]): Promise<CompanySubgraph> {
  return startRecordedSubgraph(COMPANY_TYPE_DEFS, resolversFor(calls));
}
