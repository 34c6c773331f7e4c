import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import type autocannon from 'autocannon';
import { queryRows } from '../src/db/client';
import { freePort } from '../src/temporal/dev-server';
import { startStack } from '../testkit/stack';
import type { PacedResult } from './lib/paced-load';
import { runLoadProcess, runPacedLoadProcess } from './lib/run-load';
import { report, round } from './lib/report';
import { fmt, repeat, RUNS_OPTION, runCount, summarise, fmtPercent, type Spread } from './lib/runs';
import { cpuByRole, cpuSnapshot } from './lib/cpu';
import { BareServerProcess, type BareKind } from './lib/bare-server';
import { ForeignWatch, warnAboutForeign } from './lib/foreign';
import { onboardSource, waitForSource } from '../testkit/source-flow';

/**
 * Ingest only: verified, durable webhook acknowledgements of our api process (signature checked,
 * envelope validated, row stored in Postgres before the 200) against a bare endpoint that reads the
 * body and answers 200 (Express, and node:http), on the same machine, with the same load generator
 * and connections, in one run. The worker is stopped, so nothing drains the inbox meanwhile.
 *   1. max load (autocannon, precomputed signed bodies): acks/s, p50, p99, CPU by role during ours;
 *   2. each at half of our measured max rate with autocannon's `rate` option: p99;
 *   3. the same rate from an evenly paced open-loop generator (autocannon's `rate` sends each
 *      second's quota in a burst, see paced-load.ts): p99 of latency from the scheduled send time.
 *      This is the headline latency: autocannon's figure is printed beside it, never instead.
 * Every 2xx of ours is checked against the rows that landed in source_inbox. The whole thing runs
 * --runs times (default 3), each from a fresh stack; figures are medians with min and max, and the
 * ratios to the baselines are paired (ours and the baseline from the same run).
 */
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '64' },
    /** Also measure a bare node:http endpoint (our webhook receiver runs before Express, on node:http). */
    http: { type: 'boolean', default: true },
    /** Also measure latency at half rate with the evenly paced generator (the headline latency). */
    paced: { type: 'boolean', default: true },
    ...RUNS_OPTION,
  },
  allowNegative: true,
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const runs = runCount(values.runs);

type Target = 'ours' | BareKind;
const LABEL: Record<Target, string> = { ours: 'ours', express: 'bare express', http: 'bare node:http' };
/** Metric-name prefixes, so each figure of the summary names its target. */
const KEY: Record<Target, string> = { ours: 'ours', express: 'bareExpress', http: 'bareHttp' };

interface IngestRun {
  /** Flat figures of this run, summarised over the runs (median, min, max). */
  metrics: Record<string, number>;
  detail: Record<string, unknown>;
  durable: boolean;
  foreign: string[];
}

/** One run from scratch: a fresh stack, the bare servers, warm-up, then the three phases. */
async function measureOnce(): Promise<IngestRun> {
  const foreign = new ForeignWatch();
  foreign.sample();
  const stack = await startStack();
  const bare: Partial<Record<BareKind, BareServerProcess>> = {};
  try {
    const { appId } = stack.intercom.addWorkspace({ name: 'Ingest bench' });
    const { connectionId } = await onboardSource(stack, {
      projectId: 'ingest-bench',
      appId,
      identityMapping: 'user_id',
      amplitudeApiKey: 'amp-ingest-bench-key',
    });
    await waitForSource(stack, connectionId, (s) => s.phase === 'listening');
    // Only ingest is measured: nothing drains the inbox from here on.
    await stack.worker.stop();

    const kinds: BareKind[] = values.http ? ['express', 'http'] : ['express'];
    const targets: Target[] = ['ours', ...kinds];
    for (const kind of kinds) {
      bare[kind] = new BareServerProcess(kind, await freePort());
      await bare[kind]!.start();
    }
    const loadOptions = (target: Target, runId: string, durationSeconds = seconds) => {
      foreign.sample(); // at the start of every phase
      return {
        url: target === 'ours' ? `${stack.apiUrl}/intercom/webhooks` : bare[target]!.url,
        secret: stack.intercom.clientSecret,
        appId,
        durationSeconds,
        connections,
        runId,
      };
    };
    const inboxRows = async () => {
      const [row] = await queryRows<{ n: number }>(
        stack.database.db,
        sql`SELECT count(*)::int AS n FROM source_inbox WHERE connection_id = ${connectionId}`,
      );
      return row!.n;
    };

    // Warm up every endpoint (JIT, connection pools).
    for (const target of targets) await runLoadProcess({ ...loadOptions(target, `warm-${target}`, 3), rate: 1_000 });

    // 1. Max load, ours first with CPU by role over the middle of the run.
    const max: Partial<Record<Target, autocannon.Result>> = {};
    const rowsBefore = await inboxRows();
    let cpuStart: ReturnType<typeof cpuSnapshot> | undefined;
    let cpu: Record<string, number> = {};
    const cpuWindowMs = Math.max(1, seconds - 3) * 1000;
    const startCpu = setTimeout(() => (cpuStart = cpuSnapshot()), 2_000);
    const endCpu = setTimeout(() => (cpu = cpuByRole(cpuStart!, cpuSnapshot())), 2_000 + cpuWindowMs);
    // Signing up front keeps the generator's CPU for sending.
    const precomputed = Math.max(50_000, seconds * 20_000);
    max.ours = await runLoadProcess({ ...loadOptions('ours', 'max-ours'), precomputed });
    clearTimeout(startCpu);
    clearTimeout(endCpu);
    const stored = (await inboxRows()) - rowsBefore;
    for (const kind of kinds) max[kind] = await runLoadProcess({ ...loadOptions(kind, `max-${kind}`), precomputed });

    // 2. Half of our max rate on each, with autocannon's rate option, then evenly paced.
    const oursMax = acksPerSecond(max.ours);
    const rate = Math.max(1, Math.round(oursMax / 2));
    const half: Partial<Record<Target, autocannon.Result>> = {};
    for (const target of targets)
      half[target] = await runLoadProcess({ ...loadOptions(target, `half-${target}`), rate });
    const paced: Partial<Record<Target, PacedResult>> = {};
    if (values.paced) {
      for (const target of targets)
        paced[target] = await runPacedLoadProcess({ ...loadOptions(target, `paced-${target}`), rate });
    }

    const cpuShare = Object.fromEntries(
      Object.entries(cpu)
        .filter(([, ms]) => ms >= 10)
        .sort(([, a], [, b]) => b - a)
        .map(([role, ms]) => [role, round((ms / cpuWindowMs) * 100)]),
    );
    const metrics: Record<string, number> = { halfRate: rate };
    for (const target of targets) {
      const k = KEY[target];
      metrics[`${k}PerSecondAtMaxLoad`] = acksPerSecond(max[target]!);
      metrics[`${k}P50MsAtMaxLoad`] = max[target]!.latency.p50;
      metrics[`${k}P99MsAtMaxLoad`] = max[target]!.latency.p99;
      metrics[`${k}P99MsAtHalfRateAutocannon`] = half[target]!.latency.p99;
      if (paced[target]) {
        metrics[`${k}P50MsAtHalfRatePaced`] = paced[target]!.latency.p50;
        metrics[`${k}P99MsAtHalfRatePaced`] = paced[target]!.latency.p99;
      }
    }
    // Paired: ours and each baseline measured in the same run, on the same machine state.
    metrics.oursOverBareExpress = oursMax / acksPerSecond(max.express!);
    if (max.http) metrics.oursOverBareHttp = oursMax / acksPerSecond(max.http);
    metrics.oursNonOkAnswers =
      nonOk(max.ours) + nonOk(half.ours!) + (paced.ours ? paced.ours.non2xx + paced.ours.errors : 0);
    for (const [role, pct] of Object.entries(cpuShare)) metrics[`cpuPercentDuringOurMaxLoad:${role}`] = pct;
    // Every ack must have its row; rows past the acks are requests still in flight when the run stopped.
    const durable = stored >= max.ours['2xx'] && stored - max.ours['2xx'] <= connections;
    return {
      metrics,
      detail: { max: describeResults(max), half: describeResults(half), halfPaced: paced, storedRows: stored, durable },
      durable,
      foreign: foreign.list,
    };
  } finally {
    await Promise.all(Object.values(bare).map((b) => b.stop()));
    await stack.stop();
  }
}

async function main() {
  const results = await repeat(runs, () => measureOnce());
  const summary = summarise(results.map((r) => r.metrics));
  const targets: Target[] = values.http ? ['ours', 'express', 'http'] : ['ours', 'express'];
  const pct = (s: Spread | undefined) => fmtPercent(s, 0);
  const rows: [string, string | number, string?][] = [['runs (median, min–max)', runs]];
  for (const target of targets) {
    const k = KEY[target];
    rows.push([
      `${LABEL[target]}: ${target === 'ours' ? 'acks' : 'answers'}/s at max load`,
      fmt(summary[`${k}PerSecondAtMaxLoad`]),
    ]);
  }
  rows.push([
    'ours / bare express (max load, paired per run)',
    pct(summary.oursOverBareExpress) ?? 'n/a',
    'target ≥ 60%',
  ]);
  if (summary.oursOverBareHttp)
    rows.push(['ours / bare node:http (max load, paired per run)', pct(summary.oursOverBareHttp)!]);
  rows.push([`half of our max rate (/s)`, fmt(summary.halfRate)]);
  for (const target of targets) {
    const k = KEY[target];
    if (summary[`${k}P99MsAtHalfRatePaced`])
      rows.push([
        `${LABEL[target]}: p99 at half rate, evenly paced (ms)`,
        fmt(summary[`${k}P99MsAtHalfRatePaced`], 1),
        target === 'ours' ? 'headline; target ≤ 25' : undefined,
      ]);
  }
  for (const target of targets) {
    rows.push([
      `${LABEL[target]}: p99 at half rate, autocannon's bursts (ms)`,
      fmt(summary[`${KEY[target]}P99MsAtHalfRateAutocannon`]),
    ]);
  }
  for (const [name, s] of Object.entries(summary)) {
    if (name.startsWith('cpuPercentDuringOurMaxLoad:'))
      rows.push([`CPU during our max load: ${name.split(':')[1]} (% of one core)`, fmt(s)]);
  }
  const durable = results.every((r) => r.durable);
  rows.push(['every ack had its stored row (all runs)', durable ? 'yes' : 'NO']);
  rows.push(['ours: non-2xx answers + errors (all phases)', fmt(summary.oursNonOkAnswers)]);
  const foreign = [...new Set(results.flatMap((r) => r.foreign))];
  report('ingest', rows, {
    runs,
    seconds,
    connections,
    summary,
    perRun: results.map((r) => ({ metrics: r.metrics, ...r.detail })),
    durable,
    foreignProcesses: foreign,
    targets: { ratio: 0.6, halfRatePacedP99Ms: 25 },
  });
  warnAboutForeign(foreign);
  if (!durable) process.exitCode = 1;
}

function acksPerSecond(result: autocannon.Result): number {
  return result['2xx'] / result.duration;
}

function nonOk(result: autocannon.Result): number {
  return result.non2xx + result.errors;
}

function describeResults(results: Partial<Record<Target, autocannon.Result>>) {
  return Object.fromEntries(
    Object.entries(results).map(([target, r]) => [
      target,
      {
        okPerSecond: acksPerSecond(r),
        ok: r['2xx'],
        non2xx: r.non2xx,
        errors: r.errors,
        latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
        durationSeconds: r.duration,
      },
    ]),
  );
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
