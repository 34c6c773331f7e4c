import { parseArgs } from 'node:util';
import { startStack } from '../testkit/stack';
import { runLoadProcess, runPacedLoadProcess } from './lib/run-load';
import { percentile, report, round } from './lib/report';
import { fmt, repeat, RUNS_OPTION, runCount, summarise } from './lib/runs';
import { onboardSource, waitForSource } from '../testkit/source-flow';
import { historyEventsSince, naiveHistoryEventsPerEvent } from './lib/temporal-cost';
import { cpuByRole, cpuSnapshot } from './lib/cpu';

/**
 * End to end: signed Intercom webhooks → api → Postgres → workflow → Amplitude (simulator).
 * 1. as fast as the load generator can send, for --seconds: sustained delivered events/s;
 * 2. at a fixed --rate (1,000/s): end-to-end latency (webhook sent → Amplitude received), twice: evenly paced
 *    (request i due at start + i/rate, latency from when it was due: the headline figure), and as autocannon
 *    sends a rate (each second's requests in one burst at its top: the figure earlier READMEs quoted);
 * plus Temporal history events per delivered event, against a naive one-signal-one-activity
 * workflow measured in the same run, and the peak RSS of the api and worker processes.
 * Runs --runs times (default 3), each from a fresh stack; figures are medians with min and max.
 */
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    rate: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '64' },
    ...RUNS_OPTION,
  },
});
const seconds = Number(values.seconds);
const runs = runCount(values.runs);

/** One run from scratch (its own stack): flat figures for the summary, and the run's own detail. */
async function measureOnce(): Promise<{ metrics: Record<string, number>; detail: Record<string, unknown> }> {
  const stack = await startStack();
  try {
    const { appId } = stack.intercom.addWorkspace({ name: 'Bench' });
    const { connectionId } = await onboardSource(stack, {
      projectId: 'bench',
      appId,
      identityMapping: 'user_id',
      amplitudeApiKey: 'amp-bench-key',
    });
    if (!connectionId) throw new Error('onboarding failed');
    const load = (runId: string, rate?: number, precomputed?: number) =>
      runLoadProcess({
        precomputed,
        url: `${stack.apiUrl}/intercom/webhooks`,
        secret: stack.intercom.clientSecret,
        appId,
        durationSeconds: seconds,
        connections: Number(values.connections),
        rate,
        runId,
      });
    const memory = setInterval(() => {
      stack.api.sampleRss();
      stack.worker.sampleRss();
    }, 500);
    const delivered = () => stack.amplitude.events.length;
    const drain = async (target: number, timeoutMs = 120_000) => {
      const deadline = Date.now() + timeoutMs;
      while (delivered() < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      return Date.now();
    };

    // Warm up (JIT, connection pools, the workflow's sticky cache).
    await runLoadProcess({
      url: `${stack.apiUrl}/intercom/webhooks`,
      secret: stack.intercom.clientSecret,
      appId,
      durationSeconds: 3,
      connections: 8,
      rate: 300,
      runId: 'warm',
    });
    await drain(1);
    await waitForSource(stack, connectionId, (s) => s.pending === 0);
    const baseDelivered = delivered();
    const measuredFrom = Date.now();

    // 1. Throughput, with where the machine's CPU goes in the middle of it.
    const t0 = Date.now();
    let cpuStart: ReturnType<typeof cpuSnapshot> | undefined;
    let cpu: Record<string, number> = {};
    const windowMs = (seconds - 3) * 1000;
    setTimeout(() => (cpuStart = cpuSnapshot()), 2_000);
    setTimeout(() => (cpu = cpuByRole(cpuStart!, cpuSnapshot())), 2_000 + windowMs);
    const max = await load('max', undefined, 120_000);
    const accepted = max['2xx'];
    const tDone = await drain(baseDelivered + accepted);
    const throughputDelivered = delivered() - baseDelivered;
    const sustained = throughputDelivered / ((tDone - t0) / 1000);

    // 2. Latency at a fixed rate: in top-of-second bursts (autocannon), then evenly paced.
    const latenciesSince = (from: number) =>
      stack.amplitude.events
        .slice(from)
        .map(
          (e) =>
            e.serverUploadTime -
            Number(String((e.event.user_properties as Record<string, unknown>)?.name ?? '').slice(2)),
        )
        .filter((n) => Number.isFinite(n));
    const before = delivered();
    const fixed = await load('fixed', Number(values.rate));
    await drain(before + fixed['2xx']);
    const burstLatencies = latenciesSince(before);
    const beforePaced = delivered();
    const paced = await runPacedLoadProcess({
      url: `${stack.apiUrl}/intercom/webhooks`,
      secret: stack.intercom.clientSecret,
      appId,
      durationSeconds: seconds,
      connections: Number(values.connections),
      rate: Number(values.rate),
      runId: 'paced',
      stampScheduledTime: true,
    });
    await drain(beforePaced + paced.ok);
    const latencies = latenciesSince(beforePaced);
    clearInterval(memory);

    // 3. Temporal cost.
    // Every workflow's history counts (the connection's and the delivery shards'), for what was delivered since.
    const ours =
      (await historyEventsSince(stack.client, stack.env.TEMPORAL_TASK_QUEUE!, measuredFrom)) /
      (delivered() - baseDelivered);
    const naive = await naiveHistoryEventsPerEvent(stack.client, 500);
    const rss = { apiMb: round(stack.api.sampleRss() / 1024), workerMb: round(stack.worker.sampleRss() / 1024) };
    const duplicates = stack.amplitude.duplicateCount;

    const cpuShare = Object.fromEntries(
      Object.entries(cpu)
        .filter(([, ms]) => ms > 0)
        .map(([role, ms]) => [role, round((ms / windowMs) * 100)]),
    );
    // Our service alone (the simulators and the load generator stand in for Intercom and Amplitude).
    const servicePercent = ['api', 'worker', 'postgres', 'temporal server'].reduce(
      (sum, role) => sum + (cpuShare[role] ?? 0),
      0,
    );
    const serviceMsPerEvent = ((servicePercent / 100) * 1000) / (accepted / seconds);
    const projectedOnTwoCores = 2000 / serviceMsPerEvent;
    const metrics: Record<string, number> = {
      acceptedPerSecond: accepted / seconds,
      deliveredPerSecondSustained: sustained,
      ackP50MsAtMaxLoad: max.latency.p50,
      ackP99MsAtMaxLoad: max.latency.p99,
      e2eP50Ms: percentile(latencies, 50),
      e2eP99Ms: percentile(latencies, 99),
      burstE2eP50Ms: percentile(burstLatencies, 50),
      burstE2eP99Ms: percentile(burstLatencies, 99),
      historyEventsPerDeliveredEvent: ours,
      naiveHistoryEventsPerEvent: naive,
      serviceCpuMsPerEvent: serviceMsPerEvent,
      projectedServiceEventsPerSecondOnTwoCores: projectedOnTwoCores,
      peakRssApiMb: rss.apiMb,
      peakRssWorkerMb: rss.workerMb,
      duplicatesDeduped: duplicates,
      non2xx: max.non2xx + fixed.non2xx + paced.non2xx + paced.errors,
      ...Object.fromEntries(Object.entries(cpuShare).map(([role, pct]) => [`cpuPercentAtMaxLoad:${role}`, pct])),
    };
    return {
      metrics,
      detail: {
        e2eSamples: latencies.length,
        burstE2eSamples: burstLatencies.length,
        cpuPercentOfOneCoreAtMaxLoad: cpuShare,
      },
    };
  } finally {
    await stack.stop();
  }
}

async function main() {
  const results = await repeat(runs, () => measureOnce());
  const summary = summarise(results.map((r) => r.metrics));
  const cpuRows = Object.entries(summary)
    .filter(([name]) => name.startsWith('cpuPercentAtMaxLoad:'))
    .map(([name, s]): [string, string] => [`CPU at max load: ${name.split(':')[1]} (% of one core)`, fmt(s)]);
  report(
    'e2e',
    [
      ['runs (median, min–max)', runs],
      ...cpuRows,
      ['service CPU per event: api+worker+postgres+temporal (ms)', fmt(summary.serviceCpuMsPerEvent, 3)],
      ['projected events/s on 2 cores for the service alone', fmt(summary.projectedServiceEventsPerSecondOnTwoCores)],
      ['webhooks accepted/s (max load)', fmt(summary.acceptedPerSecond)],
      ['events delivered/s sustained', fmt(summary.deliveredPerSecondSustained), 'target ≥ 5,000 on 2 cores'],
      ['ack p99 at max load (ms)', fmt(summary.ackP99MsAtMaxLoad)],
      [`e2e p50 at ${values.rate}/s evenly paced (ms)`, fmt(summary.e2eP50Ms)],
      [`e2e p99 at ${values.rate}/s evenly paced (ms)`, fmt(summary.e2eP99Ms), 'target ≤ 100'],
      [`e2e p50 at ${values.rate}/s in top-of-second bursts (ms)`, fmt(summary.burstE2eP50Ms)],
      [`e2e p99 at ${values.rate}/s in top-of-second bursts (ms)`, fmt(summary.burstE2eP99Ms)],
      ['history events per delivered event', fmt(summary.historyEventsPerDeliveredEvent, 5), 'target ≤ 0.01'],
      ['naive workflow, same measure', fmt(summary.naiveHistoryEventsPerEvent, 2)],
      ['peak RSS api (MB)', fmt(summary.peakRssApiMb)],
      ['peak RSS worker (MB)', fmt(summary.peakRssWorkerMb)],
      ['events delivered twice (deduped by Amplitude)', fmt(summary.duplicatesDeduped)],
      ['non-2xx webhook answers', fmt(summary.non2xx)],
    ],
    {
      runs,
      seconds,
      rate: Number(values.rate),
      connections: Number(values.connections),
      summary,
      perRun: results.map((r) => ({ metrics: r.metrics, ...r.detail })),
    },
  );
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
