import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Prints a small table and writes the JSON result under bench/results/. */
export function report(name: string, rows: [string, string | number, string?][], data: Record<string, unknown>): void {
  const width = Math.max(...rows.map(([label]) => label.length));
  process.stdout.write(`\n${name}\n${'-'.repeat(name.length)}\n`);
  for (const [label, value, target] of rows) {
    process.stdout.write(`${label.padEnd(width)}  ${String(value).padStart(12)}${target ? `   (${target})` : ''}\n`);
  }
  const dir = path.join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const result = { bench: name, date: new Date().toISOString(), machine: machine(), ...data };
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\nwritten to bench/results/${name}.json\n`);
}

export function machine() {
  return {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const round = (n: number, digits = 0) => Number(n.toFixed(digits));
