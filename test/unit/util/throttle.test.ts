import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Throttle } from '../../../src/util/throttle';

describe('Throttle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs the first trigger at once and folds the triggers of one window into one trailing run', async () => {
    const runs: number[] = [];
    const throttle = new Throttle(async () => void runs.push(Date.now()), { windowMs: 1_000 });
    const start = Date.now();
    throttle.trigger('a');
    for (let i = 0; i < 50; i += 1) throttle.trigger('a');
    await vi.advanceTimersByTimeAsync(999);
    expect(runs.map((t) => t - start)).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.map((t) => t - start)).toEqual([0, 1_000]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toHaveLength(2); // nothing more was triggered
  });

  it('keeps keys apart', async () => {
    const runs: string[] = [];
    const throttle = new Throttle(async (key) => void runs.push(key), { windowMs: 1_000 });
    throttle.trigger('a');
    throttle.trigger('b');
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual(['a', 'b']);
  });

  it('retries a failed run with backoff until it succeeds, and a trigger meanwhile adds no extra run', async () => {
    let failures = 3;
    const attempts: number[] = [];
    const errors: unknown[] = [];
    const start = Date.now();
    const throttle = new Throttle(
      async () => {
        attempts.push(Date.now() - start);
        if (failures-- > 0) throw new Error('Temporal is down');
      },
      { windowMs: 100, onError: (_key, err) => errors.push(err) },
    );
    throttle.trigger('a');
    await vi.advanceTimersByTimeAsync(0);
    throttle.trigger('a'); // folded into the retry
    await vi.advanceTimersByTimeAsync(60_000);
    expect(attempts).toEqual([0, 1_000, 3_000, 7_000]); // 1 s, 2 s, 4 s after each failure
    expect(errors).toHaveLength(3);
  });

  it('stops retrying after stop(), so a process can exit while the target is down', async () => {
    let attempts = 0;
    const throttle = new Throttle(
      async () => {
        attempts += 1;
        throw new Error('down');
      },
      { windowMs: 100 },
    );
    throttle.trigger('a');
    await vi.advanceTimersByTimeAsync(0);
    throttle.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(attempts).toBe(1);
    throttle.trigger('a');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(attempts).toBe(1);
  });
});
