/**
 * AES-256-GCM encryption of values at rest. The first key encrypts; any listed key decrypts, found by the
 * key id stored with each value, so keys can be rotated (prepend the new key, keep the old until its values
 * have been rewritten or expired) without losing stored connections.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

interface Sealed {
  /** format version */
  v: 1;
  /** key id: first 8 bytes of sha256(key), hex */
  k: string;
  iv: string;
  tag: string;
  ct: string;
}

export class SecretBox {
  private readonly keys: { id: string; key: Buffer }[];

  constructor(keys: readonly Buffer[]) {
    this.keys = keys.map((key) => ({ id: keyId(key), key }));
  }

  get encrypts(): boolean {
    return this.keys.length > 0;
  }

  /** Returns the string to store: sealed JSON when keys are configured, the plain JSON otherwise. */
  seal(value: unknown): string {
    const plain = JSON.stringify(value);
    const current = this.keys[0];
    if (!current) return plain;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', current.key, iv);
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const sealed: Sealed = { v: 1, k: current.id, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ct: ct.toString('base64') };
    return JSON.stringify({ $sealed: sealed });
  }

  /**
   * Reads what `seal` wrote. A value sealed under a key no longer listed, or tampered with, is unreadable:
   * returns undefined (treated as absent) rather than throwing, so one bad entry cannot break a request.
   */
  open<T>(stored: string): T | undefined {
    let parsed: unknown;
    try {
      parsed = JSON.parse(stored);
    } catch {
      return undefined;
    }
    const sealed = (parsed as { $sealed?: Sealed } | null)?.$sealed;
    if (!sealed) {
      // Written before encryption was turned on: still readable, so enabling keys loses no stored
      // connection; the next write of that entry seals it.
      return parsed as T;
    }
    const key = this.keys.find((k) => k.id === sealed.k);
    if (!key) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(sealed.iv, 'base64'));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]).toString('utf8');
      return JSON.parse(plain) as T;
    } catch {
      return undefined;
    }
  }
}

export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}
