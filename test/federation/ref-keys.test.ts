/**
 * Keys others can hold (docs/tenancy.md): a company subgraph that stores cxgraph entities by `ref` alone — no cxgraph
 * enum declared — composes, and still composes once cxgraph's Provider enum gains a sixth value.
 */
import { parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { composeSubgraphs, type SubgraphSdl } from '../../scripts/compose.js';
import { loadTypeDefs } from '../../src/graphql/schema.js';

const COMPANY = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type User @key(fields: "ref", resolvable: false) {
    ref: ID!
  }
  type Agent @key(fields: "ref", resolvable: false) {
    ref: ID!
  }
  type Call @key(fields: "ref", resolvable: false) {
    ref: ID!
  }
  type Recording @key(fields: "ref", resolvable: false) {
    ref: ID!
  }
  type Ticket @key(fields: "id") {
    id: ID!
    requester: User
    handledBy: Agent
    call: Call
    recording: Recording
  }
  type Query {
    ticket(id: ID!): Ticket
  }
`);

const company: SubgraphSdl = { name: 'company', url: 'http://company:4003/', typeDefs: COMPANY };

function composes(cxgraphSdl: string): string[] {
  const r = composeSubgraphs([{ name: 'cxgraph', url: 'http://cxgraph:4001/', typeDefs: parse(cxgraphSdl) }, company]);
  return r.ok ? [] : r.errors.map(String);
}

describe('ref keys', () => {
  it('a subgraph referencing users, agents, calls and recordings by ref composes, before and after a sixth provider', () => {
    const today = print(loadTypeDefs());
    expect(composes(today)).toEqual([]);
    const withSixth = today.replace(/enum Provider \{/, 'enum Provider {\n  "A sixth platform."\n  ACME');
    expect(withSixth).not.toBe(today);
    expect(composes(withSixth)).toEqual([]);
  });
});
