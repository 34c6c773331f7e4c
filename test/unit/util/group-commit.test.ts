import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../../src/util/group-commit';

/** A write that waits until the test lets it finish, recording what each write carried. */
function gatedWriter() {
  const writes: number[][] = [];
  const gates: (() => void)[] = [];
  const write = (items: number[]) =>
    new Promise<void>((resolve, reject) => {
      writes.push(items);
      gates.push(() => (items.includes(-1) ? reject(new Error('bad item')) : resolve()));
    });
  const release = async () => {
    await new Promise((r) => setImmediate(r));
    gates.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { writes, write, release };
}

describe('GroupCommit', () => {
  it('writes the first item at once and the items added meanwhile together in the next write', async () => {
    const w = gatedWriter();
    const commits = new GroupCommit(w.write);
    const added = [commits.add(1), commits.add(2), commits.add(3)];
    await w.release();
    await w.release();
    await Promise.all(added);
    expect(w.writes).toEqual([[1], [2, 3]]);
  });

  it('fails every item of a failed write, and only those', async () => {
    const w = gatedWriter();
    const commits = new GroupCommit(w.write);
    const settled = Promise.allSettled([commits.add(1), commits.add(-1), commits.add(2)]);
    await w.release();
    await w.release();
    const later = commits.add(3);
    await w.release();
    const [first, bad, sameBatch] = await settled;
    expect(first).toEqual({ status: 'fulfilled', value: undefined });
    expect(bad).toMatchObject({ status: 'rejected', reason: new Error('bad item') });
    expect(sameBatch).toMatchObject({ status: 'rejected', reason: new Error('bad item') });
    await expect(later).resolves.toBeUndefined();
    expect(w.writes).toEqual([[1], [-1, 2], [3]]);
  });

  it('caps a write at maxBatch items and flush waits for all of them', async () => {
    const writes: number[][] = [];
    const commits = new GroupCommit<number>(async (items) => {
      writes.push(items);
      await new Promise((r) => setTimeout(r, 1));
    }, 2);
    for (let i = 1; i <= 5; i++) void commits.add(i);
    await commits.flush();
    expect(writes).toEqual([[1], [2, 3], [4, 5]]);
  });
});
