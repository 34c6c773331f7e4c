import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Doorbell } from '../../../src/temporal/doorbell';

/** The doorbell rings a shard only when its lingering drain may have ended. */
describe('Doorbell', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const bell = () => {
    const rings: string[] = [];
    const doorbell = new Doorbell(async (lane, shard) => void rings.push(`${lane}/${shard}`), {
      gapMs: 500,
      safetyMs: 15_000,
      windowMs: 200,
    });
    return { rings, doorbell };
  };

  it('rings for the first row, not for a steady stream that a lingering drain takes, and again after a gap', async () => {
    const { rings, doorbell } = bell();
    doorbell.stored('amplitude', 0, true);
    await vi.advanceTimersByTimeAsync(0);
    expect(rings).toEqual(['amplitude/0']);
    for (let i = 0; i < 40; i += 1) {
      await vi.advanceTimersByTimeAsync(100); // a row every 100 ms: the drain lingers
      doorbell.stored('amplitude', 0, true);
    }
    expect(rings).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(600); // a gap: the drain may end after its linger
    doorbell.stored('amplitude', 0, true);
    await vi.advanceTimersByTimeAsync(0);
    expect(rings).toHaveLength(2);
  });

  it('rings every safety interval during an endless stream, in case the drain ended anyway', async () => {
    const { rings, doorbell } = bell();
    for (let i = 0; i < 400; i += 1) {
      doorbell.stored('intercom', 1, true);
      await vi.advanceTimersByTimeAsync(100);
    }
    // 40 s of rows 100 ms apart: the first ring, then one per 15 s.
    expect(rings).toEqual(['intercom/1', 'intercom/1', 'intercom/1']);
  });

  it('never rings for rows its connection holds (paused, in error): their workflow rings when they can go', async () => {
    const { rings, doorbell } = bell();
    doorbell.stored('amplitude', 2, false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(rings).toEqual([]);
  });

  it('keeps shards apart', async () => {
    const { rings, doorbell } = bell();
    doorbell.stored('amplitude', 0, true);
    doorbell.stored('amplitude', 1, true);
    doorbell.stored('intercom', 0, true);
    await vi.advanceTimersByTimeAsync(0);
    expect(rings.sort()).toEqual(['amplitude/0', 'amplitude/1', 'intercom/0']);
  });
});
