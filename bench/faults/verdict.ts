/**
 * The fault scripts' verdict as a pure function of what was observed, so a test can feed it a lost, a
 * doubled and a fault-free run and see it fail (test/unit/bench/faults/verdict.test.ts).
 *
 * What counts, all read at the far end (the Amplitude simulator), never from our own tables:
 * - lost: a webhook we acknowledged (200) whose event never reached Amplitude;
 * - stored twice: one webhook stored as two events at Amplitude (distinct insert_ids, or the same
 *   insert_id on another device): what Amplitude's dedupe cannot hide, so users would see it;
 * - resent: an event whose insert_id reached Amplitude's ingestion again. Amplitude drops the copy, so it
 *   costs nothing visible, but each one must be explained by a fault: the previous attempt got no 2xx
 *   (a "stored, then 500/502/504" answer, or a connection cut before the answer), or a crash happened
 *   between the previous attempt and this one. A resend with no fault before it means the sender resends
 *   what it already knew was delivered;
 * - the faults themselves: a run in which the kills, chaos or restarts did not happen tests nothing.
 */

/** One time an event reached ingestion at Amplitude; `status` is its request's answer (none: cut before it). */
export interface Attempt {
  at: number;
  status?: number;
}

/** A crash the script caused (process killed, server stopped without shutdown), by wall-clock time. */
export interface Crash {
  at: number;
  what: string;
}

/** A fault the script meant to cause, and how often it was seen to happen. */
export interface FaultSeen {
  name: string;
  observed: number;
  atLeast: number;
}

export interface FaultRun {
  /** Webhooks we answered 200 to (by webhook id). */
  acknowledged: readonly string[];
  /** Events stored at Amplitude for this run: the webhook id each came from and its insert_id. */
  stored: readonly { webhookId: string; insertId: string }[];
  /** Attempts by insert_id, for every insert_id in `stored`. */
  attempts: ReadonlyMap<string, readonly Attempt[]>;
  crashes: readonly Crash[];
  faults: readonly FaultSeen[];
}

export interface Verdict {
  ok: boolean;
  /** Why it failed, one line per broken rule. */
  failures: string[];
  acknowledged: number;
  delivered: number;
  lost: number;
  /** Up to 20 lost webhook ids, for a look at the logs. */
  lostIds: string[];
  storedTwice: number;
  resent: number;
  /** Resends explained by an ambiguous answer or a crash before them (the bound on `resent`). */
  resentExplained: number;
  unexplainedResends: number;
  /** Up to 20 insert_ids resent without a fault before them, with their attempts (ISO times), for diagnosis. */
  unexplained: { insertId: string; attempts: { at: string; status?: number }[] }[];
  /** Delivered though never acknowledged: the api stored it and died before answering (Intercom retries). */
  deliveredUnacknowledged: number;
  faults: FaultSeen[];
}

/** A crash this long before an attempt reached Amplitude may still have cut that attempt's bookkeeping short. */
export const CRASH_MARGIN_MS = 2_000;

export function judge(run: FaultRun): Verdict {
  const acknowledged = new Set(run.acknowledged);
  const copies = new Map<string, number>();
  for (const { webhookId } of run.stored) copies.set(webhookId, (copies.get(webhookId) ?? 0) + 1);
  const lostIds = [...acknowledged].filter((id) => !copies.has(id));
  const storedTwice = [...copies.values()].reduce((sum, n) => sum + n - 1, 0);

  let resent = 0;
  let resentExplained = 0;
  const unexplained: Verdict['unexplained'] = [];
  for (const insertId of new Set(run.stored.map((s) => s.insertId))) {
    const attempts = [...(run.attempts.get(insertId) ?? [])].sort((a, b) => a.at - b.at);
    for (let i = 1; i < attempts.length; i += 1) {
      resent += 1;
      if (explained(attempts[i - 1]!, attempts[i]!, run.crashes)) resentExplained += 1;
      else if (unexplained.length < 20 && unexplained.at(-1)?.insertId !== insertId) {
        unexplained.push({
          insertId,
          attempts: attempts.map((a) => ({ at: new Date(a.at).toISOString(), status: a.status })),
        });
      }
    }
  }
  const unexplainedResends = resent - resentExplained;

  const failures: string[] = [];
  if (acknowledged.size === 0) failures.push('nothing was acknowledged: the run tested nothing');
  if (lostIds.length > 0) failures.push(`${lostIds.length} acknowledged webhooks never reached Amplitude`);
  if (storedTwice > 0) failures.push(`${storedTwice} webhooks stored twice at Amplitude`);
  if (unexplainedResends > 0) failures.push(`${unexplainedResends} resends with no fault before them`);
  for (const fault of run.faults) {
    if (fault.observed < fault.atLeast) {
      failures.push(`fault did not happen: ${fault.name} (seen ${fault.observed}, need ≥ ${fault.atLeast})`);
    }
  }
  return {
    ok: failures.length === 0,
    failures,
    acknowledged: acknowledged.size,
    delivered: copies.size,
    lost: lostIds.length,
    lostIds: lostIds.slice(0, 20),
    storedTwice,
    resent,
    resentExplained,
    unexplainedResends,
    unexplained,
    deliveredUnacknowledged: [...copies.keys()].filter((id) => !acknowledged.has(id)).length,
    faults: [...run.faults],
  };
}

function explained(previous: Attempt, attempt: Attempt, crashes: readonly Crash[]): boolean {
  const answeredOk = previous.status !== undefined && previous.status >= 200 && previous.status < 300;
  if (!answeredOk) return true;
  return crashes.some((crash) => crash.at > previous.at - CRASH_MARGIN_MS && crash.at <= attempt.at);
}

/** The table rows every fault script prints under its own. */
export function verdictRows(verdict: Verdict): [string, string | number, string?][] {
  return [
    ['webhooks acknowledged (200)', verdict.acknowledged, 'must be > 0'],
    ['acknowledged but not delivered (lost)', verdict.lost, 'must be 0'],
    ['stored twice at Amplitude (one webhook, two events)', verdict.storedTwice, 'must be 0'],
    ['resent (an insert_id reached Amplitude again)', verdict.resent, `≤ ${verdict.resentExplained} explained`],
    ['resent with no fault before it', verdict.unexplainedResends, 'must be 0'],
    ['delivered though unacknowledged (api died first)', verdict.deliveredUnacknowledged],
    ...verdict.faults.map((f): [string, number, string] => [
      `fault seen: ${f.name}`,
      f.observed,
      `must be ≥ ${f.atLeast}`,
    ]),
    ['verdict', verdict.ok ? 'PASS' : 'FAIL'],
  ];
}
