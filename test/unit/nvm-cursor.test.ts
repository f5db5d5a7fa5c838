import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/providers/nvm/cursor.js';

const from = new Date('2024-05-01T00:00:00Z');
const to = new Date('2024-05-08T00:00:00Z');

describe('NewVoiceMedia call cursors', () => {
  it('round-trip a position and are opaque URL-safe strings', () => {
    for (const pos of [
      { token: null, offset: 3 },
      { token: 'eyJvIjoxMH0+/=', offset: 0 },
    ]) {
      const c = encodeCursor(from, to, pos);
      expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(c, from, to)).toEqual(pos);
    }
  });

  it('refuse anything that is not ours with BAD_USER_INPUT on after', () => {
    const forged = Buffer.from(JSON.stringify({ v: 1, f: from.getTime(), t: to.getTime(), c: null, o: -1 })).toString('base64url');
    for (const bad of ['', 'not a cursor', 'e30', forged, 'x'.repeat(5000)]) {
      expect(() => decodeCursor(bad, from, to)).toThrow(
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'after' }) }),
      );
    }
  });

  it('refuse a cursor made for another from/to', () => {
    const c = encodeCursor(from, to, { token: 'abc', offset: 2 });
    expect(() => decodeCursor(c, new Date('2024-05-02T00:00:00Z'), to)).toThrow(/different from\/to/);
  });
});
