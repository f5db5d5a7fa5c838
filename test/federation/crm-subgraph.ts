/**
 * A small second subgraph, as a company's own CRM service would be: contacts that reference cxgraph's
 * `Recording` and `User` entities by key, a `Recording.contacts` field the CRM adds to cxgraph's entity, and the
 * Relay `PageInfo` most subgraphs define. The federation tests compose it with cxgraph and run a gateway over
 * both; it counts the requests it receives so the tests can assert how the gateway batched.
 */
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { parse } from 'graphql';
import { startRecordedSubgraph, type RecordedSubgraph } from './recorded-subgraph.js';

export const CRM_TYPE_DEFS = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])

  "A customer contact in the CRM."
  type Contact @key(fields: "id") {
    id: ID!
    name: String!
    "Call recordings the CRM has filed against this contact; cxgraph says whether each exists (null where its check failed)."
    recordings: [Recording]!
    "The contact-centre user who owns the account; cxgraph resolves the details."
    owner: User
  }

  type ContactConnection {
    nodes: [Contact!]!
    pageInfo: PageInfo!
  }

  type PageInfo @shareable {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  type Recording @key(fields: "company organisation folder filename") {
    company: String!
    organisation: String!
    folder: String!
    filename: String!
    "Contacts that have this recording filed against them."
    contacts: [Contact!]!
  }

  type User @key(fields: "provider id", resolvable: false) {
    provider: Provider!
    id: ID!
  }

  enum Provider {
    CALLJOURNEY
    SANGOMA
    CLOUDCX
    NEWVOICEMEDIA
    PBX
  }

  type Query {
    "Contacts, a page at a time."
    contacts(first: Int = 10, after: String): ContactConnection!
  }
`);

export interface RecordingRef {
  company: string;
  organisation: string;
  folder: string;
  filename: string;
}

export interface CrmContact {
  id: string;
  name: string;
  recordings: RecordingRef[];
  owner: { provider: 'NEWVOICEMEDIA' | 'CLOUDCX'; id: string } | null;
}

const keyOf = (r: RecordingRef) => JSON.stringify([r.company, r.organisation, r.folder, r.filename]);

function resolversFor(contacts: readonly CrmContact[]): GraphQLResolverMap<unknown> {
  return {
    Query: {
      contacts: (_: unknown, { first, after }: { first: number; after?: string | null }) => {
        const start = after ? Number(after) : 0;
        const nodes = contacts.slice(start, start + first);
        const end = start + nodes.length;
        return { nodes, pageInfo: { hasNextPage: end < contacts.length, hasPreviousPage: start > 0, startCursor: String(start), endCursor: String(end) } };
      },
    },
    Contact: {
      __resolveReference: (ref: { id: string }) => contacts.find((c) => c.id === ref.id) ?? null,
      owner: (c: CrmContact) => (c.owner ? { __typename: 'User', ...c.owner } : null),
    },
    Recording: {
      __resolveReference: (ref: RecordingRef) => ref,
      contacts: (r: RecordingRef) => contacts.filter((c) => c.recordings.some((x) => keyOf(x) === keyOf(r))),
    },
  };
}

export type CrmSubgraph = RecordedSubgraph;

export function startCrmSubgraph(contacts: readonly CrmContact[]): Promise<CrmSubgraph> {
  return startRecordedSubgraph(CRM_TYPE_DEFS, resolversFor(contacts));
}
