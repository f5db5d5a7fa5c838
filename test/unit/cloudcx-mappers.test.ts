import { describe, expect, it } from 'vitest';
import { toUser, toUserPage } from '../../src/providers/cloudcx/mappers.js';
import type { CloudCxUser } from '../../src/providers/cloudcx/types.js';

const sample: CloudCxUser = {
  id: '75d86d40-f7d9-4025-8a1c-8a868f918289',
  loginCode: 'freesiaTest',
  roles: ['Admin', 'Agents'],
  firstName: 'freesia',
  lastName: 'Test',
  email: 'frees1aa@example.com',
  phoneNumber: null,
  uniqueCode: null,
};

describe('CloudCX mappers', () => {
  it("maps the guide's sample user: login from loginCode, name from first and last, active unknown", () => {
    expect(toUser(sample)).toEqual({
      provider: 'CLOUDCX',
      id: sample.id,
      login: 'freesiaTest',
      firstName: 'freesia',
      lastName: 'Test',
      name: 'freesia Test',
      email: 'frees1aa@example.com',
      phoneNumber: null,
      roles: ['Admin', 'Agents'],
      active: null,
    });
  });

  it('builds the name from whichever part is present, and is null with neither', () => {
    expect(toUser({ ...sample, firstName: null }).name).toBe('Test');
    expect(toUser({ ...sample, lastName: '  ' }).name).toBe('freesia');
    expect(toUser({ ...sample, firstName: '', lastName: null })).toMatchObject({ name: null, firstName: null, lastName: null });
  });

  it('treats null roles as none and blank strings as absent', () => {
    expect(toUser({ ...sample, roles: null, email: '', phoneNumber: '+44 20 7946 0101' })).toMatchObject({
      roles: [],
      email: null,
      phoneNumber: '+44 20 7946 0101',
    });
  });

  it('turns the 0-based page number into a 1-based page and takes the totals from the reply', () => {
    const page = toUserPage({ totalPages: 3, totalElements: 30, size: 10, number: 1, numberOfElements: 1, content: [sample] });
    expect(page).toEqual({ nodes: [toUser(sample)], totalCount: 30, page: 2, pageSize: 10, totalPages: 3 });
  });
});
