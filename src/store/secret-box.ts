/**
 * AES-256-GCM sealing of values at rest, each value bound to the store key it is written under (the key is the
 * GCM associated data): a sealed value copied to another key, or altered, does not open. The first key seals; every
 * key listed opens what it sealed, found by the key id stored with each value, so keys can be rotated without losing
 * stored connections (docs/security.md, rotating encryption keys: add the new key read-only everywhere first, then make it the sealing key).
 *
 * With keys configured, only values sealed this way are accepted: a plaintext value (written before encryption was
 * enabled, or by someone writing to Redis) and a format-1 value (sealed before values were bound to their key) are
 * refused — until the reseal command (src/app/reseal-command.ts) seals them once, explicitly.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

interface Sealed {
  /** format: 1 = not bound to its store key (refused, resealed by the reseal command); 2 = bound */
  v: 1 | 2;
  /** key id: first 8 bytes of sha256(key), hex */
  k: string;
  iv: string;
  tag: string;
  ct: string;
}

/** Why a stored value cannot be opened. */
export type UnreadableReason =
  /** sealed with a key this replica does not have */
  | 'unknown-key'
  /** sealed with a key this replica has, but it does not authenticate under this store key: altered, or copied from another key */
  | 'not-authentic'
  /** plain JSON while keys are configured: written before encryption was enabled, or by someone else */
  | 'unsealed'
  /** sealed in format 1, not bound to its store key (written before this version) */
  | 'unbound'
  /** not a value cxgraph writes */
  | 'malformed';

export type Opened<T> = { ok: true; value: T } | { ok: false; reason: UnreadableReason; keyId?: string };

/** What `inspect` says of a stored string, for the reseal command. */
export type SealState = 'current' | 'older-key' | UnreadableReason;

export class SecretBox {
  private readonly keys: { id: string; key: Buffer }[];

  /** `keys`: the sealing key first, then the keys that only open (read-only). */
  constructor(keys: readonly Buffer[]) {
    const seen = new Set<string>();
    this.keys = keys.map((key) => ({ id: keyId(key), key })).filter((k) => !seen.has(k.id) && seen.add(k.id));
  }

  get encrypts(): boolean {
    return this.keys.length > 0;
  }

  /** The id of the sealing key, when there is one. */
  get sealingKeyId(): string | undefined {
    return this.keys[0]?.id;
  }

  /**
   * The string to store under `storeKey` (the full key, namespace included): sealed JSON bound to that key when
   * keys are configured, the plain JSON otherwise.
   */
  seal(value: unknown, storeKey: string): string {
    const plain = JSON.stringify(value);
    const current = this.keys[0];
    if (!current) return plain;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', current.key, iv);
    cipher.setAAD(Buffer.from(storeKey, 'utf8'));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const sealed: Sealed = { v: 2, k: current.id, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ct: ct.toString('base64') };
    return JSON.stringify({ $sealed: sealed });
  }

  /** Reads what `seal` wrote under `storeKey`; never throws. */
  open<T>(stored: string, storeKey: string): Opened<T> {
    const parsed = parse(stored);
    if (parsed === undefined) return { ok: false, reason: 'malformed' };
    const sealed = sealedOf(parsed.value);
    if (!sealed) {
      if (sealed === null) return { ok: false, reason: 'malformed' };
      // Without keys, values are plain JSON by design; with keys, a plain value is nobody's we can vouch for.
      return this.encrypts ? { ok: false, reason: 'unsealed' } : { ok: true, value: parsed.value as T };
    }
    const key = this.keys.find((k) => k.id === sealed.k);
    if (!key) return { ok: false, reason: 'unknown-key', keyId: sealed.k };
    if (sealed.v === 1) return { ok: false, reason: 'unbound', keyId: sealed.k };
    const plain = decrypt(key.key, sealed, storeKey);
    if (plain === undefined) return { ok: false, reason: 'not-authentic', keyId: sealed.k };
    const value = parse(plain);
    return value === undefined ? { ok: false, reason: 'malformed', keyId: sealed.k } : { ok: true, value: value.value as T };
  }

  /** Where a stored string stands: sealed as `seal` would seal it now, with an older key, or unreadable and why. */
  inspect(stored: string, storeKey: string): SealState {
    const opened = this.open(stored, storeKey);
    if (!opened.ok) return opened.reason;
    const sealed = sealedOf(parse(stored)?.value);
    return !sealed || sealed.k === this.keys[0]?.id ? 'current' : 'older-key';
  }

  /**
   * For the reseal command only: the value of a stored string that is readable but not sealed as `seal` would seal
   * it now — under an older listed key, in format 1 (`unbound`), or plaintext when `plaintext` is allowed — so it
   * can be sealed again. Undefined for anything else (current, not authentic, unknown key, malformed).
   */
  legacyValue(stored: string, storeKey: string, opts: { plaintext: boolean }): { value: unknown } | undefined {
    if (!this.encrypts) return undefined;
    const state = this.inspect(stored, storeKey);
    if (state === 'older-key') {
      const opened = this.open(stored, storeKey);
      return opened.ok ? { value: opened.value } : undefined;
    }
    const parsed = parse(stored);
    if (state === 'unsealed' && opts.plaintext) return parsed && { value: parsed.value };
    if (state !== 'unbound') return undefined;
    const sealed = sealedOf(parsed?.value)!;
    const key = this.keys.find((k) => k.id === sealed.k)!;
    const plain = decrypt(key.key, sealed, undefined);
    const value = plain === undefined ? undefined : parse(plain);
    return value && { value: value.value };
  }
}

/** The short id a key is known by in stored values and messages: first 8 bytes of its SHA-256, hex. Not secret. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

function parse(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/** The sealed envelope of a parsed value; undefined when it is no envelope, null when it is a broken one. */
function sealedOf(value: unknown): Sealed | null | undefined {
  if (value === null || typeof value !== 'object' || !('$sealed' in value)) return undefined;
  const s = (value as { $sealed: unknown }).$sealed as Partial<Sealed> | null;
  const fields = s && typeof s === 'object' && [s.k, s.iv, s.tag, s.ct].every((f) => typeof f === 'string');
  return fields && (s.v === 1 || s.v === 2) ? (s as Sealed) : null;
}

function decrypt(key: Buffer, sealed: Sealed, storeKey: string | undefined): string | undefined {
  try {
    // The full 16-byte tag only: GCM would otherwise accept a truncated one.
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'), { authTagLength: 16 });
    if (storeKey !== undefined) decipher.setAAD(Buffer.from(storeKey, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
