import { parseArgs } from 'node:util';
import { startStack } from '../testkit/stack';
import { report, round } from './lib/report';
import { fmt, repeat, RUNS_OPTION, runCount, summarise, type Spread, fmtPercent } from './lib/runs';
import { ForeignWatch, warnAboutForeign } from './lib/foreign';
import { rateWindows } from './lib/rate-windows';
import { cohortBatch, createCohortSync, postCohort, waitForCohortSync } from '../testkit/cohort-flow';

/**
 * Amplitude cohorts → Intercom tags against the Intercom simulator with a known REST limit (per minute, spent in
 * 10-second windows of limit/6, per workspace). Amplitude's Cohort Webhooks destination is played as it behaves:
 * batches of --batch users (its default 1,000), --threads requests at once (its default 4).
 *   A. first full sync of --members members (a cold identity cache: contacts looked up in bulk, then a tag call each), and the
 *      --churn share's worth of extra users who then leave again (setup for B): calls per member, the share of the
 *      rate limit used in the windows wholly inside A, 429s, time to converge;
 *   B. churn, measured: --churn × members changes, half removals of members, half users coming back (their
 *      contacts in the identity cache, as a running service has them): Intercom calls per membership change,
 *      429s, time to converge.
 * Runs --runs times (default 3), each from a fresh stack; figures are medians with min and max.
 */
const { values } = parseArgs({
  options: {
    'rate-limit': { type: 'string', default: '10000' },
    members: { type: 'string', default: '100000' },
    churn: { type: 'string', default: '0.01' },
    batch: { type: 'string', default: '1000' },
    threads: { type: 'string', default: '4' },
    ...RUNS_OPTION,
  },
});
const runs = runCount(values.runs);
const limitPerMinute = Number(values['rate-limit']);
const members = Number(values.members);
const churnShare = Number(values.churn);
const batchSize = Number(values.batch);
const threads = Number(values.threads);
const windowBudget = Math.max(1, Math.floor(limitPerMinute / 6));
/** Each half of the churn: members leaving, and users coming back. */
const half = Math.max(1, Math.round((members * churnShare) / 2));

interface CohortRun {
  metrics: Record<string, number>;
  detail: Record<string, unknown>;
  foreign: string[];
}

const userId = (i: number) => `cohort-bench-${i}`;

async function measureOnce(): Promise<CohortRun> {
  const foreign = new ForeignWatch();
  foreign.sample();
  const stack = await startStack();
  try {
    stack.intercom.setRateLimit(limitPerMinute);
    const sync = await createCohortSync(stack, { name: 'Cohort bench', settings: { status: 'enabled' } });
    stack.intercom.seedContacts(
      sync.appId,
      Array.from({ length: members + half }, (_, i) => ({ role: 'user' as const, externalId: userId(i) })),
    );
    const range = (from: number, count: number) => Array.from({ length: count }, (_, k) => userId(from + k));
    /** Posts batches as Amplitude does: `threads` requests in flight. */
    const post = async (inCohort: boolean, users: string[]) => {
      const batches: string[][] = [];
      for (let at = 0; at < users.length; at += batchSize) batches.push(users.slice(at, at + batchSize));
      const worker = async () => {
        for (let next = batches.shift(); next; next = batches.shift()) {
          const answer = await postCohort(stack, sync.ingestKey, cohortBatch(inCohort, next, { cohortId: 'bench' }));
          if (answer.status !== 200)
            throw new Error(`the cohort webhook answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        }
      };
      await Promise.all(Array.from({ length: threads }, worker));
    };
    // Generous: every call at the full limit, twice over, plus a minute.
    const timeoutFor = (calls: number) => (calls / (limitPerMinute / 60)) * 2_000 + 60_000;
    const calls = () => stack.intercom.rateLimitStats(sync.appId);

    // A. First full sync (cold identity cache), members and the users who will come back in B.
    foreign.sample();
    const a0 = calls();
    const logFrom = stack.intercom.requests.length;
    const tA = Date.now();
    await post(true, range(0, members + half));
    const first = await waitForCohortSync(
      stack,
      sync.connectionId,
      (s) => s.added === members + half && s.pending === 0,
      timeoutFor(1.1 * (members + half)),
    );
    const tAEnd = Date.now();
    const a1 = calls();
    const ours = stack.intercom.requests
      .slice(logFrom)
      .filter((r) => r.headers.authorization === `Bearer ${sync.token}` && r.at >= tA && r.at <= tAEnd);
    const { windows, share: steadyShare } = rateWindows(ours, tA, tAEnd, windowBudget);
    // Setup for B: the returning users leave (not measured).
    await post(false, range(members, half));
    await waitForCohortSync(stack, sync.connectionId, (s) => s.removed === half && s.pending === 0, timeoutFor(half));

    // B. Churn, measured: members leaving and users coming back, at once.
    foreign.sample();
    const b0 = calls();
    const tB = Date.now();
    await Promise.all([post(false, range(0, half)), post(true, range(members, half))]);
    const churned = await waitForCohortSync(
      stack,
      sync.connectionId,
      (s) => s.removed === 2 * half && s.added === members + 2 * half && s.pending === 0,
      timeoutFor(4 * half),
    );
    const tBEnd = Date.now();
    const b1 = calls();
    foreign.sample();

    const tagged = stack.intercom.tagMembers(sync.appId, { name: 'Amplitude: Power users' }).length;
    if (tagged !== members || churned.tagSize !== members)
      throw new Error(`the tag holds ${tagged} contacts (our record: ${churned.tagSize}); expected ${members}`);
    return {
      metrics: {
        firstSyncCallsPerMember: (a1.calls - a0.calls) / (members + half),
        firstSyncSeconds: (tAEnd - tA) / 1000,
        firstSyncMembersPerSecond: (members + half) / ((tAEnd - tA) / 1000),
        steadyShare,
        firstSyncLimited: a1.limited - a0.limited,
        churnCallsPerChange: (b1.calls - b0.calls) / (2 * half),
        churnSeconds: (tBEnd - tB) / 1000,
        churnLimited: b1.limited - b0.limited,
      },
      detail: { windows, counters: churned.counters, tagSize: churned.tagSize, firstSync: first.counters },
      foreign: foreign.list,
    };
  } finally {
    await stack.stop();
  }
}

async function main() {
  const results = await repeat(runs, () => measureOnce());
  const summary = summarise(results.map((r) => r.metrics));
  const pct = (s: Spread | undefined) => fmtPercent(s, 1);
  const rows: [string, string | number, string?][] = [
    ['runs (median, min–max)', runs],
    ['rate limit (calls/min; per 10 s window)', `${limitPerMinute}; ${windowBudget}`],
    ['members / churn changes (each half in, half out)', `${members} / ${2 * half}`],
    ['Intercom calls per membership change, churn (warm cache)', fmt(summary.churnCallsPerChange, 4), 'target ≤ 1.05'],
    ['time to converge after the churn (s)', fmt(summary.churnSeconds, 1)],
    ['429s during the churn', fmt(summary.churnLimited), 'target 0'],
    ['first sync: Intercom calls per member (cold cache)', fmt(summary.firstSyncCallsPerMember, 4)],
    ['first sync: share of the limit used, whole windows', pct(summary.steadyShare) ?? 'n/a', 'target ≥ 90%'],
    ['first sync: 429s', fmt(summary.firstSyncLimited), 'target 0'],
    ['first sync: time to converge (s)', fmt(summary.firstSyncSeconds, 1)],
    ['first sync: members tagged/s', fmt(summary.firstSyncMembersPerSecond, 1)],
    ['limit allows (members/s at 1 call per member)', round(limitPerMinute / 60, 1)],
  ];
  const foreign = [...new Set(results.flatMap((r) => r.foreign))];
  report('cohorts', rows, {
    runs,
    limitPerMinute,
    windowBudget,
    members,
    churn: churnShare,
    batch: batchSize,
    threads,
    summary,
    perRun: results.map((r) => ({ metrics: r.metrics, ...r.detail })),
    foreignProcesses: foreign,
    targets: { churnCallsPerChange: 1.05, steadyShare: 0.9, churnLimited: 0, firstSyncLimited: 0 },
  });
  warnAboutForeign(foreign);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
