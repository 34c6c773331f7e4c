import { describe, expect, it } from 'vitest';
import { AMPLITUDE_MAX_STRING_LENGTH, cleanProperties } from '../../../src/source/properties';

describe('cleanProperties', () => {
  it('keeps what Amplitude can store and drops the rest', () => {
    expect(
      cleanProperties({
        text: 'x'.repeat(AMPLITUDE_MAX_STRING_LENGTH + 5),
        n: 3,
        nan: Number.NaN,
        nothing: null,
        missing: undefined,
        empty: [],
        nested: { a: null, b: [null, 1] },
        flag: false,
      }),
    ).toEqual({ text: 'x'.repeat(AMPLITUDE_MAX_STRING_LENGTH), n: 3, nested: { b: [1] }, flag: false });
  });

  it('merges several inputs as a spread would: a later key wins, and a later dropped value removes the key', () => {
    const first = { kept: 'a', replaced: 'old', removed: 'gone', order: 1 };
    const second = { replaced: 'new', removed: undefined, added: true };
    const merged = cleanProperties(first, second);
    expect(merged).toEqual(cleanProperties({ ...first, ...second }));
    expect(merged).toEqual({ kept: 'a', replaced: 'new', order: 1, added: true });
    expect(Object.keys(merged)).toEqual(['kept', 'replaced', 'order', 'added']);
  });
});
