import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** Outputs of the benchmarks themselves: changing them does not make the measured code dirty. */
export const OUTPUT_PATHS = ['bench/results/', 'docs/performance.svg'];

/**
 * Prints a small table and writes the JSON result under bench/results/, tied to the code and machine it
 * measured: commit id, whether the work tree had changes (outside the results themselves), the machine,
 * and how many runs the figures summarise (`npm run check:results` reads these).
 */
export function report(
  name: string,
  rows: [string, string | number, string?][],
  data: Record<string, unknown> & { runs: number },
): void {
  const width = Math.max(...rows.map(([label]) => label.length));
  process.stdout.write(`\n${name}\n${'-'.repeat(name.length)}\n`);
  for (const [label, value, target] of rows) {
    process.stdout.write(`${label.padEnd(width)}  ${String(value).padStart(12)}${target ? `   (${target})` : ''}\n`);
  }
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const code = codeVersion();
  const result = { bench: name, date: new Date().toISOString(), ...code, machine: machine(), ...data };
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\nwritten to bench/results/${name}.json (commit ${code.commit.slice(0, 12)}`);
  process.stdout.write(
    `${code.dirty ? `, DIRTY: ${code.changedFiles.length} changed files` : ''}, ${data.runs} run(s))\n`,
  );
}

export interface CodeVersion {
  commit: string;
  /** The work tree differed from the commit (outside OUTPUT_PATHS): the figures belong to no commit. */
  dirty: boolean;
  changedFiles: string[];
}

export function codeVersion(): CodeVersion {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  const commit = git('rev-parse', 'HEAD').trim();
  const changedFiles = git('status', '--porcelain', '--untracked-files=all')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(3))
    .filter((file) => !OUTPUT_PATHS.some((output) => file.startsWith(output)));
  return { commit, dirty: changedFiles.length > 0, changedFiles };
}

export function machine() {
  return {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const round = (n: number, digits = 0) => Number(n.toFixed(digits));
