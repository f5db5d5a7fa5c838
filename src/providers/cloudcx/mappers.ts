import type { UserModel, UserPageModel } from '../../domain/models.js';
import type { CloudCxUser, CloudCxUserPage } from './types.js';

/** CloudCX holds no "active" flag for users, hence null; `name` is first and last name joined. */
export function toUser(u: CloudCxUser): UserModel {
  const firstName = nonBlank(u.firstName);
  const lastName = nonBlank(u.lastName);
  const name = [firstName, lastName].filter((s): s is string => s !== null).join(' ');
  return {
    provider: 'CLOUDCX',
    id: u.id,
    login: nonBlank(u.loginCode),
    firstName,
    lastName,
    name: name === '' ? null : name,
    email: nonBlank(u.email),
    phoneNumber: nonBlank(u.phoneNumber),
    roles: Array.isArray(u.roles) ? u.roles.filter((r): r is string => typeof r === 'string' && r !== '') : [],
    active: null,
  };
}

/** The reply's `number` is 0-based (Spring Data); the schema's `page` is 1-based like the request's `pageIndex`. */
export function toUserPage(p: CloudCxUserPage): UserPageModel {
  return {
    nodes: p.content.map(toUser),
    totalCount: p.totalElements,
    page: p.number + 1,
    pageSize: p.size,
    totalPages: p.totalPages,
  };
}

function nonBlank(s: string | null | undefined): string | null {
  return typeof s === 'string' && s.trim() !== '' ? s : null;
}
