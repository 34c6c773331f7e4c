import type { FaultRun, FaultSeen } from './verdict';

/**
 * What each fault script must have seen happen for its run to count (verdict.ts fails the run
 * otherwise), as pure functions of what it recorded, so a test can feed them a run without faults.
 */

// ----- kill9.ts ---------------------------------------------------------------------------------

export interface KillRecord {
  target: 'api' | 'worker';
  at: number;
  /** The process was running and died of the SIGKILL. */
  landed: boolean;
  /** Webhooks refused while it was down (the api only: the worker's absence is not visible to senders). */
  refusedWhileDown: number;
}

/** The faults this script must have caused: every kill landed, both kinds happened, senders saw the api go. */
export function kill9Faults(kills: readonly KillRecord[], planned: number): FaultSeen[] {
  const apiKills = kills.filter((k) => k.target === 'api');
  return [
    {
      name: 'kills that landed (SIGKILL of a running process)',
      observed: kills.filter((k) => k.landed).length,
      atLeast: planned,
    },
    { name: 'api kills', observed: apiKills.length, atLeast: 1 },
    { name: 'worker kills', observed: kills.filter((k) => k.target === 'worker').length, atLeast: 1 },
    {
      name: 'webhooks refused while the api was down',
      observed: apiKills.reduce((sum, k) => sum + k.refusedWhileDown, 0),
      atLeast: 1,
    },
  ];
}

/** Kill targets: the first two are one of each (in a seeded order), the rest drawn at random. */
export function killTargets(count: number, next: () => number): ('api' | 'worker')[] {
  const firstTwo: ('api' | 'worker')[] = next() < 0.5 ? ['api', 'worker'] : ['worker', 'api'];
  return Array.from({ length: count }, (_, i) => firstTwo[i] ?? (next() < 0.5 ? 'api' : 'worker'));
}

// ----- amplitude-chaos.ts -----------------------------------------------------------------------

export const REFUSED_STATUSES = [429, 500, 502, 503, 504];
export const STORED_THEN_FAILED_STATUSES = [500, 502, 504];

/**
 * The faults this script must have caused, from the simulator's count of injected answers (`FaultInjector`
 * keys) and the attempts seen: each status injected, the outage answered, and a stored-then-failed answer
 * followed by a resend (the case that makes duplicates, exercised end to end).
 */
export function chaosFaults(injected: Record<string, number>, observed: Pick<FaultRun, 'attempts'>): FaultSeen[] {
  let resentAfterStoredThenFailed = 0;
  for (const attempts of observed.attempts.values()) {
    for (let i = 1; i < attempts.length; i += 1) {
      if (STORED_THEN_FAILED_STATUSES.includes(attempts[i - 1]!.status ?? 0)) resentAfterStoredThenFailed += 1;
    }
  }
  return [
    ...REFUSED_STATUSES.map((status) => ({
      name: `${status} before storing`,
      observed: injected[String(status)] ?? 0,
      atLeast: 1,
    })),
    ...STORED_THEN_FAILED_STATUSES.map((status) => ({
      name: `${status} after storing`,
      observed: injected[`${status} after handling`] ?? 0,
      atLeast: 1,
    })),
    { name: 'requests refused during the outage', observed: injected['outage 503'] ?? 0, atLeast: 1 },
    { name: 'events resent after a stored-then-failed answer', observed: resentAfterStoredThenFailed, atLeast: 1 },
  ];
}

// ----- restarts.ts ------------------------------------------------------------------------------

export interface RestartRecord {
  temporalKilled: boolean;
  postgresDown: boolean;
  /** Webhooks refused while Postgres was down: the api must refuse what it cannot store. */
  refusedWhilePostgresDown: number;
}

export function restartFaults(record: RestartRecord): FaultSeen[] {
  return [
    { name: 'Temporal dev server killed (SIGKILL)', observed: record.temporalKilled ? 1 : 0, atLeast: 1 },
    { name: 'Postgres stopped -m immediate', observed: record.postgresDown ? 1 : 0, atLeast: 1 },
    { name: 'webhooks refused while Postgres was down', observed: record.refusedWhilePostgresDown, atLeast: 1 },
  ];
}
