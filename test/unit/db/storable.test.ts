import { describe, expect, it } from 'vitest';
import { boundedKey, isDataError, MAX_INDEXED_KEY_BYTES, pathToNul } from '../../../src/db/storable';

describe('pathToNul', () => {
  it('finds U+0000 in a nested value or key, and names where', () => {
    expect(pathToNul({ a: { b: ['ok', 'x\u0000y'] } })).toBe('a.b.1');
    expect(pathToNul({ a: { ['k\u0000']: 1 } })).toBe('a.k\\u0000');
    expect(pathToNul('\u0000')).toBe('(value)');
  });

  it('passes anything without one, however deep', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    expect(pathToNul(deep)).toBeUndefined();
    expect(pathToNul({ text: 'a\\u0000 written out is fine', n: 0, none: null })).toBeUndefined();
  });
});

describe('boundedKey', () => {
  it('keeps short keys and hashes long ones (by UTF-8 bytes) to a fixed, distinct, stable form', () => {
    expect(boundedKey('user:ada')).toBe('user:ada');
    const long = `user:${'𝔘'.repeat(1024)}`; // 1,024 characters of 4 bytes: a valid Amplitude id
    const hashed = boundedKey(long);
    expect(Buffer.byteLength(hashed)).toBeLessThanOrEqual(MAX_INDEXED_KEY_BYTES);
    expect(hashed).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(boundedKey(long)).toBe(hashed);
    expect(boundedKey(`${long}x`)).not.toBe(hashed);
  });
});

describe('isDataError', () => {
  it('recognises Postgres data exceptions and limits, also wrapped by drizzle', () => {
    expect(isDataError({ code: '22021' })).toBe(true); // invalid byte sequence (a NUL in text)
    expect(isDataError({ code: '54000' })).toBe(true); // index row size exceeds the maximum
    expect(isDataError(Object.assign(new Error('Failed query'), { cause: { code: '22008' } }))).toBe(true);
  });

  it('leaves outages alone: they deserve a retry', () => {
    expect(isDataError({ code: '57P01' })).toBe(false); // admin shutdown
    expect(isDataError({ code: '08006' })).toBe(false); // connection failure
    expect(isDataError(new Error('connect ECONNREFUSED'))).toBe(false);
  });
});
