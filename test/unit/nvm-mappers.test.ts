import { describe, expect, it } from 'vitest';
import { filenameOf, isAgent, matchesSearch, toAgent, toAvailability, toCall, toDirection, toUser } from '../../src/providers/nvm/mappers.js';
import type { NvmInteraction, NvmUser } from '../../src/providers/nvm/types.js';

const user: NvmUser = {
  userId: '3f1c2a7e-5b1d-4c8e-9a2f-0d6b7e8f9a10',
  username: 'jane.doe@acme.example',
  name: 'Jane Doe',
  email: 'jane@acme.example',
  lastLoginTime: '2024-05-01T08:00:00Z',
  active: true,
  locked: false,
  ssoExternalId: null,
  userAccountConfiguration: { role: 'Agent', chargeable: true, actAsAgent: true, agentConfiguration: { agentDisplayId: '2001' } },
};

const interaction: NvmInteraction = {
  guid: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  start: '2024-05-01T08:00:00.000+01:00',
  connectFrom: '+442079460000',
  connectTo: '+442039000000',
  direction: 'inbound',
  handlingAgents: [{ id: 'agent-1' }, { id: 42 }, { id: '' }],
  content: [
    {
      contentKey: 'rec-1',
      type: 'callRecording',
      contentType: 'audio/wav',
      contentLength: 16044,
      lastModified: '2024-05-01T08:10:00Z',
      properties: { fileName: 'recordings/2024/call-0001.wav' },
    },
    { contentKey: 'tr 1', type: 'transcript', contentType: 'application/json', contentLength: -1, properties: null },
    { contentKey: '', type: 'attachment' },
  ],
};

describe('NewVoiceMedia mappers', () => {
  it('maps a user: id from userId, login from username, the role as the only role', () => {
    expect(toUser(user)).toEqual({
      provider: 'NEWVOICEMEDIA',
      id: user.userId,
      login: 'jane.doe@acme.example',
      firstName: null,
      lastName: null,
      name: 'Jane Doe',
      email: 'jane@acme.example',
      phoneNumber: null,
      roles: ['Agent'],
      active: true,
    });
  });

  it('turns absent fields into null and an empty role into no role; numeric ids into strings', () => {
    expect(toUser({ userId: 7, userAccountConfiguration: { role: ' ' } })).toMatchObject({
      id: '7',
      login: null,
      name: null,
      email: null,
      roles: [],
      active: null,
    });
  });

  it('an agent is a user whose account acts as agent; its name falls back to the login', () => {
    expect(isAgent(user)).toBe(true);
    expect(isAgent({ ...user, userAccountConfiguration: { actAsAgent: false } })).toBe(false);
    expect(isAgent({ userId: 'x' })).toBe(false);
    expect(toAgent(user)).toEqual({ provider: 'NEWVOICEMEDIA', id: user.userId, name: 'Jane Doe', userId: user.userId });
    expect(toAgent({ userId: 'u2', username: 'bob' }).name).toBe('bob');
  });

  it('search matches login, name or e-mail case-insensitively', () => {
    const u = toUser(user);
    expect(matchesSearch(u, 'DOE')).toBe(true);
    expect(matchesSearch(u, 'acme.example')).toBe(true);
    expect(matchesSearch(u, 'smith')).toBe(false);
  });

  it('maps availability; a missing state counts 0; a non-count is the platform error', () => {
    expect(toAvailability(['French'], { Ready: 10, Away: 3, 'Extended Away': 0, 'Logged Out': 1 })).toEqual({
      skillNames: ['French'],
      ready: 10,
      away: 3,
      extendedAway: 0,
      loggedOut: 1,
    });
    expect(toAvailability(['French'], { Ready: 2 })).toEqual({ skillNames: ['French'], ready: 2, away: 0, extendedAway: 0, loggedOut: 0 });
    expect(() => toAvailability(['French'], { Ready: '2' } as never)).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'PROVIDER_ERROR' }) }),
    );
  });

  it('maps an interaction to a call: UTC start, direction, parties, agents, media with download paths', () => {
    const call = toCall(interaction);
    expect(call).toMatchObject({
      provider: 'NEWVOICEMEDIA',
      id: interaction.guid,
      startTime: '2024-05-01T07:00:00.000Z',
      direction: 'INBOUND',
      from: '+442079460000',
      to: '+442039000000',
      durationSeconds: null,
    });
    expect(call.agents).toEqual([
      // Ids only: Agent.name looks names up in the agent list, once per request.
      { provider: 'NEWVOICEMEDIA', id: 'agent-1', userId: 'agent-1' },
      { provider: 'NEWVOICEMEDIA', id: '42', userId: '42' },
    ]);
    expect(call.media).toEqual([
      {
        key: 'rec-1',
        kind: 'callRecording',
        contentType: 'audio/wav',
        contentLength: 16044,
        filename: 'call-0001.wav',
        downloadPath: `/media/nvm/${interaction.guid}/rec-1`,
      },
      {
        key: 'tr 1',
        kind: 'transcript',
        contentType: 'application/json',
        contentLength: null,
        filename: null,
        downloadPath: `/media/nvm/${interaction.guid}/tr%201`,
      },
    ]);
  });

  it('directions: inbound/outbound in any case; anything else is INTERNAL (not stated)', () => {
    expect(toDirection('OUTBOUND')).toBe('OUTBOUND');
    expect(toDirection('Inbound')).toBe('INBOUND');
    expect(toDirection(undefined)).toBe('INTERNAL');
    expect(toDirection('internal')).toBe('INTERNAL');
  });

  it('a file name comes only from properties, reduced to its last segment', () => {
    expect(filenameOf({ filename: 'a\\b\\c.mp3' })).toBe('c.mp3');
    expect(filenameOf({ name: '..' })).toBeNull();
    expect(filenameOf({})).toBeNull();
    expect(filenameOf(null)).toBeNull();
  });

  it('an interaction without start, agents or content maps to nulls and empty lists', () => {
    expect(toCall({ guid: interaction.guid })).toMatchObject({ startTime: null, from: null, to: null, agents: [], media: [] });
    expect(toCall({ guid: interaction.guid, start: 'yesterday' }).startTime).toBeNull();
  });
});
