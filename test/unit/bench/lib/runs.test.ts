import { describe, expect, it } from 'vitest';
import { fmt, runCount, spread, summarise } from '../../../../bench/lib/runs';

describe('benchmark runs', () => {
  it('reports the median with min and max, for odd and even run counts', () => {
    expect(spread([7, 3, 5])).toEqual({ median: 5, min: 3, max: 7, values: [7, 3, 5] });
    expect(spread([4, 1, 3, 2])).toMatchObject({ median: 2.5, min: 1, max: 4 });
    expect(spread([9])).toMatchObject({ median: 9, min: 9, max: 9 });
  });

  it('summarises only the metrics every run measured', () => {
    const summary = summarise([
      { rate: 100, p99: 20, onlyOnce: 1 },
      { rate: 120, p99: 30 },
      { rate: 110, p99: Number.NaN },
    ]);
    expect(Object.keys(summary)).toEqual(['rate']);
    expect(summary.rate).toMatchObject({ median: 110, min: 100, max: 120 });
  });

  it('prints median (min–max), and a single value when the runs agree', () => {
    expect(fmt(spread([7_100, 7_491, 7_600]))).toBe('7,491 (7,100–7,600)');
    expect(fmt(spread([0.25, 0.5, 0.75]), 2, ' ms')).toBe('0.50 ms (0.25–0.75 ms)');
    expect(fmt(spread([3, 3]))).toBe('3');
  });

  it('takes --runs as a positive integer, 3 by default', () => {
    expect(runCount(undefined)).toBe(3);
    expect(runCount('5')).toBe(5);
    expect(() => runCount('0')).toThrow(/positive integer/);
    expect(() => runCount('two')).toThrow(/positive integer/);
  });
});
