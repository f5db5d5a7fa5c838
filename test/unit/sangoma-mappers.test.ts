/** Sangoma's call response body is unknown: the mapper reads the plausible shapes and never misreads a refusal. */
import { describe, expect, it } from 'vitest';
import { toCallStart } from '../../src/providers/sangoma/mappers.js';

describe('toCallStart', () => {
  it('maps the shape the simulator answers', () => {
    expect(toCallStart({ success: true, message: 'Call initiated', call_id: 'c-1' })).toEqual({
      provider: 'SANGOMA',
      accepted: true,
      callId: 'c-1',
      message: 'Call initiated',
    });
  });

  it.each([
    [{ callId: 'a' }, 'a'],
    [{ id: 42 }, '42'],
    [{ uuid: 'u-1' }, 'u-1'],
    [{ call_uuid: 'cu-1' }, 'cu-1'],
    [{ data: { call_id: 'nested' } }, 'nested'],
    [{ result: { id: 'r-1' } }, 'r-1'],
    [{ call_id: '  ', id: 'fallback' }, 'fallback'],
    [{ call_id: '' }, null],
    [{}, null],
  ])('finds the call id in %j', (body, id) => {
    expect(toCallStart(body).callId).toBe(id);
  });

  it('a 2xx without a body, or with text, is accepted', () => {
    expect(toCallStart(undefined)).toEqual({ provider: 'SANGOMA', accepted: true, callId: null, message: null });
    expect(toCallStart('')).toEqual({ provider: 'SANGOMA', accepted: true, callId: null, message: null });
    expect(toCallStart('OK\nmore')).toEqual({ provider: 'SANGOMA', accepted: true, callId: null, message: 'OK' });
    expect(toCallStart([1, 2]).accepted).toBe(true);
  });

  it.each([
    [{ success: false, message: 'Agent busy' }, 'Agent busy'],
    [{ status: 'failed' }, 'failed'],
    [{ status: 'Error', detail: 'No route' }, 'No route'],
    [{ data: { accepted: false } }, null],
  ])('an explicit refusal in a 2xx body (%j) is accepted: false with its message', (body, message) => {
    const r = toCallStart(body);
    expect(r.accepted).toBe(false);
    expect(r.message).toBe(message);
  });

  it('a status word that is not a refusal stays accepted and becomes the message when there is none', () => {
    expect(toCallStart({ status: 'queued', id: 'q' })).toEqual({ provider: 'SANGOMA', accepted: true, callId: 'q', message: 'queued' });
  });

  it('bounds a long message', () => {
    expect(toCallStart({ message: 'x'.repeat(2000) }).message!.length).toBe(500);
  });
});
