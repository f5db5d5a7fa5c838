/** Bodies of the CallJourney API (docs/providers/calljourney.md#conversation-exists). */

/** Request body of POST /api/v1/search/conversationexists: all four fields required and non-empty. */
export interface ConversationExistsRequest {
  company: string;
  organisation: string;
  folder: string;
  /** includes the file extension */
  filename: string;
}

/** 200 body: `callId` is "" when the file does not exist. */
export interface ConversationExistsResponse {
  exists: boolean;
  callId: string;
}
