import type { RecordingKeyModel, RecordingModel } from '../../domain/models.js';
import type { ConversationExistsResponse } from './types.js';

/** CallJourney answers `callId: ""` for a file it does not hold; the schema says null. */
export function toRecording(key: RecordingKeyModel, r: ConversationExistsResponse): RecordingModel {
  return {
    company: key.company,
    organisation: key.organisation,
    folder: key.folder,
    filename: key.filename,
    exists: r.exists,
    callId: r.exists && r.callId ? r.callId : null,
  };
}
