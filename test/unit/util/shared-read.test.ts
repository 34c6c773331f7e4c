import { describe, expect, it } from 'vitest';
import { sharedRead } from '../../../src/util/shared-read';

describe('sharedRead', () => {
  /** A read whose answers the test hands out one at a time. */
  const controlled = () => {
    const pending: { resolve: (n: number) => void; reject: (e: Error) => void }[] = [];
    const read = () => new Promise<number>((resolve, reject) => pending.push({ resolve, reject }));
    return { pending, read };
  };

  it('gives every caller during a read the same answer, from one read', async () => {
    const { pending, read } = controlled();
    let clock = 0;
    const shared = sharedRead(read, { maxAgeMs: 0, now: () => clock });
    const answers = Array.from({ length: 100 }, () => shared());
    await Promise.resolve();
    expect(pending).toHaveLength(1);
    clock = 5_000; // a slow read stays shared until it answers, however old
    answers.push(shared());
    pending[0]!.resolve(7);
    expect(await Promise.all(answers)).toEqual(Array(101).fill(7));
    shared();
    await Promise.resolve();
    expect(pending).toHaveLength(2); // maxAge 0: the next caller after the answer reads again
  });

  it('keeps an answer, failures included, for maxAgeMs from the start of its read', async () => {
    const { pending, read } = controlled();
    let clock = 0;
    const shared = sharedRead(read, { maxAgeMs: 1_000, now: () => clock });
    const first = shared();
    await Promise.resolve();
    pending[0]!.reject(new Error('database unavailable'));
    await expect(first).rejects.toThrow('database unavailable');
    clock = 999;
    await expect(shared()).rejects.toThrow('database unavailable');
    expect(pending).toHaveLength(1);
    clock = 1_000;
    const fresh = shared();
    await Promise.resolve();
    expect(pending).toHaveLength(2);
    pending[1]!.resolve(1);
    expect(await fresh).toBe(1);
  });

  it('turns a read that throws at once into a rejected answer', async () => {
    const shared = sharedRead<number>(
      () => {
        throw new Error('no pool');
      },
      { maxAgeMs: 0 },
    );
    await expect(shared()).rejects.toThrow('no pool');
  });
});
