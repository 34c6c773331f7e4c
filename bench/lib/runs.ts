/**
 * Benchmarks repeat their measurement: one run's figure swings by as much as the gains it might be quoted
 * for. Each run starts from scratch (its own stack); the report gives every figure as the median of the
 * runs with their min and max, and keeps every run's own numbers.
 */
export const RUNS_OPTION = { runs: { type: 'string', default: '3' } } as const;

export function runCount(value: string | boolean | undefined): number {
  const runs = Number(value ?? 3);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not ${String(value)}`);
  return runs;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Each run's value, in run order. */
  values: number[];
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, values: [...values] };
}

/** Every metric measured in all runs, as its spread over the runs. */
export function summarise(runs: readonly Record<string, number>[]): Record<string, Spread> {
  const names = Object.keys(runs[0] ?? {}).filter((name) => runs.every((run) => Number.isFinite(run[name])));
  return Object.fromEntries(names.map((name) => [name, spread(runs.map((run) => run[name]!))]));
}

/** `median (min–max)`, rounded to `digits`, for the printed table. */
export function fmt(s: Spread | undefined, digits = 0, unit = ''): string {
  if (!s) return 'n/a';
  const n = (x: number) => x.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return s.min === s.max ? `${n(s.median)}${unit}` : `${n(s.median)}${unit} (${n(s.min)}–${n(s.max)}${unit})`;
}

/** A share (0–1) as a percentage, `median (min–max)%`, or undefined when the runs lack it. */
export function fmtPercent(s: Spread | undefined, digits: number): string | undefined {
  return s && fmt({ ...s, median: s.median * 100, min: s.min * 100, max: s.max * 100 }, digits, '%');
}

/** Runs `once` `runs` times in a row, printing progress, and returns every run's result. */
export async function repeat<T>(runs: number, once: (run: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let run = 1; run <= runs; run += 1) {
    process.stdout.write(`run ${run} of ${runs}\n`);
    results.push(await once(run));
  }
  return results;
}
