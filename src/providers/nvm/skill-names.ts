/**
 * The skill names of `agentAvailability`, checked before any upstream call: the platform answers 400 for no skill,
 * and a name holding a comma cannot be sent at all (the names travel comma-separated in `skillNames=`).
 */
import { badInput } from '../../errors/errors.js';

const MAX_SKILLS = 100;
/** Skill names longer than this are surely not skill names; long query strings also hit the platform's URL limit. */
const MAX_SKILL_NAME_LENGTH = 100;

/** Trimmed, de-duplicated skill names; BAD_USER_INPUT naming the field for anything the platform could not take. */
export function validateSkillNames(skillNames: readonly string[]): string[] {
  if (skillNames.length === 0) throw badInput('skillNames must hold at least one skill name', 'skillNames', 'NEWVOICEMEDIA');
  if (skillNames.length > MAX_SKILLS)
    throw badInput(`skillNames may hold at most ${MAX_SKILLS} names, got ${skillNames.length}`, 'skillNames', 'NEWVOICEMEDIA');
  const out: string[] = [];
  skillNames.forEach((raw, i) => {
    const name = raw.trim();
    if (name === '') throw badInput(`skillNames[${i}] must be a non-blank skill name`, `skillNames[${i}]`, 'NEWVOICEMEDIA');
    if (name.length > MAX_SKILL_NAME_LENGTH)
      throw badInput(`skillNames[${i}] may be at most ${MAX_SKILL_NAME_LENGTH} characters, got ${name.length}`, `skillNames[${i}]`, 'NEWVOICEMEDIA');
    if (name.includes(',')) throw badInput(`skillNames[${i}] must not contain a comma (names are sent comma-separated)`, `skillNames[${i}]`, 'NEWVOICEMEDIA');
    if (!out.includes(name)) out.push(name);
  });
  return out;
}
