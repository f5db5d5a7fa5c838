/** `agentAvailability`: agent counts per state for agents with any of the skills (GET /agents-availability). */
import type { AgentAvailabilitySource } from '../../domain/capabilities.js';
import type { AgentAvailabilityModel } from '../../domain/models.js';
import type { NvmClient } from './client.js';
import { toAvailability } from './mappers.js';
import { validateSkillNames } from './skill-names.js';

export class NvmAvailability implements AgentAvailabilitySource {
  constructor(private readonly client: NvmClient) {}

  async availability(skillNames: readonly string[]): Promise<AgentAvailabilityModel> {
    const names = validateSkillNames(skillNames);
    return toAvailability(names, await this.client.availability(names));
  }
}
