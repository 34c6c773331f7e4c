import { describe, expect, it } from 'vitest';
import { Turns } from '../../../src/util/turns';

const tick = () => new Promise((r) => setImmediate(r));

describe('Turns', () => {
  it('runs the turns of one key in the order they were taken, whatever order they become ready to run', async () => {
    const turns = new Turns();
    const order: string[] = [];
    const first = turns.take('a');
    const second = turns.take('a');
    const third = turns.take('a');
    const run = async (name: string, turn: typeof first, workMs: number) => {
      await new Promise((r) => setTimeout(r, workMs)); // the work before the send overlaps
      await turn.ready;
      order.push(name);
      turn.release();
    };
    await Promise.all([run('third', third, 0), run('second', second, 5), run('first', first, 20)]);
    expect(order).toEqual(['first', 'second', 'third']);
  });

  it('never makes one key wait for another', async () => {
    const turns = new Turns();
    const held = turns.take('a');
    const other = turns.take('b');
    let otherReady = false;
    void other.ready.then(() => (otherReady = true));
    await tick();
    expect(otherReady).toBe(true);
    held.release();
    other.release();
  });

  it('lets a later turn go once an earlier one is released without being used, and forgets idle keys', async () => {
    const turns = new Turns();
    const unused = turns.take('a');
    const next = turns.take('a');
    let nextReady = false;
    void next.ready.then(() => (nextReady = true));
    await tick();
    expect(nextReady).toBe(false);
    unused.release();
    unused.release(); // idempotent
    await tick();
    expect(nextReady).toBe(true);
    expect(turns.size).toBe(1);
    next.release();
    await tick();
    expect(turns.size).toBe(0);
  });
});
