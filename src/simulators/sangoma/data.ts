/** The Sangoma CX simulator's constants, default client and sample tenants. */

export interface SangomaSimClient {
  clientId: string;
  clientSecret: string;
  /** Scopes this client may ask for; default every known scope. */
  scopes?: readonly string[];
}

export interface SangomaSimTenant {
  /** The tenant's domain, as sent in `tenant_domain`. */
  domain: string;
  agents: readonly string[];
  /** Agents who exist but are not available (logged out, on a call): placing a call through them is 409. */
  unavailableAgents?: readonly string[];
  queues: readonly string[];
}

export const SANGOMA_KNOWN_SCOPES = ['cx.agent-calls', 'cx.queue-calls', 'cx.digital-interactions'] as const;
/** The lifetime in Sangoma's documented example answer. */
export const SANGOMA_TOKEN_LIFETIME_SEC = 24_304_413;
export const SANGOMA_ISSUER = 'https://auth.sangoma.com/';
export const SANGOMA_AUDIENCE = 'https://cpaas.sangoma.com/cx';

export const DEFAULT_SANGOMA_CLIENT: Readonly<SangomaSimClient> = Object.freeze({
  clientId: 'sangoma-client',
  clientSecret: 'sangoma-secret-local',
});

export const SAMPLE_SANGOMA_TENANTS: readonly SangomaSimTenant[] = Object.freeze([
  Object.freeze({ domain: 'acme.cx.example.com', agents: ['alice', 'bob', 'carol'], unavailableAgents: ['carol'], queues: ['support', 'sales'] }),
  Object.freeze({ domain: 'globex.cx.example.com', agents: ['dave'], queues: ['billing'] }),
]);

/**
 * Another demo tenant's Sangoma CX (CXGRAPH_SIMULATORS=multi-tenant): its own client, and agents and queues of its
 * own under another domain.
 */
export function demoTenantData(tenant: string): { clients: SangomaSimClient[]; tenants: SangomaSimTenant[] } {
  return {
    clients: [{ clientId: `${tenant}-sangoma-client`, clientSecret: `${tenant}-sangoma-secret-local` }],
    tenants: [{ domain: `${tenant}.cx.example.com`, agents: ['erin', 'frank'], unavailableAgents: ['frank'], queues: ['support'] }],
  };
}
