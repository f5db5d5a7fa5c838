/**
 * CallJourney REST client: "does this recording exist?". There is one key per call and no batch endpoint
 * (docs/providers/calljourney.md#batching-and-deduplication), so batching and deduplication happen in the DataLoader, not here. The search is a
 * read-only POST, hence safe to retry.
 */
import { AzureClientCredentialsGrant } from '../../auth/grants/azure-client-credentials.js';
import type { CallJourneyConfig } from './config.js';
import { CxError } from '../../errors/errors.js';
import type { UpstreamClient } from '../../upstream/upstream-client.js';
import type { ConversationExistsRequest, ConversationExistsResponse } from './types.js';

export const CONVERSATION_EXISTS_PATH = '/api/v1/search/conversationexists';
const OPERATION = `POST ${CONVERSATION_EXISTS_PATH}`;

export class CallJourneyClient {
  readonly grant: AzureClientCredentialsGrant;
  private readonly url: string;

  constructor(
    config: CallJourneyConfig,
    private readonly http: UpstreamClient,
  ) {
    this.grant = new AzureClientCredentialsGrant({
      provider: 'CALLJOURNEY',
      tokenUrl: config.tokenUrl,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      scope: config.scope,
    });
    this.url = `${config.baseUrl}${CONVERSATION_EXISTS_PATH}`;
  }

  async conversationExists(key: ConversationExistsRequest): Promise<ConversationExistsResponse> {
    const body = await this.http.json<unknown>({
      method: 'POST',
      url: this.url,
      operation: OPERATION,
      json: { company: key.company, organisation: key.organisation, folder: key.folder, filename: key.filename },
      auth: { grant: this.grant },
      idempotent: true,
    });
    if (!isExistsResponse(body)) {
      throw new CxError(`CALLJOURNEY answered ${OPERATION} with an unexpected body: expected {exists: boolean, callId: string}`, {
        code: 'PROVIDER_ERROR',
        provider: 'CALLJOURNEY',
        upstreamStatus: 200,
      });
    }
    return body;
  }
}

function isExistsResponse(b: unknown): b is ConversationExistsResponse {
  if (!b || typeof b !== 'object') return false;
  const o = b as Record<string, unknown>;
  return typeof o.exists === 'boolean' && (o.callId === undefined || o.callId === null || typeof o.callId === 'string');
}
