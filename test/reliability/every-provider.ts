/**
 * The providers a provider-by-provider reliability test drives: every module PROVIDERS lists, in its order. The
 * subjects a test writes down are matched against that list: a module without one is reported (a failing test
 * naming it and the file to add it to), never skipped; a subject for a provider no longer listed is reported too.
 */
import { PROVIDERS } from '../../src/providers/index.js';

export interface Coverage<S> {
  /** The written subjects, in PROVIDERS order. */
  subjects: S[];
  /** What is wrong with the written list: one line per provider without a subject or subject without a provider. */
  problems: string[];
}

export function everyProvider<S extends { provider: string }>(written: readonly S[], where: string): Coverage<S> {
  const listed = PROVIDERS.map((m) => m.name);
  return {
    subjects: listed.flatMap((p) => written.filter((s) => s.provider === p)),
    problems: [
      ...listed.filter((p) => !written.some((s) => s.provider === p)).map((p) => `${p} is in PROVIDERS but has no subject: add one in ${where}`),
      ...written.filter((s) => !listed.includes(s.provider)).map((s) => `${s.provider} has a subject in ${where} but is not in PROVIDERS: remove it`),
    ],
  };
}
