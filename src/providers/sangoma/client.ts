/**
 * Sangoma CX REST client: has an agent place an outbound call, or queues a "CallBack Now" call
 * (docs/providers/sangoma.md#the-api). https://cpaas.sangoma.com/cx/api/v1/…
 *
 * These requests place real phone calls, so they are never re-sent once they may have reached the platform:
 * no retry on 5xx, connection reset, timeout or 429 (`idempotent: false`). The one re-send is after a 401,
 * which the platform answers before acting: the token manager then invalidates exactly that token, gets a
 * new one and the request goes once more. The token is requested with Basic client authentication and every
 * configured scope, so one token serves both endpoints; it lives about a year and is renewed only once
 * expired (BasicClientCredentialsGrant, `renewBeforeExpiry = false`).
 *
 * The token handling is written out here (tokens.withToken around a bearer request) rather than left to
 * UpstreamClient's `auth: {grant}`, for one reason: an error thrown inside the call attempt means the
 * request may have reached the platform, whereas a token failure means no call was placed — and the caller
 * must be told which, so they know whether trying again could ring someone twice.
 */
import { BasicClientCredentialsGrant } from '../../auth/grants/basic-client-credentials.js';
import type { TokenManager } from '../../auth/token-manager.js';
import type { SangomaConfig } from './config.js';
import { CxError, isCxError } from '../../errors/errors.js';
import type { CallStartModel } from '../../domain/models.js';
import { wasNotSent, type UpstreamClient, type UpstreamRequest, type UpstreamResponse } from '../../upstream/upstream-client.js';
import type { Logger } from '../../observability/logger.js';
import { toCallStart } from './mappers.js';
import { SANGOMA_SCOPES, type AgentCallRequest, type QueueCallRequest, type SangomaScope } from './types.js';
import { validateAgentCall, validateQueueCall } from './validation.js';

export const AGENT_CALL_PATH = '/api/v1/agents/call/';
export const QUEUE_CALL_PATH = '/api/v1/queues/call/';

const UNKNOWN_OUTCOME = 'The call may have been placed: check on Sangoma CX before trying again.';

export interface SangomaClientDeps {
  http: UpstreamClient;
  tokens: TokenManager;
  logger: Logger;
}

export class SangomaClient {
  readonly grant: BasicClientCredentialsGrant;

  constructor(
    private readonly config: SangomaConfig,
    private readonly deps: SangomaClientDeps,
  ) {
    this.grant = new BasicClientCredentialsGrant({
      provider: 'SANGOMA',
      tokenUrl: config.tokenUrl,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      scopes: config.scopes,
      renewBeforeExpiry: false,
      // Sangoma documents `Authorization: Basic base64(client_id:client_secret)`, the values as they are.
      basicEncoding: 'raw',
    });
  }

  /** POST /api/v1/agents/call/ (scope cx.agent-calls). Arguments are checked before any upstream request. */
  startAgentCall(args: { agentName: string; destination: string; tenantDomain: string }): Promise<CallStartModel> {
    this.requireScope(SANGOMA_SCOPES.agentCall, 'startAgentCall');
    const body: AgentCallRequest = validateAgentCall(args);
    return this.place(AGENT_CALL_PATH, body);
  }

  /** POST /api/v1/queues/call/ (scope cx.queue-calls), "CallBack Now". */
  startQueueCallback(args: { queueName: string; destination: string; tenantDomain: string }): Promise<CallStartModel> {
    this.requireScope(SANGOMA_SCOPES.queueCall, 'startQueueCallback');
    const body: QueueCallRequest = validateQueueCall(args);
    return this.place(QUEUE_CALL_PATH, body);
  }

  /**
   * A token grants only the scopes asked for, so a mutation whose scope is not in SANGOMA_SCOPES would be
   * refused by the platform (403). Say so without a request: PROVIDER_AUTH_FAILED — the same code the
   * platform's refusal maps to — naming the variable to fix. Not recorded as a connection failure: the
   * credentials work for the scopes they have.
   */
  private requireScope(scope: SangomaScope, operation: string): void {
    if (this.grant.scopes.includes(scope)) return;
    throw new CxError(
      `${operation} needs the Sangoma scope ${scope}, which SANGOMA_SCOPES does not include (it holds "${this.grant.identity.scope}"); add ${scope} to SANGOMA_SCOPES`,
      { code: 'PROVIDER_AUTH_FAILED', provider: 'SANGOMA', requiredScope: scope },
    );
  }

  private async place(path: string, body: AgentCallRequest | QueueCallRequest): Promise<CallStartModel> {
    const req: UpstreamRequest = {
      method: 'POST',
      url: `${this.config.baseUrl}${path}`,
      operation: `POST ${path}`,
      json: body,
      auth: { grant: this.grant },
      idempotent: false,
    };
    const { http, tokens } = this.deps;
    // Token failures are thrown by withToken before the attempt: no call was placed. Anything thrown by the
    // attempt itself (reset, timeout) came after the request may have been written.
    const res: UpstreamResponse = await tokens.withToken(
      this.grant,
      async (t) => {
        try {
          return await http.send({ ...req, auth: { bearer: t.accessToken } });
        } catch (e) {
          // Refused by cxgraph itself (circuit breaker open, no free slot) or before any connection: nothing was sent.
          throw neverConnected(e) || wasNotSent(e) ? e : outcomeUnknown(e);
        }
      },
      (r) => r.status === 401,
    );
    if (res.status < 200 || res.status >= 300) {
      const e = http.fail(req, res);
      // 4xx: the platform refused and did not act. 5xx: it failed somewhere, possibly after dialling.
      throw res.status >= 500 ? outcomeUnknown(e) : e;
    }
    if (!res.wellFormed) {
      const e = new CxError(`SANGOMA answered ${req.operation} with ${res.status} and a body that is not valid JSON`, {
        code: 'PROVIDER_ERROR',
        provider: 'SANGOMA',
        upstreamStatus: res.status,
      });
      this.deps.logger.warn({ provider: 'SANGOMA', code: e.extensions.code, upstreamStatus: res.status }, e.message);
      throw outcomeUnknown(e);
    }
    return toCallStart(res.body);
  }
}

/** Connection errors raised before a connection existed: the request cannot have reached the platform. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function neverConnected(e: unknown): boolean {
  let cause: unknown = isCxError(e) ? e.originalError : e;
  // fetch wraps the socket error: TypeError('fetch failed', { cause: Error { code } }), sometimes twice.
  for (let depth = 0; depth < 4 && cause && typeof cause === 'object'; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_CONNECTED.has(code)) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

/** The same error, saying the call may have been placed (message and `callMayHaveBeenPlaced` extension). */
function outcomeUnknown(e: unknown): CxError {
  const err = isCxError(e) ? e : new CxError(`SANGOMA call request failed: ${String(e)}`, { code: 'PROVIDER_UNAVAILABLE', provider: 'SANGOMA' }, e);
  if (err.extensions.callMayHaveBeenPlaced) return err;
  return new CxError(`${err.message}. ${UNKNOWN_OUTCOME}`, { ...err.extensions, callMayHaveBeenPlaced: true }, err.originalError ?? err);
}
