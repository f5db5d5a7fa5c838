/**
 * Sangoma CX call responses → CallStart. The response body is undocumented (docs/providers/sangoma.md#choices-where-the-platform-is-silent), so this reads it
 * defensively: a 2xx means accepted unless the body says otherwise in a way that cannot be misread
 * (`success: false`, or a `status` word such as "failed"); the call id and message are taken from the
 * first of several plausible fields, at the top level or inside a `data`/`result` wrapper.
 */
import type { CallStartModel } from '../../domain/models.js';

const CALL_ID_FIELDS = ['call_id', 'callId', 'call_uuid', 'uuid', 'id'] as const;
const MESSAGE_FIELDS = ['message', 'detail', 'description'] as const;
const REFUSED_STATUS = /^(error|errored|fail|failed|failure|rejected|refused|denied)$/i;
const MAX_MESSAGE = 500;

export function toCallStart(body: unknown): CallStartModel {
  if (typeof body === 'string') {
    // Text or HTML: nothing to read but a message.
    return { provider: 'SANGOMA', accepted: true, callId: null, message: shortText(body) };
  }
  const top = asRecord(body);
  const layers = [top, asRecord(top?.data), asRecord(top?.result)].filter((l): l is Record<string, unknown> => l !== undefined);

  const success = firstOf(layers, ['success', 'accepted', 'ok'], (v) => (typeof v === 'boolean' ? v : undefined));
  const status = firstOf(layers, ['status', 'state'], (v) => (typeof v === 'string' ? v.trim() : undefined));
  const accepted = success !== false && !(status !== undefined && REFUSED_STATUS.test(status));

  const callId = firstOf(layers, CALL_ID_FIELDS, (v) =>
    typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined,
  );
  const message = firstOf(layers, MESSAGE_FIELDS, (v) => (typeof v === 'string' ? (shortText(v) ?? undefined) : undefined)) ?? status ?? null;
  return { provider: 'SANGOMA', accepted, callId: callId ?? null, message };
}

function firstOf<T>(layers: Record<string, unknown>[], fields: readonly string[], read: (v: unknown) => T | undefined): T | undefined {
  for (const layer of layers) {
    for (const f of fields) {
      const v = read(layer[f]);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function shortText(s: string): string | null {
  const line = s.trim().split(/\r?\n/, 1)[0]?.trim() ?? '';
  if (!line) return null;
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 1)}…` : line;
}
