import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import type autocannon from 'autocannon';
import { queryRows } from '../src/db/client';
import { freePort } from '../src/temporal/dev-server';
import { startStack } from '../testkit/stack';
import { runLoadProcess } from './lib/run-load';
import { runPacedLoadProcess, type PacedResult } from './lib/paced-load';
import { report, round } from './lib/report';
import { cpuByRole, cpuSnapshot } from './lib/cpu';
import { BareServerProcess, type BareKind } from './lib/bare-server';
import { ForeignWatch } from './lib/foreign';
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
 * Every 2xx of ours is checked against the rows that landed in source_inbox.
 */
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '64' },
    /** Also measure a bare node:http endpoint (our webhook receiver runs before Express, on node:http). */
    http: { type: 'boolean', default: true },
    /** Also measure latency at half rate with the evenly paced generator. */
    paced: { type: 'boolean', default: true },
  },
  allowNegative: true,
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);

type Target = 'ours' | BareKind;
const LABEL: Record<Target, string> = { ours: 'ours', express: 'bare express', http: 'bare node:http' };

async function main() {
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
    const ratio = oursMax / acksPerSecond(max.express!);
    const ms = (r: { latency: { p50: number; p99: number } }) => `${r.latency.p50} / ${r.latency.p99}`;
    const rows: [string, string | number, string?][] = [];
    for (const target of targets) {
      const r = max[target]!;
      rows.push([`${LABEL[target]}: ${target === 'ours' ? 'acks' : 'answers'}/s at max load`, round(acksPerSecond(r))]);
      rows.push([`${LABEL[target]}: p50 / p99 at max load (ms)`, ms(r)]);
    }
    rows.push(['ours / bare express (max load)', `${round(ratio * 100)}%`, 'target ≥ 60%']);
    if (max.http)
      rows.push(['ours / bare node:http (max load)', `${round((oursMax / acksPerSecond(max.http)) * 100)}%`]);
    for (const target of targets) {
      rows.push([
        `${LABEL[target]}: p50 / p99 at ${rate}/s, autocannon rate (ms)`,
        ms(half[target]!),
        target === 'ours' ? 'target p99 ≤ 25' : undefined,
      ]);
    }
    for (const target of targets) {
      if (paced[target]) rows.push([`${LABEL[target]}: p50 / p99 at ${rate}/s, evenly paced (ms)`, ms(paced[target]!)]);
    }
    rows.push(
      ...Object.entries(cpuShare).map(
        ([role, pct]) => [`CPU during our max load: ${role} (% of one core)`, pct] as [string, number],
      ),
    );
    // Every ack must have its row; rows past the acks are requests still in flight when the run stopped.
    const durable = stored >= max.ours['2xx'] && stored - max.ours['2xx'] <= connections;
    rows.push(
      ['ours: rows stored / 2xx acks (max load)', `${stored} / ${max.ours['2xx']}`, `≥, by ≤ ${connections} in flight`],
      [
        'ours: non-2xx answers + errors (all phases)',
        nonOk(max.ours) + nonOk(half.ours!) + (paced.ours ? paced.ours.non2xx + paced.ours.errors : 0),
      ],
    );

    report('ingest', rows, {
      runs: 1,
      seconds,
      connections,
      max: summarize(max),
      halfRate: rate,
      half: summarize(half),
      halfPaced: paced,
      oursOverBareExpress: ratio,
      oursOverBareHttp: max.http ? oursMax / acksPerSecond(max.http) : undefined,
      cpuPercentOfOneCoreDuringOurMaxLoad: cpuShare,
      storedRows: stored,
      durable,
      foreignProcesses: foreign.list,
      targets: { ratio: 0.6, halfRateP99Ms: 25 },
    });
    if (foreign.list.length > 0) {
      process.stdout.write(`\nWARNING: other benchmarks/tests ran on this machine meanwhile; numbers are skewed:\n`);
      for (const p of foreign.list) process.stdout.write(`  ${p}\n`);
    }
    if (!durable) process.exitCode = 1;
  } finally {
    await Promise.all(Object.values(bare).map((b) => b.stop()));
    await stack.stop();
  }
}

function acksPerSecond(result: autocannon.Result): number {
  return result['2xx'] / result.duration;
}

function nonOk(result: autocannon.Result): number {
  return result.non2xx + result.errors;
}

function summarize(results: Partial<Record<Target, autocannon.Result>>) {
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
