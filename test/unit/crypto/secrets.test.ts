import { describe, expect, it } from 'vitest';
import { SecretBox, generateKeyBase64, safeEqual } from '../../../src/crypto/secrets';
import { legacySeal } from '../../../testkit/legacy-secrets';

describe('SecretBox', () => {
  const box = new SecretBox(generateKeyBase64());

  it('round-trips a secret without leaving the plaintext in the sealed form', () => {
    const sealed = box.seal('tok_live_abcdef', 'conn-1:intercom_access_token');
    expect(sealed).not.toContain('tok_live_abcdef');
    expect(box.open(sealed, 'conn-1:intercom_access_token')).toBe('tok_live_abcdef');
  });

  it('uses a fresh IV each time', () => {
    expect(box.seal('same', 'ctx')).not.toBe(box.seal('same', 'ctx'));
  });

  it('refuses a sealed value moved to another row (bound context)', () => {
    const sealed = box.seal('tok', 'conn-1:intercom_access_token');
    expect(() => box.open(sealed, 'conn-2:intercom_access_token')).toThrow();
  });

  it('refuses a tampered value and a different key', () => {
    const sealed = box.seal('tok', 'ctx');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('other').toString('base64url');
    expect(() => box.open(parts.join('.'), 'ctx')).toThrow();
    expect(() => new SecretBox(generateKeyBase64()).open(sealed, 'ctx')).toThrow();
  });
});

describe('SecretBox key rotation', () => {
  const oldKey = generateKeyBase64();
  const newKey = generateKeyBase64();

  it('seals under the current key with its id, and opens values of the previous keys by their id', () => {
    const before = new SecretBox(oldKey);
    const sealedBefore = before.seal('tok', 'ctx');
    expect(sealedBefore.split('.')[1]).toBe(before.currentKeyId);
    const after = new SecretBox(newKey, [oldKey]);
    expect(after.currentKeyId).not.toBe(before.currentKeyId);
    expect(after.open(sealedBefore, 'ctx')).toBe('tok');
    expect(after.isStale(sealedBefore)).toBe(true);
    const resealed = after.seal('tok', 'ctx');
    expect(after.isStale(resealed)).toBe(false);
    expect(() => new SecretBox(newKey).open(sealedBefore, 'ctx')).toThrow(/ENCRYPTION_KEYS/);
    expect(() => before.open(resealed, 'ctx')).toThrow();
  });

  it('still opens values sealed before key ids existed (v1), under the current or a previous key', () => {
    const legacy = legacySeal(oldKey, 'tok', 'ctx');
    expect(new SecretBox(oldKey).open(legacy, 'ctx')).toBe('tok');
    const rotated = new SecretBox(newKey, [oldKey]);
    expect(rotated.open(legacy, 'ctx')).toBe('tok');
    expect(rotated.isStale(legacy)).toBe(true);
    expect(() => new SecretBox(newKey).open(legacy, 'ctx')).toThrow();
  });
});

describe('safeEqual', () => {
  it('compares by value', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
