/** PBX body → model mapping and the formats cxgraph and the PBX agree on. */
import { describe, expect, it } from 'vitest';
import { isCxError } from '../../src/errors/errors.js';
import {
  accountFieldsOf,
  decodeCallCursor,
  directionOf,
  encodeCallCursor,
  fromPbxDate,
  isPbxUser,
  toAgent,
  toCall,
  toPbxDate,
  trustedAppFromReply,
} from '../../src/providers/pbx/mappers.js';

function thrown(fn: () => unknown): Record<string, unknown> | undefined {
  try {
    fn();
  } catch (e) {
    return isCxError(e) ? { message: e.message, ...e.extensions } : { notCx: String(e) };
  }
  return undefined;
}

describe('trusted application reply', () => {
  it('accepts id/secret and client_id/client_secret (field names are undocumented)', () => {
    expect(trustedAppFromReply({ id: 'abc', secret: 's1', name: 'x' })).toEqual({ clientId: 'abc', clientSecret: 's1' });
    expect(trustedAppFromReply({ client_id: 77, client_secret: 's2' })).toEqual({ clientId: '77', clientSecret: 's2' });
  });

  it('names the fields it saw, never their values, when the id or the secret is missing', () => {
    const e = thrown(() => trustedAppFromReply({ id: 'abc', app_secret: 'do-not-show-me' }));
    expect(e).toMatchObject({ code: 'PROVIDER_ERROR', provider: 'PBX' });
    expect(e!.message).toContain('secret');
    expect(e!.message).toContain('app_secret');
    expect(e!.message).not.toContain('do-not-show-me');
    expect(thrown(() => trustedAppFromReply({ secret: 's' }))!.message).toContain('an id');
    expect(thrown(() => trustedAppFromReply(null))).toMatchObject({ code: 'PROVIDER_ERROR' });
  });
});

describe('user → account', () => {
  it('maps the documented body, with numeric ids as strings and nulls kept', () => {
    const body = {
      id: 20,
      login: 'client1',
      admin: false,
      access: 'full',
      client_id: 12,
      dealer_id: null,
      extension_group_id: null,
      extension_id: 5,
      timezone: 'Europe/Moscow',
      extra_params: null,
    };
    expect(isPbxUser(body)).toBe(true);
    expect(accountFieldsOf(body)).toEqual({
      id: '20',
      login: 'client1',
      admin: false,
      access: 'full',
      clientId: '12',
      dealerId: null,
      extensionGroupId: null,
      extensionId: '5',
      timezone: 'Europe/Moscow',
    });
    expect(isPbxUser({ login: 'x' })).toBe(false);
    expect(isPbxUser({ id: 1, login: '' })).toBe(false);
  });
});

describe('extension → agent', () => {
  it('prefers the label, then the name; the user is always null', () => {
    expect(toAgent({ id: 1201, name: '12*101', type: 'phone', label: 'Anna Petrova' })).toEqual({
      provider: 'PBX',
      id: '1201',
      name: 'Anna Petrova',
      userId: null,
    });
    expect(toAgent({ id: 1203, name: '12*103', type: 'phone', label: '  ' })).toMatchObject({ name: '12*103' });
    expect(toAgent({ id: 9 })).toMatchObject({ id: '9', name: null });
  });
});

describe('call history → Call', () => {
  const call = {
    call_uuid: 'c-1',
    flow: 'in',
    init_time_gmt: '2024-05-01 09:00:00',
    start_time_gmt: '2024-05-01 09:00:01',
    duration: 30.6,
    extension_id: 1201,
    from_username: '+74951234567',
    to_username: '12*101',
    cdr: [{ record_uuid: 'r-1' }, { record_uuid: 'r-1' }, { record_uuid: null }, { record_uuid: 'r-2', file_name: 'r-2.mp3', record_file_size: 1234 }],
  };

  it('maps times (GMT → ISO UTC), direction, parties, duration, agent and one media per distinct record', () => {
    expect(toCall(call, '20')).toEqual({
      provider: 'PBX',
      id: 'c-1',
      startTime: '2024-05-01T09:00:01.000Z',
      direction: 'INBOUND',
      from: '+74951234567',
      to: '12*101',
      durationSeconds: 31,
      agents: [{ provider: 'PBX', id: '1201', userId: null }],
      media: [
        { key: 'r-1', kind: 'callRecording', contentType: null, contentLength: null, filename: null, downloadPath: '/media/pbx/20/r-1' },
        { key: 'r-2', kind: 'callRecording', contentType: 'audio/mpeg', contentLength: 1234, filename: 'r-2.mp3', downloadPath: '/media/pbx/20/r-2' },
      ],
    });
  });

  it('falls back to init_time_gmt and leaves unknowns null', () => {
    const c = toCall({ call_uuid: 'c-2', init_time_gmt: '2024-05-01 10:00:00' }, '20');
    expect(c).toMatchObject({
      startTime: '2024-05-01T10:00:00.000Z',
      from: null,
      to: null,
      durationSeconds: null,
      agents: [],
      media: [],
      direction: 'INTERNAL',
    });
  });

  it('maps flow values to directions; what the platform does not state is INTERNAL (schema)', () => {
    expect(['in', 'incoming', 'Inbound', 'out', 'outgoing', 'OUTBOUND', 'internal', 'local', '', undefined, 42].map(directionOf)).toEqual([
      'INBOUND',
      'INBOUND',
      'INBOUND',
      'OUTBOUND',
      'OUTBOUND',
      'OUTBOUND',
      'INTERNAL',
      'INTERNAL',
      'INTERNAL',
      'INTERNAL',
      'INTERNAL',
    ]);
  });
});

describe('PBX dates', () => {
  it('formats a Date as YYYY-MM-DD HH:MM:SS in GMT, dropping fractions', () => {
    expect(toPbxDate(new Date('2024-05-01T15:04:05.987+03:00'))).toBe('2024-05-01 12:04:05');
  });
  it('reads PBX dates (with or without fractions) as UTC and refuses other shapes', () => {
    expect(fromPbxDate('2024-05-01 12:04:05')).toBe('2024-05-01T12:04:05.000Z');
    expect(fromPbxDate('2024-05-01 12:04:05.123456')).toBe('2024-05-01T12:04:05.123Z');
    expect(fromPbxDate('01.05.2024 12:04')).toBeNull();
    expect(fromPbxDate(null)).toBeNull();
  });
});

describe('call cursors', () => {
  const q = { first: 5, from: 1_714_521_600_000, to: 1_714_608_000_000 };
  it('round-trips and is opaque', () => {
    const c = encodeCallCursor({ client: '12', page: 3, ...q });
    expect(c).toMatch(/^[\w-]+$/);
    expect(decodeCallCursor(c, q)).toEqual({ client: '12', page: 3, ...q });
  });
  it('refuses garbage and cursors of another query as BAD_USER_INPUT on `after`', () => {
    expect(thrown(() => decodeCallCursor('not-a-cursor', q))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after', provider: 'PBX' });
    const other = encodeCallCursor({ client: '12', page: 2, ...q, first: 10 });
    const e = thrown(() => decodeCallCursor(other, q));
    expect(e).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    expect(e!.message).toContain('other from/to/first');
  });
});
