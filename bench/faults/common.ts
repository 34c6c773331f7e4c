import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { report } from '../lib/report';
import { judge, verdictRows, type FaultRun } from './verdict';

type ExtraOptions = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;

export interface FaultArgs {
  large: boolean;
  /** Drives every random choice of the run (kill moments and targets, chaos, which tenant gets a webhook). */
  seed: number;
  /** Source connections the webhooks are spread over, each its own Intercom workspace and Amplitude project. */
  connections: number;
  values: Record<string, string | boolean | undefined>;
}

/**
 * Flags shared by the fault scripts: `--large` runs the long configuration, `--seed` replays a run (a
 * fresh seed is drawn otherwise, and printed), `--connections N` spreads the webhooks over N sources.
 */
export function faultArgs(extra: ExtraOptions = {}): FaultArgs {
  const { values } = parseArgs({
    options: {
      large: { type: 'boolean', default: false },
      seed: { type: 'string' },
      connections: { type: 'string' },
      ...extra,
    },
  });
  const large = values.large === true;
  const seed = values.seed !== undefined ? Number(values.seed) : randomInt(2 ** 31);
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, not ${String(values.seed)}`);
  const connections = Number(values.connections ?? (large ? 100 : 20));
  process.stdout.write(`seed ${seed} (replay with --seed ${seed}), ${connections} connections\n`);
  return { large, seed, connections, values: values as FaultArgs['values'] };
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
 * Judges the run (verdict.ts), prints the script's rows and the verdict's, writes the result with the
 * seed and the command that replays it, and exits non-zero on FAIL so CI fails.
 */
export function finish(
  name: string,
  args: FaultArgs,
  rows: [string, string | number, string?][],
  data: Record<string, unknown>,
  run: FaultRun,
): never {
  const verdict = judge(run);
  const replay = `npx tsx bench/faults/${name.replace(/^fault-/, '')}.ts${args.large ? ' --large' : ''} --seed ${args.seed} --connections ${args.connections}`;
  report(name, [['seed', args.seed], ['connections', args.connections], ...rows, ...verdictRows(verdict)], {
    runs: 1,
    seed: args.seed,
    replay,
    connections: args.connections,
    large: args.large,
    ...data,
    verdict,
  });
  for (const failure of verdict.failures) process.stdout.write(`FAIL: ${failure}\n`);
  if (!verdict.ok) process.stdout.write(`replay: ${replay}\n`);
  process.exit(verdict.ok ? 0 : 1);
}

const scriptStarted = Date.now();
let lastStep = 'starting';

/** Prints where the script stands (so a run that stops moving shows where), with seconds since its start. */
export function step(what: string): void {
  lastStep = what;
  process.stdout.write(`[${((Date.now() - scriptStarted) / 1000).toFixed(1)} s] ${what}\n`);
}

/**
 * Runs a script's main, printing a failure's stack and exiting 1. A run that has no verdict after
 * `FAULT_DEADLINE_MINUTES` (15 by default; a small run takes 1–2) fails with the step it was stuck in,
 * so CI reports a hang instead of waiting for it.
 */
export function runScript(main: () => Promise<void>): void {
  const deadlineMinutes = Number(process.env.FAULT_DEADLINE_MINUTES ?? 15);
  setTimeout(() => {
    process.stderr.write(`FAIL: no verdict after ${deadlineMinutes} min; stuck in: ${lastStep}\n`);
    process.exit(1);
  }, deadlineMinutes * 60_000).unref();
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack}\n(in: ${lastStep})\n`);
    process.exit(1);
  });
}
