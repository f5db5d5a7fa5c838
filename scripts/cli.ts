/**
 * Command-line handling shared by the scripts (`npm run supergraph`, `npm run schema:check`, `npm run bench`):
 * `--help`/`-h` prints the usage on stdout and exits 0; an unknown option, a missing value or a stray argument
 * prints what was wrong and the usage on stderr and exits 2 — never a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit status of a command-line mistake (as in sh, getopt and most CLIs). */
export const USAGE_ERROR = 2;

type Options = NonNullable<ParseArgsConfig['options']>;
type WithHelp<O extends Options> = O & { help: { type: 'boolean'; short: 'h' } };

/** parseArgs (strict, no positionals) plus `--help`; returns the option values when the command should run. */
export function parseCommandLine<const O extends Options>(
  usage: string,
  options: O,
  args: string[] = process.argv.slice(2),
): ReturnType<typeof parseArgs<{ options: WithHelp<O>; allowPositionals: false; strict: true }>>['values'] {
  const all = { ...options, help: { type: 'boolean', short: 'h' } } as WithHelp<O>;
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args, options: all, allowPositionals: false, strict: true }).values;
  } catch (e) {
    usageError(usage, firstSentence(e));
  }
  if (values.help) {
    process.stdout.write(withNewline(usage));
    process.exit(0);
  }
  return values as never;
}

/** Prints `problem` and the usage on stderr and exits 2 (for values parseArgs cannot check, e.g. `--runtime=bogus`). */
export function usageError(usage: string, problem: string): never {
  process.stderr.write(`${problem}\n\n${withNewline(usage)}`);
  process.exit(USAGE_ERROR);
}

/** parseArgs' messages go on to explain `--` placement; the first sentence is what the user needs. */
function firstSentence(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split(/\.\s/)[0]!.replace(/\.$/, '');
}

const withNewline = (s: string) => (s.endsWith('\n') ? s : `${s}\n`);
