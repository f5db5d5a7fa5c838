/** PBX user ids are numbers; anything that could not be one is refused before the store is read. */
import { badInput } from '../../errors/errors.js';

export function checkAccountId(id: string, field: string): string {
  const v = id.trim();
  if (!/^[\w.-]{1,64}$/.test(v)) throw badInput(`${field} must be a PBX user id such as "20", got ${JSON.stringify(id.slice(0, 40))}`, field, 'PBX');
  return v;
}
