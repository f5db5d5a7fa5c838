/**
 * The `agents` capability (AgentDirectory) as clients see it through the GraphQL API: `agents(provider)` and
 * `Agent` entity references (schema/agent.graphql). Written once, run against every provider whose module lists
 * `agents` (agents.test.ts); what providers do differently is in their fixtures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureStarter, ProviderFixture } from './providers-offering.js';

export interface AgentsFixture extends ProviderFixture {
  /** Every agent the platform has for the configured (and, for the PBX, connected) accounts, each id once, any order. */
  agentIds: readonly string[];
  /** Ids that are no agent: unknown, or known to the platform as something else (a user who is no agent, a queue). */
  unknownIds: readonly string[];
}

const AGENT_FIELDS = 'provider id name';
const AGENTS = `query ($provider: Provider!) { agents(provider: $provider) { ${AGENT_FIELDS} } }`;
const ENTITIES = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Agent { ${AGENT_FIELDS} } } }`;

interface AgentNode {
  provider: string;
  id: string;
  name: string | null;
}

export function describeAgentsContract(provider: string, start: FixtureStarter<AgentsFixture>): void {
  describe(`'agents' contract: ${provider}`, () => {
    let f: AgentsFixture;
    let listed: AgentNode[];

    const list = async (): Promise<AgentNode[]> => {
      const r = await f.server.gql<{ agents: AgentNode[] | null }>(AGENTS, { provider });
      expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
      expect(r.data?.agents).toBeTruthy();
      return r.data!.agents!;
    };

    beforeAll(async () => {
      f = await start();
      listed = await list();
    });
    afterAll(async () => {
      await f?.stop();
    });

    it('lists every agent exactly once, each carrying its provider and id', () => {
      expect(f.agentIds.length).toBeGreaterThan(1);
      const ids = listed.map((a) => a.id);
      expect(new Set(ids).size, `an agent listed twice: ${ids.join(', ')}`).toBe(ids.length);
      expect([...ids].sort()).toEqual([...f.agentIds].sort());
      for (const a of listed) {
        expect(a.provider).toBe(provider);
        expect(a.id).not.toBe('');
        expect(a.name === null || typeof a.name === 'string').toBe(true);
      }
    });

    it('lists them in the same order every time', async () => {
      expect(await list()).toEqual(listed);
    });

    it('Agent references answer in reference order: known ids as listed, other ids null', async () => {
      expect(f.unknownIds.length).toBeGreaterThan(0);
      const known = [listed[0]!, listed[Math.floor(listed.length / 2)]!, listed.at(-1)!];
      const ids = [known[0]!.id, f.unknownIds[0]!, known[1]!.id, known[0]!.id, ...f.unknownIds.slice(1), known[2]!.id];
      const r = await f.server.gql<{ _entities: (AgentNode | null)[] }>(ENTITIES, { reps: ids.map((id) => ({ __typename: 'Agent', provider, id })) });
      expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
      expect(r.data!._entities).toEqual(ids.map((id) => listed.find((a) => a.id === id) ?? null));
    });
  });
}
