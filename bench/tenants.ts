import { parseArgs } from 'node:util';
import { sql, type SQL } from 'drizzle-orm';
import { queryRows } from '../src/db/client';
import type { Stack } from '../testkit/stack';
import { waitForSource } from '../testkit/source-flow';
import { createSync } from '../testkit/destination-flow';
import { runIngestLoadProcess, runLoadProcess, runPacedLoadProcess } from './lib/run-load';
import { percentile, report } from './lib/report';
import { fmt, repeat, RUNS_OPTION, runCount, summarise } from './lib/runs';
import { actionsOf, historySince } from './lib/temporal-cost';
import { onboardingCpuRow, onboardMeasured, onboardSources, pool, startTenantStack } from './lib/onboarding';

/**
 * Many tenants on one stack: what delivery costs when connections, not events, multiply.
 *   1. onboarding: --sources source connections through the admin API and the simulated OAuth, in parallel;
 *   2. source load: --rate webhooks/s spread evenly over the sources' workspaces for --seconds: e2e latency
 *      (webhook sent → Amplitude received) and Temporal history events per delivered event (every workflow of
 *      the task queue: connections and delivery shards);
 *   3. noisy neighbour: the same rate, half of it to one workspace: the other tenants' latency;
 *   4. destinations: --destinations syncs to existing contacts, --dest-rate events/s over them: latency ingest →
 *      Intercom received, Intercom calls per event;
 *   5. idle: more sources up to --idle connections, then --idle-seconds of nothing: Temporal actions (history
 *      events that Temporal bills as actions: activities, timers, signals, child starts, …) per connection
 *      per hour, and Postgres transactions per second.
 * `--small` is the CI smoke configuration (a check that it runs, not a gate on times).
 * Runs --runs times (default 3), each from a fresh stack; figures are medians with min and max.
 * PROFILE_DIR=<dir> writes CPU profiles of the api and worker processes there (node --cpu-prof).
 */
const { values } = parseArgs({
  options: {
    sources: { type: 'string', default: '1000' },
    destinations: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '1000' },
    'dest-rate': { type: 'string', default: '200' },
    seconds: { type: 'string', default: '30' },
    idle: { type: 'string', default: '10000' },
    'idle-seconds': { type: 'string', default: '60' },
    shards: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '25' },
    small: { type: 'boolean', default: false },
    /** Instead of the full run: e2e latency at --rate for each of these source-connection counts. */
    sweep: { type: 'string' },
    ...RUNS_OPTION,
  },
});
const small = values.small;
const config = {
  sources: small ? 50 : Number(values.sources),
  destinations: small ? 20 : Number(values.destinations),
  rate: small ? 200 : Number(values.rate),
  destRate: small ? 50 : Number(values['dest-rate']),
  seconds: small ? 5 : Number(values.seconds),
  idle: small ? 100 : Number(values.idle),
  idleSeconds: small ? 10 : Number(values['idle-seconds']),
  shards: Number(values.shards),
  concurrency: Number(values.concurrency),
};
const runs = small ? 1 : runCount(values.runs);
const USERS_PER_SYNC = 5;

/** Latencies (ms) of the Amplitude events received from `since`, by Intercom workspace (`intercom_app_id`). */
function sourceLatencies(stack: Stack, since: number): { appId: string; ms: number }[] {
  return stack.amplitude.events
    .slice(since)
    .map((e) => ({
      appId: String(e.event.event_properties?.intercom_app_id ?? ''),
      ms: e.serverUploadTime - Number(String(e.event.user_properties?.name ?? '').slice(2)),
    }))
    .filter((l) => Number.isFinite(l.ms));
}

async function waitUntil(done: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for delivery');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until every given connection's workflow has made it deliverable (delivery state `active`). */
function waitForDeliverable(stack: Stack, connectionIds: string[]) {
  return waitForConnections(stack, connectionIds, sql`delivery_state = 'active'`, 'became deliverable');
}

/**
 * Waits until every given source's workflow has recorded its first delivery (status Connected), so what is
 * measured next is steady state, not the tail of onboarding (each first delivery is a status change in Temporal).
 */
function waitForConnected(stack: Stack, connectionIds: string[]) {
  return waitForConnections(stack, connectionIds, sql`status = 'Connected'`, 'went Connected');
}

async function waitForConnections(stack: Stack, connectionIds: string[], state: SQL, what: string) {
  const timeoutMs = 300_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await queryRows<{ n: number }>(
      stack.database.db,
      sql`SELECT count(*)::int AS n FROM connections
          WHERE id IN (${sql.join(
            connectionIds.map((id) => sql`${id}`),
            sql`, `,
          )}) AND ${state}`,
    );
    if ((row?.n ?? 0) >= connectionIds.length) return;
    if (Date.now() > deadline) throw new Error(`only ${row?.n ?? 0} of ${connectionIds.length} ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function postgresTransactions(stack: Stack): Promise<number> {
  const [row] = await queryRows<{ n: string }>(
    stack.database.db,
    sql`SELECT (xact_commit + xact_rollback)::text AS n FROM pg_stat_database WHERE datname = current_database()`,
  );
  return Number(row?.n ?? 0);
}

/**
 * How a rate is sent: `paced`, request i due at start + i/rate and its latency counted from then (the headline
 * figures); `bursts`, as autocannon sends a rate: each second's requests at once at its top (earlier figures).
 */
type Pacing = 'paced' | 'bursts';

/** Even (or noisy) webhook load over the given workspaces for --seconds at --rate, in its own process. */
async function webhookLoadOver(stack: Stack, appIds: string[], runId: string, pacing: Pacing, noisyShare?: number) {
  const options = {
    url: `${stack.apiUrl}/intercom/webhooks`,
    secret: stack.intercom.clientSecret,
    appId: appIds[0]!,
    appIds,
    noisyShare,
    durationSeconds: config.seconds,
    connections: 64,
    rate: config.rate,
    runId,
    users: 5_000,
  };
  if (pacing === 'paced') {
    const result = await runPacedLoadProcess({ ...options, stampScheduledTime: true });
    return { accepted: result.ok, non2xx: result.non2xx + result.errors };
  }
  const result = await runLoadProcess(options);
  return { accepted: result['2xx'], non2xx: result.non2xx };
}

/** Sends a load and waits until all of it reached Amplitude; returns where it starts in the simulator's list. */
async function sendAndDeliver(stack: Stack, appIds: string[], runId: string, pacing: Pacing, noisyShare?: number) {
  const from = stack.amplitude.events.length;
  const result = await webhookLoadOver(stack, appIds, runId, pacing, noisyShare);
  await waitUntil(() => stack.amplitude.events.length >= from + result.accepted, 180_000);
  return { from, result };
}

async function measureOnce(): Promise<{ metrics: Record<string, number>; detail: Record<string, unknown> }> {
  const stack = await startTenantStack(config.shards);
  try {
    const taskQueue = stack.env.TEMPORAL_TASK_QUEUE!;
    // 1. Onboarding.
    const onboarding = await onboardMeasured(stack, 0, config.sources, config.concurrency);
    const { sources } = onboarding;
    await Promise.all(
      sources.slice(0, 3).map((s) => waitForSource(stack, s.connectionId, (x) => x.status === 'Listening')),
    );
    const appIds = sources.map((s) => s.appId);

    // Warm-up: every tenant receives its first events and goes Connected before anything is measured.
    await sendAndDeliver(stack, appIds, 'warm', 'paced');
    await waitForConnected(
      stack,
      sources.map((s) => s.connectionId),
    );

    // 2. Even load over every tenant, evenly paced; then the same in top-of-second bursts.
    const historyFrom = Date.now();
    const { from: evenFrom, result: even } = await sendAndDeliver(stack, appIds, 'even', 'paced');
    const evenDelivered = stack.amplitude.events.length - evenFrom;
    const evenLatencies = sourceLatencies(stack, evenFrom).map((l) => l.ms);
    const history = await historySince(stack.client, taskQueue, historyFrom);
    const { from: burstFrom, result: bursts } = await sendAndDeliver(stack, appIds, 'bursts', 'bursts');
    const burstLatencies = sourceLatencies(stack, burstFrom).map((l) => l.ms);

    // 3. Noisy neighbour: half of the same rate to one tenant.
    const { from: noisyFrom, result: noisy } = await sendAndDeliver(stack, appIds, 'noisy', 'paced', 0.5);
    const noisyLatencies = sourceLatencies(stack, noisyFrom);
    const others = noisyLatencies.filter((l) => l.appId !== appIds[0]).map((l) => l.ms);
    const loud = noisyLatencies.filter((l) => l.appId === appIds[0]).map((l) => l.ms);

    // 4. Destinations to existing contacts.
    const syncs = await pool(
      Array.from({ length: config.destinations }, (_, i) => i),
      config.concurrency,
      async (i) => {
        const sync = await createSync(
          stack,
          {
            sendEvents: { enabled: true, eventFilter: { allEvents: true }, eventProperties: ['sent_at'] },
            status: 'enabled',
          },
          `Tenant sync ${i}`,
        );
        const users = Array.from({ length: USERS_PER_SYNC }, (_, u) => `sync${i}-user${u}`);
        stack.intercom.seedContacts(
          sync.appId,
          users.map((externalId) => ({ externalId })),
        );
        return { ...sync, users };
      },
    );
    const intercomEvents = () => syncs.reduce((sum, s) => sum + stack.intercom.events(s.appId).length, 0);
    const destinationLoad = (durationSeconds: number) =>
      runIngestLoadProcess({
        url: `${stack.apiUrl}/2/httpapi`,
        tenants: syncs.map((s) => ({ ingestKey: s.ingestKey, users: s.users })),
        durationSeconds,
        connections: 32,
        rate: config.destRate,
        eventType: 'Tenant Event',
      });
    // As for the sources: every sync is running (its workflow made it deliverable) and has delivered before
    // anything is measured, so the figures are steady-state delivery, not a thousand workflows starting.
    await waitForDeliverable(
      stack,
      syncs.map((s) => s.connectionId),
    );
    const warm = await destinationLoad(Math.min(config.seconds, 10));
    await waitUntil(() => intercomEvents() >= warm['2xx'], 180_000);
    const eventsBefore = intercomEvents();
    const callsBefore = syncs.reduce((sum, s) => sum + stack.intercom.rateLimitStats(s.appId).calls, 0);
    const destFrom = Date.now();
    const ingested = await destinationLoad(config.seconds);
    await waitUntil(() => intercomEvents() >= eventsBefore + ingested['2xx'], 180_000);
    const destLatencies = syncs.flatMap((s) =>
      stack.intercom
        .events(s.appId)
        .filter((e) => e.receivedAt >= destFrom)
        .map((e) => e.receivedAt - Number(e.metadata.sent_at)),
    );
    const calls = syncs.reduce((sum, s) => sum + stack.intercom.rateLimitStats(s.appId).calls, 0) - callsBefore;

    // 5. Idle: up to --idle connections, then nothing happens.
    const more = Math.max(0, config.idle - config.sources - config.destinations);
    const idleOnboardFrom = Date.now();
    await onboardSources(stack, config.sources, more, config.concurrency);
    const idleOnboardingPerSecond = more > 0 ? more / ((Date.now() - idleOnboardFrom) / 1000) : NaN;
    await new Promise((r) => setTimeout(r, 5_000)); // onboarding's own work settles
    const idleFrom = Date.now();
    const xactBefore = await postgresTransactions(stack);
    await new Promise((r) => setTimeout(r, config.idleSeconds * 1000));
    const xactAfter = await postgresTransactions(stack);
    const idleTo = Date.now();
    const idleActions = await actionsOf(stack.client, taskQueue, idleFrom, idleTo);
    const idleConnections = config.sources + config.destinations + more;
    const idleHours = (idleTo - idleFrom) / 3_600_000;

    const metrics: Record<string, number> = {
      tenants: config.sources,
      rate: config.rate,
      onboardingPerSecond: onboarding.perSecond,
      ...onboarding.cpuMsPerConnection,
      idleOnboardingPerSecond,
      e2eP50Ms: percentile(evenLatencies, 50),
      e2eP99Ms: percentile(evenLatencies, 99),
      burstE2eP50Ms: percentile(burstLatencies, 50),
      burstE2eP99Ms: percentile(burstLatencies, 99),
      deliveredPerSecond: evenDelivered / config.seconds,
      historyEventsPerEvent: history.total / evenDelivered,
      'history.shardEventsPerEvent': history.shards / evenDelivered,
      'history.connectionEventsPerEvent': history.connections / evenDelivered,
      'noisyNeighbour.othersP50Ms': percentile(others, 50),
      'noisyNeighbour.othersP99Ms': percentile(others, 99),
      'noisyNeighbour.noisyP99Ms': percentile(loud, 99),
      'destination.tenants': config.destinations,
      'destination.rate': config.destRate,
      'destination.e2eP50Ms': percentile(destLatencies, 50),
      'destination.e2eP99Ms': percentile(destLatencies, 99),
      'destination.callsPerEvent': calls / Math.max(1, destLatencies.length),
      'idle.connections': idleConnections,
      'idle.temporalActionsPerConnectionHour': idleActions.total / idleConnections / idleHours,
      'idle.shardActionsPerHour': idleActions.shards / idleHours,
      'idle.postgresQueriesPerSecond': (xactAfter - xactBefore) / ((idleTo - idleFrom) / 1000),
      non2xx: even.non2xx + bursts.non2xx + noisy.non2xx + ingested.non2xx,
    };
    return {
      metrics,
      detail: {
        samples: { even: evenLatencies.length, others: others.length, destination: destLatencies.length },
        idleActionsByType: idleActions.byType,
        // The even phase's history events, by type (connections sampled and scaled): where historyEventsPerEvent comes from.
        historyByType: history.byType,
      },
    };
  } finally {
    await stack.stop();
  }
}

/** e2e latency at --rate against the number of source connections (README's plot): one fresh stack per count. */
async function sweep(counts: number[]) {
  const points: { connections: number; runs: Record<string, number>[] }[] = [];
  for (const connections of counts) {
    const perRun = await repeat(runs, async () => {
      const stack = await startTenantStack(config.shards);
      try {
        const onboarding = await onboardMeasured(stack, 0, connections, config.concurrency);
        const { sources } = onboarding;
        const appIds = sources.map((s) => s.appId);
        await sendAndDeliver(stack, appIds, 'warm', 'paced');
        await waitForConnected(
          stack,
          sources.map((s) => s.connectionId),
        );
        const { from, result } = await sendAndDeliver(stack, appIds, 'even', 'paced');
        const latencies = sourceLatencies(stack, from).map((l) => l.ms);
        const delivered = stack.amplitude.events.length - from;
        const { from: burstFrom, result: bursts } = await sendAndDeliver(stack, appIds, 'bursts', 'bursts');
        const burstLatencies = sourceLatencies(stack, burstFrom).map((l) => l.ms);
        return {
          onboardingPerSecond: onboarding.perSecond,
          ...onboarding.cpuMsPerConnection,
          e2eP50Ms: percentile(latencies, 50),
          e2eP99Ms: percentile(latencies, 99),
          burstE2eP50Ms: percentile(burstLatencies, 50),
          burstE2eP99Ms: percentile(burstLatencies, 99),
          delivered,
          non2xx: result.non2xx + bursts.non2xx,
        };
      } finally {
        await stack.stop();
      }
    });
    points.push({ connections, runs: perRun });
    const s = summarise(perRun);
    process.stdout.write(
      `${connections} connections: e2e p50/p99 ${fmt(s.e2eP50Ms)} / ${fmt(s.e2eP99Ms)} ms paced, ` +
        `${fmt(s.burstE2eP50Ms)} / ${fmt(s.burstE2eP99Ms)} ms in bursts; onboarded ${fmt(s.onboardingPerSecond)}/s\n`,
    );
  }
  const rows: [string, string | number, string?][] = points.flatMap((p) => {
    const s = summarise(p.runs);
    return [
      [
        `${p.connections} connections at ${config.rate}/s paced: e2e p50 / p99 (ms)`,
        `${fmt(s.e2eP50Ms)} / ${fmt(s.e2eP99Ms)}`,
      ],
      [
        `${p.connections} connections at ${config.rate}/s in bursts: e2e p50 / p99 (ms)`,
        `${fmt(s.burstE2eP50Ms)} / ${fmt(s.burstE2eP99Ms)}`,
      ],
      [`${p.connections} connections: onboarding (connections/s)`, fmt(s.onboardingPerSecond, 1)],
      onboardingCpuRow((name, digits) => fmt(s[name], digits)),
    ] as [string, string][];
  });
  report('tenants-sweep', rows, {
    runs,
    rate: config.rate,
    seconds: config.seconds,
    shards: config.shards,
    points: points.map((p) => ({ connections: p.connections, summary: summarise(p.runs), perRun: p.runs })),
  });
}

async function main() {
  if (values.sweep) return sweep(values.sweep.split(',').map(Number));
  const results = await repeat(runs, () => measureOnce());
  const summary = summarise(results.map((r) => r.metrics));
  const s = (name: string, digits = 0) => fmt(summary[name], digits);
  const rows: [string, string | number, string?][] = [
    ['runs (median, min–max)', runs],
    ['source connections / webhooks per second', `${config.sources} / ${config.rate}`],
    ['onboarding (connections/s)', s('onboardingPerSecond', 1), 'target ≥ 50'],
    onboardingCpuRow(s),
    ['e2e p50 / p99 (ms), even load, paced', `${s('e2eP50Ms')} / ${s('e2eP99Ms')}`, 'p99 ≤ 1,000'],
    ['e2e p50 / p99 (ms), even load, top-of-second bursts', `${s('burstE2eP50Ms')} / ${s('burstE2eP99Ms')}`],
    ['history events per delivered event', s('historyEventsPerEvent', 4), '≤ 0.01'],
    [
      '  of which shards / connections',
      `${s('history.shardEventsPerEvent', 4)} / ${s('history.connectionEventsPerEvent', 4)}`,
    ],
    [
      'noisy neighbour: others p50 / p99 (ms)',
      `${s('noisyNeighbour.othersP50Ms')} / ${s('noisyNeighbour.othersP99Ms')}`,
      'p99 ≤ 1,000',
    ],
    ['noisy neighbour: the noisy one p99 (ms)', s('noisyNeighbour.noisyP99Ms')],
    ['destination syncs / events per second', `${config.destinations} / ${config.destRate}`],
    ['destination e2e p50 / p99 (ms)', `${s('destination.e2eP50Ms')} / ${s('destination.e2eP99Ms')}`, 'p99 ≤ 1,000'],
    ['destination Intercom calls per event', s('destination.callsPerEvent', 3), '≤ 1.05'],
    ['idle connections', s('idle.connections')],
    ['idle Temporal actions per connection-hour', s('idle.temporalActionsPerConnectionHour', 3), '≤ 1'],
    ['idle Postgres transactions per second (all)', s('idle.postgresQueriesPerSecond', 2)],
  ];
  const flat = (name: string) => summary[name]?.median;
  report('tenants', rows, {
    runs,
    config,
    // The issue's field names, as medians; `summary` has every metric's median/min/max.
    tenants: flat('tenants'),
    rate: flat('rate'),
    e2eP50Ms: flat('e2eP50Ms'),
    e2eP99Ms: flat('e2eP99Ms'),
    historyEventsPerEvent: flat('historyEventsPerEvent'),
    noisyNeighbour: { othersP99Ms: flat('noisyNeighbour.othersP99Ms') },
    idle: {
      connections: flat('idle.connections'),
      temporalActionsPerConnectionHour: flat('idle.temporalActionsPerConnectionHour'),
      postgresQueriesPerSecond: flat('idle.postgresQueriesPerSecond'),
    },
    onboardingPerSecond: flat('onboardingPerSecond'),
    destination: { tenants: flat('destination.tenants'), e2eP99Ms: flat('destination.e2eP99Ms') },
    summary,
    perRun: results,
  });
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
