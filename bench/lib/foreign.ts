import { readFileSync, readdirSync } from 'node:fs';

/**
 * Benchmarks on a shared machine: other benchmarks, test runs or service stacks running at the same
 * time skew every number. This lists such processes that are neither this process, its ancestors
 * (npm/npx/tsx wrappers) nor its descendants (our api, worker, Temporal, load generators), so a
 * report can say its numbers were taken on a busy machine.
 */
const SUSPECT = /vitest|bench\/|entrypoints\/(api|worker)|webhook-load|paced-load|temporal server start-dev|pgbench/;

export function foreignProcesses(): string[] {
  const processes = new Map<number, { ppid: number; cmd: string }>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      processes.set(pid, { ppid, cmd });
    } catch {
      // ended while we looked
    }
  }
  const ours = new Set<number>([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, { ppid }] of processes) {
      if (!ours.has(pid) && ours.has(ppid)) {
        ours.add(pid);
        grew = true;
      }
    }
  }
  for (let pid = process.ppid; pid > 1 && !ours.has(pid); pid = processes.get(pid)?.ppid ?? 0) ours.add(pid);
  return [...processes]
    .filter(([pid, { cmd }]) => !ours.has(pid) && SUSPECT.test(cmd))
    .map(([pid, { cmd }]) => `${pid} ${cmd.slice(0, 120)}`);
}

/** Collects foreign processes seen at any of several moments of a run. */
export class ForeignWatch {
  private readonly seen = new Set<string>();

  sample(): void {
    for (const p of foreignProcesses()) this.seen.add(p);
  }

  get list(): string[] {
    return [...this.seen];
  }
}

/** Says which other benchmarks or tests ran during the measurement (their load skews the figures). */
export function warnAboutForeign(processes: readonly string[]): void {
  if (processes.length === 0) return;
  process.stdout.write(`\nWARNING: other benchmarks/tests ran on this machine meanwhile; numbers are skewed:\n`);
  for (const p of processes) process.stdout.write(`  ${p}\n`);
}
