import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/store/secret-box.js';

describe('SecretBox (AES-256-GCM at rest)', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);
  const value = { accessToken: 'eyJ.secret.token', refreshToken: 'rt-123' };

  it('seals with the first key: no plaintext, readable back', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal(value);
    expect(sealed).not.toContain('secret');
    expect(sealed).not.toContain('rt-123');
    expect(box.open(sealed)).toEqual(value);
  });

  it('rotation: a list with the new key first still opens values sealed under the old key', () => {
    const old = new SecretBox([k1]).seal(value);
    const rotated = new SecretBox([k2, k1]);
    expect(rotated.open(old)).toEqual(value);
    expect(new SecretBox([k1]).open(rotated.seal(value))).toBeUndefined();
  });

  it('tampered or unknown-key values are unreadable (undefined), never an exception', () => {
    const box = new SecretBox([k1]);
    const sealed = JSON.parse(box.seal(value)) as { $sealed: { ct: string } };
    sealed.$sealed.ct = Buffer.from('tampered').toString('base64');
    expect(box.open(JSON.stringify(sealed))).toBeUndefined();
    expect(new SecretBox([k2]).open(box.seal(value))).toBeUndefined();
    expect(box.open('not json')).toBeUndefined();
  });

  it('turning encryption on loses nothing: values written in plaintext before stay readable, new writes are sealed', () => {
    const plain = new SecretBox([]).seal(value);
    expect(plain).toContain('rt-123');
    const box = new SecretBox([k1]);
    expect(box.open(plain)).toEqual(value);
    expect(box.seal(box.open(plain))).not.toContain('rt-123');
  });
});
