import { parseArgs } from 'node:util';
import { report } from '../lib/report';
import type { ExactlyOnceCheck } from './stream';

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

/**
 * The invariant every fault script checks: each acknowledged webhook reached Amplitude, none twice.
 * Reports the rows and exits non-zero when it broke, so CI fails.
 */
export function verdict(
  name: string,
  rows: [string, string | number, string?][],
  data: Record<string, unknown>,
  check: ExactlyOnceCheck,
): never {
  const ok = check.missing.length === 0 && check.storedTwice === 0;
  report(
    name,
    [
      ...rows,
      ['acknowledged but not delivered', check.missing.length, 'must be 0'],
      ['stored twice at Amplitude', check.storedTwice, 'must be 0'],
      ['verdict', ok ? 'PASS' : 'FAIL'],
    ],
    { ...data, ...check, missing: check.missing.slice(0, 20), ok },
  );
  process.exit(ok ? 0 : 1);
}

/** Runs a script's main, printing a failure's stack and exiting 1. */
export function runScript(main: () => Promise<void>): void {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  });
}
