import { describe, expect, it } from 'vitest';
import { parseIntercomTime, parseIntercomTimeSeconds } from '../../../src/source/time';

describe('parseIntercomTime', () => {
  it('reads Unix seconds as REST and most webhooks send them', () => {
    expect(parseIntercomTime(1553291307)).toBe(1553291307000);
  });

  it('reads ISO-8601 strings as some webhook items send them, keeping milliseconds', () => {
    expect(parseIntercomTime('2026-01-10T04:22:28.240+00:00')).toBe(Date.UTC(2026, 0, 10, 4, 22, 28, 240));
    expect(parseIntercomTime('2026-01-10T05:42:57.000Z')).toBe(Date.UTC(2026, 0, 10, 5, 42, 57));
  });

  it('applies offsets and reads a date-time without one as UTC, whatever the host zone', () => {
    expect(parseIntercomTime('2026-01-10T06:22:28+02:00')).toBe(Date.UTC(2026, 0, 10, 4, 22, 28));
    expect(parseIntercomTime('2026-01-10T06:22:28+0200')).toBe(Date.UTC(2026, 0, 10, 4, 22, 28));
    expect(parseIntercomTime('2026-01-10T04:22:28')).toBe(Date.UTC(2026, 0, 10, 4, 22, 28));
    expect(parseIntercomTime('2026-01-10')).toBe(Date.UTC(2026, 0, 10));
  });

  it('agrees between the ISO and Unix forms of one instant at second resolution', () => {
    expect(parseIntercomTimeSeconds('2026-01-10T04:39:55.465+00:00')).toBe(1768019995);
    expect(parseIntercomTimeSeconds(1768019995)).toBe(1768019995);
  });

  it('accepts digit strings and epoch milliseconds', () => {
    expect(parseIntercomTime('1553291307')).toBe(1553291307000);
    expect(parseIntercomTime(1553291307123)).toBe(1553291307123);
  });

  it('returns null for missing, zero ("never") and unparseable values', () => {
    for (const value of [
      null,
      undefined,
      0,
      -5,
      '',
      'yesterday',
      '2026-02-30T00:00:00Z',
      '2026-13-01',
      {},
      Number.NaN,
    ]) {
      expect(parseIntercomTime(value)).toBeNull();
    }
  });
});
