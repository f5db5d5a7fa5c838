/**
 * `agents(provider: PBX)`: the phone extensions of every connected account
 * (`GET /api/ver1.0/client/@me/extension/?type=phone`), one agent per extension id. Accounts are asked in
 * parallel, each one request at a time; an account the PBX refuses is marked and left out (see accounts.ts).
 */
import type { AgentModel } from '../../domain/models.js';
import type { AgentDirectory } from '../../domain/capabilities.js';
import { toAgent } from './mappers.js';
import { needsReauthorization, PbxAccounts } from './accounts.js';
import type { PbxConnectionRecord } from './types.js';

export class PbxAgentDirectory implements AgentDirectory {
  constructor(private readonly pbx: PbxAccounts) {}

  async listAgents(): Promise<AgentModel[]> {
    const accounts = await this.pbx.usableAccounts();
    const refused: PbxConnectionRecord[] = [];
    const lists = await Promise.all(
      accounts.map(async (account) => {
        try {
          return await this.pbx.withAccount(account, (grant) => this.pbx.client.listPhoneExtensions(grant));
        } catch (e) {
          if (!PbxAccounts.isNeedsReauthorization(e)) throw e;
          refused.push(account);
          return [];
        }
      }),
    );
    if (accounts.length > 0 && refused.length === accounts.length) throw needsReauthorization(refused);
    // Users of one PBX client see the same extensions: one agent per extension id.
    const byId = new Map<string, AgentModel>();
    for (const e of lists.flat()) {
      const agent = toAgent(e);
      if (!byId.has(agent.id)) byId.set(agent.id, agent);
    }
    return [...byId.values()];
  }
}
