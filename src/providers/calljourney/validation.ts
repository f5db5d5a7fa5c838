/** Input checks made before any upstream call: bad input costs the platforms nothing. */
import { badInput } from '../../errors/errors.js';
import type { RecordingKeyModel } from '../../domain/models.js';

const RECORDING_KEY_FIELDS = ['company', 'organisation', 'folder', 'filename'] as const;

/** Every key field must be a non-blank string (CallJourney answers 400 otherwise). `where` prefixes the field path. */
export function validateRecordingKey(key: Partial<Record<keyof RecordingKeyModel, unknown>>, where = 'key'): RecordingKeyModel {
  for (const f of RECORDING_KEY_FIELDS) {
    const v = key[f];
    if (typeof v !== 'string' || v.trim() === '') {
      const got = v === undefined || v === null ? 'nothing' : typeof v === 'string' ? 'a blank string' : `a ${typeof v}`;
      throw badInput(`${where}.${f} must be a non-blank string, got ${got}`, `${where}.${f}`, 'CALLJOURNEY');
    }
  }
  return { company: key.company as string, organisation: key.organisation as string, folder: key.folder as string, filename: key.filename as string };
}

export function validateRecordingKeys(keys: readonly RecordingKeyModel[], max: number): RecordingKeyModel[] {
  if (keys.length > max) {
    throw badInput(`keys may hold at most ${max} recording keys per call, got ${keys.length}; split the request`, 'keys', 'CALLJOURNEY');
  }
  return keys.map((k, i) => validateRecordingKey(k, `keys[${i}]`));
}
