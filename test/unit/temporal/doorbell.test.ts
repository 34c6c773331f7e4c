import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Doorbell } from '../../../src/temporal/doorbell';

/** The doorbell rings a shard only when its lingering drain may have ended. */
describe('Doorbell', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const bell = (claimableNow?: (ids: string[]) => Promise<string[]>) => {
    const rings: string[] = [];
    const doorbell = new Doorbell(async (lane, shard) => void rings.push(`${lane}/${shard}`), {
      gapMs: 500,
      safetyMs: 15_000,
      windowMs: 200,
      claimableNow,
    });
    return { rings, doorbell };
  };

  it('rings for the first row, not for a steady stream that a lingering drain takes, and again after a gap', async () => {
    const { rings, doorbell } = bell();
    doorbell.stored('amplitude', 0, true, 'c-0');
    await vi.advanceTimersByTimeAsync(0);
    expect(rings).toEqual(['amplitude/0']);
    for (let i = 0; i < 40; i += 1) {
      await vi.advanceTimersByTimeAsync(100); // a row every 100 ms: the drain lingers
      doorbell.stored('amplitude', 0, true, 'c-0');
    }
    expect(rings).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(600); // a gap: the drain may end after its linger
    doorbell.stored('amplitude', 0, true, 'c-0');
    await vi.advanceTimersByTimeAsync(0);
    expect(rings).toHaveLength(2);
  });

  it('rings every safety interval during an endless stream, in case the drain ended anyway', async () => {
    const { rings, doorbell } = bell();
    for (let i = 0; i < 400; i += 1) {
      doorbell.stored('intercom', 1, true, 'c-1');
      await vi.advanceTimersByTimeAsync(100);
    }
    // 40 s of rows 100 ms apart: the first ring, then one per 15 s.
    expect(rings).toEqual(['intercom/1', 'intercom/1', 'intercom/1']);
  });

  it('does not ring for rows their connection still holds (paused, in error): its workflow rings when they can go', async () => {
    const asked: string[][] = [];
    const { rings, doorbell } = bell(async (ids) => {
      asked.push(ids);
      return [];
    });
    doorbell.stored('amplitude', 2, false, 'c-2');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(asked).toEqual([['c-2']]);
    expect(rings).toEqual([]);
  });

  it('rings for held rows whose connection delivers by the time they are committed (its workflow may have looked before)', async () => {
    let answer!: (ids: string[]) => void;
    const asked: string[][] = [];
    const { rings, doorbell } = bell(
      (ids) =>
        new Promise<string[]>((resolve) => {
          asked.push(ids);
          answer = resolve;
        }),
    );
    doorbell.stored('amplitude', 2, false, 'c-held');
    doorbell.stored('intercom', 3, false, 'c-resumed');
    await vi.advanceTimersByTimeAsync(0);
    // Rows stored while the first question is out wait for the next one: one query at a time.
    doorbell.stored('intercom', 1, false, 'c-later');
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toEqual([['c-held', 'c-resumed']]);
    answer(['c-resumed']);
    await vi.advanceTimersByTimeAsync(0);
    expect(rings).toEqual(['intercom/3']);
    expect(asked).toEqual([['c-held', 'c-resumed'], ['c-later']]);
    answer([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(rings).toEqual(['intercom/3']);
  });

  it('rings for held rows when it cannot tell whether their connection delivers now', async () => {
    const { rings, doorbell } = bell(async () => {
      throw new Error('Postgres is away');
    });
    doorbell.stored('amplitude', 0, false, 'c-0');
    await vi.advanceTimersByTimeAsync(0);
    expect(rings).toEqual(['amplitude/0']);
  });

  it('keeps shards apart', async () => {
    const { rings, doorbell } = bell();
    doorbell.stored('amplitude', 0, true, 'c-0');
    doorbell.stored('amplitude', 1, true, 'c-1');
    doorbell.stored('intercom', 0, true, 'c-0');
    await vi.advanceTimersByTimeAsync(0);
    expect(rings.sort()).toEqual(['amplitude/0', 'amplitude/1', 'intercom/0']);
  });
});
