import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyId, SecretBox } from '../../src/store/secret-box.js';

/** A value as the previous version sealed it: format 1, no associated data. */
function sealedV1(key: Buffer, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return JSON.stringify({
    $sealed: { v: 1, k: keyId(key), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ct: ct.toString('base64') },
  });
}

describe('SecretBox (AES-256-GCM at rest, bound to the store key)', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);
  const value = { accessToken: 'eyJ.secret.token', refreshToken: 'rt-123' };
  const KEY = 'cxgraph::token:a';

  it('seals with the first key: no plaintext, readable back under the same store key', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal(value, KEY);
    expect(sealed).not.toContain('secret');
    expect(sealed).not.toContain('rt-123');
    expect(JSON.parse(sealed)).toMatchObject({ $sealed: { v: 2, k: keyId(k1) } });
    expect(box.open(sealed, KEY)).toEqual({ ok: true, value });
  });

  it('binds each value to its store key: a copy under another key, or another namespace, does not open', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal(value, 'cxgraph::pbx:h:account:20');
    expect(box.open(sealed, 'cxgraph::pbx:h:account:30')).toEqual({ ok: false, reason: 'not-authentic', keyId: keyId(k1) });
    expect(box.open(sealed, 'other::pbx:h:account:20')).toEqual({ ok: false, reason: 'not-authentic', keyId: keyId(k1) });
  });

  it('rotation: the sealing key first, read-only keys after it; a key not listed is named by its id', () => {
    const old = new SecretBox([k1]).seal(value, KEY);
    const rotated = new SecretBox([k2, k1]);
    expect(rotated.open(old, KEY)).toEqual({ ok: true, value });
    expect(rotated.inspect(old, KEY)).toBe('older-key');
    expect(rotated.inspect(rotated.seal(value, KEY), KEY)).toBe('current');
    expect(new SecretBox([k1]).open(rotated.seal(value, KEY), KEY)).toEqual({ ok: false, reason: 'unknown-key', keyId: keyId(k2) });
    // A key listed twice counts once.
    expect(new SecretBox([k1, k1]).sealingKeyId).toBe(keyId(k1));
  });

  it('tampered or malformed values are unreadable, never an exception', () => {
    const box = new SecretBox([k1]);
    const sealed = JSON.parse(box.seal(value, KEY)) as { $sealed: { ct: string; tag: string } };
    expect(box.open(JSON.stringify({ $sealed: { ...sealed.$sealed, ct: Buffer.from('tampered').toString('base64') } }), KEY)).toMatchObject({
      ok: false,
      reason: 'not-authentic',
    });
    // A truncated tag is refused (GCM would otherwise check only its first bytes).
    expect(
      box.open(JSON.stringify({ $sealed: { ...sealed.$sealed, tag: Buffer.from(sealed.$sealed.tag, 'base64').subarray(0, 4).toString('base64') } }), KEY),
    ).toMatchObject({ ok: false, reason: 'not-authentic' });
    expect(box.open('not json', KEY)).toEqual({ ok: false, reason: 'malformed' });
    expect(box.open('{"$sealed":{"v":2}}', KEY)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('with keys, a plaintext value is refused (it could have been written by anyone); without keys it is the format', () => {
    const plain = new SecretBox([]).seal(value, KEY);
    expect(plain).toContain('rt-123');
    expect(new SecretBox([]).open(plain, KEY)).toEqual({ ok: true, value });
    expect(new SecretBox([k1]).open(plain, KEY)).toEqual({ ok: false, reason: 'unsealed' });
    // Sealed values mean nothing to a replica without keys.
    expect(new SecretBox([]).open(new SecretBox([k1]).seal(value, KEY), KEY)).toEqual({ ok: false, reason: 'unknown-key', keyId: keyId(k1) });
  });

  it('a format-1 value (sealed before values were bound to their key) is refused, and only the reseal path reads it', () => {
    const box = new SecretBox([k2, k1]);
    const v1 = sealedV1(k1, value);
    expect(box.open(v1, KEY)).toEqual({ ok: false, reason: 'unbound', keyId: keyId(k1) });
    expect(box.legacyValue(v1, KEY, { plaintext: false })).toEqual({ value });
    const resealed = box.seal(box.legacyValue(v1, KEY, { plaintext: false })!.value, KEY);
    expect(box.open(resealed, KEY)).toEqual({ ok: true, value });
  });

  it('legacyValue gives what reseal may seal again: older-key and format-1 values, plaintext only when asked, nothing else', () => {
    const box = new SecretBox([k2, k1]);
    const plain = JSON.stringify(value);
    expect(box.legacyValue(new SecretBox([k1]).seal(value, KEY), KEY, { plaintext: false })).toEqual({ value });
    expect(box.legacyValue(plain, KEY, { plaintext: false })).toBeUndefined();
    expect(box.legacyValue(plain, KEY, { plaintext: true })).toEqual({ value });
    expect(box.legacyValue(box.seal(value, KEY), KEY, { plaintext: true })).toBeUndefined();
    expect(box.legacyValue(new SecretBox([k1]).seal(value, 'cxgraph::elsewhere'), KEY, { plaintext: true })).toBeUndefined();
    expect(box.legacyValue(new SecretBox([randomBytes(32)]).seal(value, KEY), KEY, { plaintext: true })).toBeUndefined();
    expect(new SecretBox([]).legacyValue(plain, KEY, { plaintext: true })).toBeUndefined();
  });
});
