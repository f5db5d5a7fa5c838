/**
 * The command line of a command that takes no arguments (`npm start`, `npm run example`): `--help`/`-h` prints the
 * usage and exits 0; anything else is a mistake said in one line with the usage, exit 2, before any work starts.
 */
export function readNoArgumentCommandLine(name: string, usage: string, args: readonly string[]): void {
  if (args.length === 0) return;
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const first = args.find((a) => a !== '--help' && a !== '-h') ?? args[0]!;
  process.stderr.write(`${name}: ${first.startsWith('-') ? `unknown option ${first}` : `unexpected argument ${first}`}\n\n${usage}`);
  process.exit(2);
}
