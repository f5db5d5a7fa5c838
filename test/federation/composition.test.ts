/**
 * cxgraph's SDL composed by @apollo/composition (what Rover and GraphOS run): alone, and with a second subgraph
 * that references its entities and shares PageInfo. No errors, and no hints at all: every hint composition could
 * give has been read and designed away, so a new one fails here and gets read too.
 */
import { spawnSync } from 'node:child_process';
import { ROUTER_SUPPORTED_SUPERGRAPH_FEATURES, Supergraph } from '@apollo/federation-internals';
import { ApolloGateway } from '@apollo/gateway';
import { Kind, parse, print, visit, type DirectiveNode, type DocumentNode, type ObjectTypeDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { composeSubgraphs, ROOT, type SubgraphSdl } from '../../scripts/compose.js';
import { loadTypeDefs } from '../../src/graphql/schema.js';
import { CRM_TYPE_DEFS } from './crm-subgraph.js';

const cxgraph = (typeDefs: DocumentNode = loadTypeDefs()): SubgraphSdl => ({ name: 'cxgraph', url: 'http://cxgraph:4001/', typeDefs });
const crm: SubgraphSdl = { name: 'crm', url: 'http://crm:4002/', typeDefs: CRM_TYPE_DEFS };

function supergraphOf(subgraphs: SubgraphSdl[]): DocumentNode {
  const r = composeSubgraphs(subgraphs);
  if (!r.ok) throw new Error(`composition failed:\n${r.errors.join('\n')}`);
  expect(r.hints.map((h) => `[${h.definition.code}] ${h.message}`)).toEqual([]);
  return parse(r.supergraphSdl);
}

function objectType(doc: DocumentNode, name: string): ObjectTypeDefinitionNode {
  const t = doc.definitions.find((d): d is ObjectTypeDefinitionNode => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === name);
  if (!t) throw new Error(`no type ${name} in the supergraph`);
  return t;
}

/** `@join__type(graph: X, key: "…")` arguments of a type, as `{ graph, key }`. */
function joinTypes(t: ObjectTypeDefinitionNode): { graph: string; key?: string; resolvable?: boolean }[] {
  return (t.directives ?? [])
    .filter((d) => d.name.value === 'join__type')
    .map((d) => {
      const arg = (n: string) => d.arguments?.find((a) => a.name.value === n)?.value;
      const graph = arg('graph');
      const key = arg('key');
      const resolvable = arg('resolvable');
      return {
        graph: graph?.kind === Kind.ENUM ? graph.value : '?',
        ...(key?.kind === Kind.STRING ? { key: key.value } : {}),
        ...(resolvable?.kind === Kind.BOOLEAN ? { resolvable: resolvable.value } : {}),
      };
    });
}

describe('composition', () => {
  it('cxgraph alone composes with no error and no hint, its five entities keyed as documented (and each by `ref`, docs/tenancy.md)', () => {
    const sg = supergraphOf([cxgraph()]);
    const keys = Object.fromEntries(['Recording', 'User', 'Agent', 'PbxAccount', 'Call'].map((n) => [n, joinTypes(objectType(sg, n))]));
    expect(keys).toEqual({
      Recording: [
        { graph: 'CXGRAPH', key: 'company organisation folder filename' },
        { graph: 'CXGRAPH', key: 'ref' },
      ],
      User: [
        { graph: 'CXGRAPH', key: 'provider id' },
        { graph: 'CXGRAPH', key: 'ref' },
      ],
      Agent: [
        { graph: 'CXGRAPH', key: 'provider id' },
        { graph: 'CXGRAPH', key: 'ref' },
      ],
      PbxAccount: [
        { graph: 'CXGRAPH', key: 'id' },
        { graph: 'CXGRAPH', key: 'ref' },
      ],
      Call: [
        { graph: 'CXGRAPH', key: 'provider id' },
        { graph: 'CXGRAPH', key: 'ref' },
      ],
    });
  });

  it('uses one Federation 2 version, importing only the directives the schema uses', () => {
    const links: string[] = [];
    const used = new Set<string>();
    visit(loadTypeDefs(), {
      Directive(d: DirectiveNode) {
        if (d.name.value === 'link') links.push(print(d));
        // @cacheControl is Apollo Server's, defined in schema/cache-control.graphql: no @link imports it.
        else if (d.name.value !== 'cacheControl') used.add(`@${d.name.value}`);
      },
    });
    expect(links).toEqual(['@link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@tag", "@requiresScopes"])']);
    expect([...used].sort()).toEqual(['@key', '@requiresScopes', '@shareable', '@tag']);
  });

  it('@tag marks only the mutations that place phone calls and the one that connects a PBX account', () => {
    const tagged: string[] = [];
    visit(supergraphOf([cxgraph()]), {
      FieldDefinition(f, _k, _p, _path, ancestors) {
        const parent = ancestors[ancestors.length - 1] as { name?: { value: string } } | undefined;
        for (const d of f.directives ?? []) {
          if (d.name.value !== 'tag') continue;
          const name = d.arguments?.[0]?.value;
          tagged.push(`${parent?.name?.value}.${f.name.value}:${name?.kind === Kind.STRING ? name.value : '?'}`);
        }
      },
    });
    expect(tagged.sort()).toEqual([
      'Mutation.beginPbxConnection:admin',
      'Mutation.disconnectPbxAccount:admin',
      'Mutation.startAgentCall:places-calls',
      'Mutation.startQueueCallback:places-calls',
    ]);
  });

  it('composes with a CRM subgraph that references Recording and User by key and defines the Relay PageInfo', () => {
    const sg = supergraphOf([cxgraph(), crm]);
    // Recording: cxgraph's entity, which the CRM also resolves (to add `contacts`); User: referenced only.
    expect(joinTypes(objectType(sg, 'Recording'))).toEqual([
      { graph: 'CRM', key: 'company organisation folder filename' },
      { graph: 'CXGRAPH', key: 'company organisation folder filename' },
      { graph: 'CXGRAPH', key: 'ref' },
    ]);
    expect(joinTypes(objectType(sg, 'User'))).toEqual([
      { graph: 'CRM', key: 'provider id', resolvable: false },
      { graph: 'CXGRAPH', key: 'provider id' },
      { graph: 'CXGRAPH', key: 'ref' },
    ]);
    const fields = (t: string) =>
      objectType(sg, t)
        .fields!.map((f) => f.name.value)
        .sort();
    expect(fields('Recording')).toEqual(['callId', 'company', 'contacts', 'exists', 'filename', 'folder', 'organisation', 'ref']);
    expect(fields('PageInfo')).toEqual(['endCursor', 'hasNextPage', 'hasPreviousPage', 'startCursor']);
    // Both subgraphs resolve every PageInfo field: it is one shared value type, not two.
    expect(joinTypes(objectType(sg, 'PageInfo')).map((j) => j.graph)).toEqual(['CRM', 'CXGRAPH']);
  });

  it("PageInfo's @shareable is what lets it compose: without it the same CRM is refused", () => {
    const unshared = parse(print(loadTypeDefs()).replace('type PageInfo @shareable @cacheControl', 'type PageInfo @cacheControl'));
    const r = composeSubgraphs([cxgraph(unshared), crm]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toMatch(/Non-shareable field "PageInfo\.hasNextPage" is resolved from multiple subgraphs/);
  });

  it('npm run supergraph prints a supergraph that Apollo Router loads, and @apollo/gateway without the scope directives', async () => {
    const run = spawnSync('npm', ['run', '--silent', 'supergraph'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, APOLLO_TELEMETRY_DISABLED: 'true' },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('@link(url: "https://specs.apollo.dev/join/');
    expect(run.stdout).toContain('@join__graph(name: "cxgraph", url: "http://cxgraph:4001/")');
    // The Router supports @requiresScopes (its authorization plugin); @apollo/gateway refuses the feature, so a
    // gateway gets a supergraph composed without it (CXGRAPH_SCOPE_DIRECTIVES=off, docs/supergraph.md "Scopes").
    const api = Supergraph.build(run.stdout, { supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES }).apiSchema().toGraphQLJSSchema();
    const roots = ['recording', 'recordings', 'users', 'agents', 'calls', 'pbxAccounts', 'providers'];
    expect(Object.keys(api.getQueryType()!.getFields())).toEqual(expect.arrayContaining(roots));
    process.env.APOLLO_TELEMETRY_DISABLED = 'true';
    const withoutScopes = visit(loadTypeDefs(), { Directive: (d) => (d.name.value === 'requiresScopes' ? null : undefined) });
    const unscoped = parse(print(withoutScopes).replace(', "@requiresScopes"', ''));
    const composed = composeSubgraphs([cxgraph(unscoped)]);
    if (!composed.ok) throw new Error(composed.errors.join('\n'));
    const gateway = new ApolloGateway({ supergraphSdl: composed.supergraphSdl });
    const { schema } = await gateway.load();
    expect(Object.keys(schema.getQueryType()!.getFields())).toEqual(expect.arrayContaining(roots));
    await gateway.stop();
  });
});
