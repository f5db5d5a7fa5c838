/**
 * How both stores turn values into stored strings and back: sealed by SecretBox and bound to the full store key
 * (`<namespace>::<key>`, the Redis key itself), and a value that cannot be opened reported as such — with a message
 * an operator can act on, logged once per key at error level — instead of passing for absent.
 */
import type { Logger } from '../observability/logger.js';
import type { ResealReport, StoreRead, UnreadableValue } from './kv-store.js';
import type { SecretBox, UnreadableReason } from './secret-box.js';

/** At most this many unreadable keys are remembered as already logged (a flood of bad values cannot grow memory). */
const LOGGED_CAP = 10_000;

export class ValueCodec {
  /** Store key → what was last logged about it, so each unreadable value is logged once. */
  private readonly logged = new Map<string, string>();

  constructor(
    readonly box: SecretBox,
    readonly namespace: string,
    private readonly logger?: Logger,
  ) {}

  /** The full key of `key`: the Redis key, and the associated data its value is sealed with. */
  fullKey(key: string): string {
    return `${this.namespace}::${key}`;
  }

  encode(key: string, value: unknown): string {
    return this.box.seal(value, this.fullKey(key));
  }

  /** What a stored string (undefined: nothing stored) means for `key`; logs an unreadable value once. */
  decode<T>(key: string, stored: string | undefined): StoreRead<T> {
    if (stored === undefined) {
      this.logged.delete(key);
      return { status: 'absent' };
    }
    const opened = this.box.open<T>(stored, this.fullKey(key));
    if (opened.ok) {
      this.logged.delete(key);
      return { status: 'found', value: opened.value };
    }
    return this.refuse(key, opened.reason, opened.keyId);
  }

  /** `key`'s value cannot be opened, for `reason`: logged once, reported. */
  refuse<T>(key: string, reason: UnreadableReason, keyId?: string): StoreRead<T> {
    const problem = unreadable(key, reason, keyId);
    this.report(problem);
    return { status: 'unreadable', problem };
  }

  private report(p: UnreadableValue): void {
    const signature = `${p.reason}:${p.keyId ?? ''}`;
    if (this.logged.get(p.key) === signature) return;
    if (this.logged.size >= LOGGED_CAP) this.logged.clear();
    this.logged.set(p.key, signature);
    this.logger?.error({ key: p.key, reason: p.reason, keyId: p.keyId, detail: p.message }, 'stored value cannot be opened');
  }
}

/** The problem report of an unreadable value: what is wrong, what to do. */
export function unreadable(key: string, reason: UnreadableReason, keyId?: string): UnreadableValue {
  const messages: Record<UnreadableReason, string> = {
    'unknown-key': `it is sealed with key id ${keyId}, which this replica does not have: list that key in CXGRAPH_DECRYPTION_KEYS (docs/security.md: rotating encryption keys)`,
    'not-authentic': `it is sealed with key id ${keyId} but does not authenticate under this key: it was tampered with or copied from another key, and is not used`,
    unsealed:
      'it is not sealed although encryption keys are set: written before encryption was enabled (seal it once with the reseal command and --plaintext, docs/security.md) or by someone else; it is not used',
    unbound: `it is sealed with key id ${keyId} by an earlier version that did not bind values to their key: seal it again with the reseal command (docs/security.md)`,
    malformed: 'it is not a value cxgraph writes, and is not used',
  };
  return { key, reason, ...(keyId ? { keyId } : {}), message: messages[reason] };
}

/** The reseal report entry of an unreadable read. */
export function problemOf(r: StoreRead<unknown>): ResealReport['unreadable'][number] {
  if (r.status !== 'unreadable') throw new Error(`expected an unreadable value, got ${r.status}`);
  const { key, reason, keyId } = r.problem;
  return keyId ? { key, reason, keyId } : { key, reason };
}
