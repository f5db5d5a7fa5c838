/**
 * The reseal command: seals again, in place, every value under CXGRAPH_REDIS_PREFIX that opens but is not sealed
 * with the current sealing key, so that an older key can be dropped, values from an earlier version (format 1, not
 * bound to their key) are readable again, and — with --plaintext, once, when encryption is first enabled — values
 * written before encryption was enabled are sealed. Run with the service's environment:
 *
 *   npx tsx src/app/reseal-command.ts [--plaintext]        (from the sources)
 *   node dist/app/reseal-command.js [--plaintext]          (in the image)
 *
 * A value is replaced only if it is still the one read (a replica writing at the same moment wins) and keeps its
 * expiry. Values that cannot be opened are listed and left alone. docs/security.md says when to run it.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from '../observability/logger.js';
import { createStore } from '../store/create-store.js';
import type { ResealReport } from '../store/kv-store.js';
import { keyId } from '../store/secret-box.js';

const USAGE = `Usage: node dist/app/reseal-command.js [--plaintext]     (npx tsx src/app/reseal-command.ts from the sources)

Seals again every value under CXGRAPH_REDIS_PREFIX that is sealed with an older key listed in
CXGRAPH_DECRYPTION_KEYS, or sealed by a version that did not bind values to their key, with the sealing key
(CXGRAPH_ENCRYPTION_KEYS). Reads REDIS_URL / REDIS_CLUSTER_NODES and the keys from the environment, as cxgraph does.

  --plaintext   also seal plain values written before encryption was enabled (once, when enabling it:
                a plain value is otherwise refused, since anyone who can write to Redis could have written it)
  -h, --help    print this and exit
`;

async function main(): Promise<number> {
  let plaintext = false;
  try {
    const { values } = parseArgs({ options: { plaintext: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    plaintext = values.plaintext ?? false;
  } catch (e) {
    process.stderr.write(`reseal: ${e instanceof Error ? e.message.split(/\.\s/)[0] : String(e)}\n\n${USAGE}`);
    return 2;
  }
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`reseal: ${e.message}\n`);
    return 2;
  }
  const sealing = config.encryptionKeys[0];
  if (!sealing) return fail('CXGRAPH_ENCRYPTION_KEYS is not set: there is no key to seal with.');
  if (!config.redisUrl && !config.redisClusterNodes) return fail('REDIS_URL or REDIS_CLUSTER_NODES is not set: the memory store keeps nothing between runs.');

  const logger = createLogger({ level: 'warn', destination: process.stderr });
  const store = createStore({
    redisUrl: config.redisUrl,
    redisClusterNodes: config.redisClusterNodes,
    namespace: config.redisPrefix,
    encryptionKeys: config.encryptionKeys,
    logger,
    opTimeoutMs: 5_000,
  });
  try {
    const deadline = Date.now() + 10_000;
    while (!(await store.ping())) {
      if (Date.now() > deadline) return fail('Redis does not answer.');
      await new Promise((r) => setTimeout(r, 200));
    }
    const report = await store.reseal({ plaintext });
    process.stdout.write(describe(report, keyId(sealing), config.redisPrefix));
    return 0;
  } finally {
    await store.close();
  }
}

function describe(r: ResealReport, sealingKeyId: string, prefix: string): string {
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const lines = [`reseal under prefix ${prefix}: resealed ${plural(r.resealed, 'value')} with key id ${sealingKeyId} (${r.examined} examined)`];
  if (r.plaintextLeft > 0)
    lines.push(`${plural(r.plaintextLeft, 'plaintext value')} left unsealed: run again with --plaintext if they were written before encryption was enabled`);
  if (r.unreadable.length > 0) {
    lines.push(`${plural(r.unreadable.length, 'value')} cannot be opened and were left alone:`);
    for (const u of r.unreadable.slice(0, 100)) lines.push(`  ${u.key}: ${u.reason}${u.keyId ? ` (key id ${u.keyId})` : ''}`);
    if (r.unreadable.length > 100) lines.push('  …');
  }
  return `${lines.join('\n')}\n`;
}

function fail(message: string): number {
  process.stderr.write(`reseal: ${message}\n`);
  return 2;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`reseal failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
