/**
 * The recording-exists loader: every path to a Recording (`recording`, `recordings`, `_entities`,
 * `Call.recording`) goes through it. Per request it deduplicates keys, checks the distinct ones against
 * CallJourney with bounded concurrency over one shared token, and answers in key order.
 */
import DataLoader from 'dataloader';
import type { CallJourneyClient } from './client.js';
import { toRecording } from './mappers.js';
import type { Metrics } from '../../observability/metrics.js';
import { inBatchSpan } from '../../observability/tracing.js';
import type { RecordingKeyModel, RecordingModel } from '../../domain/models.js';
import { mapBounded } from '../map-bounded.js';

export type RecordingLoader = DataLoader<RecordingKeyModel, RecordingModel, string>;

export function recordingKeyId(k: RecordingKeyModel): string {
  return JSON.stringify([k.company, k.organisation, k.folder, k.filename]);
}

export function createRecordingLoader(client: CallJourneyClient, concurrency: number, metrics?: Metrics): RecordingLoader {
  return new DataLoader<RecordingKeyModel, RecordingModel, string>(
    async (keys) => {
      metrics?.loaderBatchSize.observe({ loader: 'recordingExists' }, keys.length);
      return inBatchSpan('recordingExists', keys.length, () => mapBounded(keys, concurrency, async (key) => toRecording(key, await client.conversationExists(key))));
    },
    { cacheKeyFn: recordingKeyId },
  );
}
