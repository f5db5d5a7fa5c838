/**
 * What an answer holding CallJourney's data about a file may be cached for by a router or CDN: as long as the
 * Recording type allows (schema/recording.graphql), "not there" briefly — and, with the shared recording cache on,
 * never longer than cxgraph itself keeps the answer (CXGRAPH_RECORDING_CACHE_TTL_SECONDS), so they agree.
 */
import type { RecordingModel } from '../../domain/models.js';

/** How long an answer saying a file is not there may be cached: the file may be uploaded right after the call. */
export const NOT_FOUND_MAX_AGE_SECONDS = 30;

/** Seconds, or undefined for "as long as the schema's hint says"; `cacheTtlSeconds` 0 = the shared cache is off. */
export function recordingMaxAge(r: RecordingModel, cacheTtlSeconds: number): number | undefined {
  if (r.exists) return cacheTtlSeconds > 0 ? cacheTtlSeconds : undefined;
  return cacheTtlSeconds > 0 ? Math.min(cacheTtlSeconds, NOT_FOUND_MAX_AGE_SECONDS) : NOT_FOUND_MAX_AGE_SECONDS;
}
