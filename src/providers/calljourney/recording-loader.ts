/**
 * The recording-exists loader: every path to a Recording (`recording`, `recordings`, `_entities`,
 * `Call.recording`) goes through it. Per request it deduplicates keys, reads the shared recording cache for the
 * distinct ones in one round trip to the store (recording-cache.ts), checks the rest against CallJourney with
 * bounded concurrency over one shared token, keeps what CallJourney answered, and answers in key order.
 */
import DataLoader from 'dataloader';
import type { CallJourneyClient } from './client.js';
import { toRecording } from './mappers.js';
import type { Metrics } from '../../observability/metrics.js';
import { inBatchSpan } from '../../observability/tracing.js';
import type { RecordingKeyModel, RecordingModel } from '../../domain/models.js';
import { mapBounded } from '../map-bounded.js';
import type { RecordingCache } from './recording-cache.js';

export type RecordingLoader = DataLoader<RecordingKeyModel, RecordingModel, string>;

export function recordingKeyId(k: RecordingKeyModel): string {
  return JSON.stringify([k.company, k.organisation, k.folder, k.filename]);
}

export function createRecordingLoader(client: CallJourneyClient, concurrency: number, metrics?: Metrics, cache?: RecordingCache): RecordingLoader {
  const check = async (key: RecordingKeyModel): Promise<RecordingModel> => toRecording(key, await client.conversationExists(key));
  // With the cache on: kept before answering (the next query, on any replica, finds it), and one check per key in flight.
  const checkCached = async (key: RecordingKeyModel): Promise<RecordingModel> =>
    toRecording(key, await cache!.check(key, () => client.conversationExists(key)));
  return new DataLoader<RecordingKeyModel, RecordingModel, string>(
    async (keys) => {
      metrics?.loaderBatchSize.observe({ loader: 'recordingExists' }, keys.length);
      return inBatchSpan('recordingExists', keys.length, async () => {
        if (!cache?.enabled) return mapBounded(keys, concurrency, check);
        const cached = await cache.lookup(keys);
        const results: (RecordingModel | Error)[] = new Array(keys.length);
        const missing: number[] = [];
        for (let i = 0; i < keys.length; i++) {
          const hit = cached[i];
          if (hit) results[i] = toRecording(keys[i]!, hit);
          else missing.push(i);
        }
        const asked = await mapBounded(missing, concurrency, (i) => checkCached(keys[i]!));
        missing.forEach((i, j) => (results[i] = asked[j]!));
        return results;
      });
    },
    { cacheKeyFn: recordingKeyId },
  );
}
