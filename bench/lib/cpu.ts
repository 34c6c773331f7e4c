import { readFileSync, readdirSync } from 'node:fs';

/**
 * CPU time by role over a window, read from /proc (all processes on the machine): where the
 * machine's cores go during a benchmark — our api and worker, Postgres, the Temporal server, the
 * simulators (this process) and the load generator.
 */
const TICK_MS = 10; // USER_HZ is 100 on Linux

function role(pid: number, self: number): string {
  if (pid === self) return 'bench process (simulators)';
  let cmd = '';
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return 'other';
  }
  if (cmd.includes('entrypoints/api')) return 'api';
  if (cmd.includes('entrypoints/worker')) return 'worker';
  if (cmd.includes('webhook-load') || cmd.includes('paced-load')) return 'load generator';
  if (cmd.includes('bare-server')) return 'bare server';
  if (cmd.includes('postgres')) return 'postgres';
  if (cmd.includes('temporal')) return 'temporal server';
  return 'other';
}

export function cpuSnapshot(): Map<number, { role: string; ms: number }> {
  const snapshot = new Map<number, { role: string; ms: number }>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
      snapshot.set(pid, { role: role(pid, process.pid), ms: ticks * TICK_MS });
    } catch {
      // the process ended while we looked
    }
  }
  return snapshot;
}

/** CPU milliseconds per role between two snapshots (processes that ended in between count up to the first). */
export function cpuByRole(
  before: ReturnType<typeof cpuSnapshot>,
  after: ReturnType<typeof cpuSnapshot>,
): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const [pid, now] of after) {
    const start = before.get(pid)?.ms ?? 0;
    totals[now.role] = (totals[now.role] ?? 0) + Math.max(0, now.ms - start);
  }
  return totals;
}

/** CPU milliseconds per item by role since `before`, for `count` items done in between (e.g. per connection). */
export function cpuMsPerItem(before: ReturnType<typeof cpuSnapshot>, count: number): (role: string) => number {
  const cpu = cpuByRole(before, cpuSnapshot());
  return (role) => (cpu[role] ?? 0) / count;
}
