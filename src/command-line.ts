/**
 * The command line of a command that takes no arguments (`npm start`, `npm run example`) but, at most, one of the
 * flags it names (`npm start -- --check-accounts`): `--help`/`-h` prints the usage and exits 0; anything else is a
 * mistake said in one line with the usage, exit 2, before any work starts. Returns the flag given, if any.
 */
export function readNoArgumentCommandLine(name: string, usage: string, args: readonly string[], flags: readonly string[] = []): string | undefined {
  if (args.length === 0) return undefined;
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    process.stdout.write(usage);
    process.exit(0);
  }
  if (args.length === 1 && flags.includes(args[0]!)) return args[0];
  const first = args.find((a) => a !== '--help' && a !== '-h' && !flags.includes(a)) ?? args.find((a) => a !== '--help' && a !== '-h') ?? args[0]!;
  const what = flags.includes(first) ? `${first} takes no other argument` : first.startsWith('-') ? `unknown option ${first}` : `unexpected argument ${first}`;
  process.stderr.write(`${name}: ${what}\n\n${usage}`);
  process.exit(2);
}
