import { parseArgs } from 'node:util';
import { report } from '../lib/report';

/** Flags shared by the fault scripts: `--large` runs the long configuration, `--seed` fixes the randomness. */
export function faultArgs(extra: NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']> = {}) {
  return parseArgs({
    options: { large: { type: 'boolean', default: false }, seed: { type: 'string', default: '7' }, ...extra },
  }).values as Record<string, string | boolean | undefined>;
}

/** A small seeded PRNG (mulberry32), so a failing run can be repeated. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reports and exits non-zero when the invariant broke, so CI fails. */
export function verdict(
  name: string,
  rows: [string, string | number, string?][],
  data: Record<string, unknown>,
  ok: boolean,
): never {
  report(name, [...rows, ['verdict', ok ? 'PASS' : 'FAIL']], { ...data, ok });
  process.exit(ok ? 0 : 1);
}
