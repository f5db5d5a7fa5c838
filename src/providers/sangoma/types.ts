/**
 * Bodies of the Sangoma CX call API (docs/providers/sangoma.md#request-and-response-bodies). The request bodies are documented; the response bodies
 * are *unknown* (the public docs show none), so the response type below is only what cxgraph looks for, read
 * defensively by mappers.ts. The simulator answers the shape we assume (see src/simulators/sangoma/simulator.ts
 * and docs/providers/sangoma.md); correct both there when someone sees the real one.
 */

/** The scopes a token must carry for each endpoint. `cx.digital-interactions` exists but cxgraph uses no endpoint of it. */
export const SANGOMA_SCOPES = {
  agentCall: 'cx.agent-calls',
  queueCall: 'cx.queue-calls',
} as const;
export type SangomaScope = (typeof SANGOMA_SCOPES)[keyof typeof SANGOMA_SCOPES];

/** POST {base}/api/v1/agents/call/ — scope cx.agent-calls: the agent places an outbound call. */
export interface AgentCallRequest {
  agent_name: string;
  destination: string;
  tenant_domain: string;
}

/** POST {base}/api/v1/queues/call/ — scope cx.queue-calls: "CallBack Now", an outbound call queued like an inbound one. */
export interface QueueCallRequest {
  queue_name: string;
  destination: string;
  tenant_domain: string;
}

/**
 * The 2xx body we assume: `{"success": true, "message": "…", "call_id": "…"}`. Every field is optional to the
 * mapper, which also accepts `callId`/`id`/`uuid`/`call_uuid`, a `data`/`result` wrapper, a `status` word and
 * `detail` in place of `message`, or no body at all.
 */
export interface CallResponse {
  success?: boolean;
  status?: string;
  message?: string;
  detail?: string;
  call_id?: string;
  callId?: string;
  id?: string | number;
  uuid?: string;
  call_uuid?: string;
  data?: CallResponse;
  result?: CallResponse;
}
