import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type InjectedSinks,
} from '@temporalio/worker';
import { connectClient } from '../src/temporal/connection';
import { requireTemporalCli, startDevServer } from '../src/temporal/dev-server';
import { AmplitudeProjectKey, ConnectionStatusKey, ProviderKey } from '../workflows/search-attributes';
import { cpuMsPerItem, cpuSnapshot } from './lib/cpu';
import { ONBOARDING_CPU_ROLES, onboardingCpuRow, onboardMeasured, pool, startTenantStack } from './lib/onboarding';
import { authorizedSignal, onboardingFloor, type FloorSinks } from './lib/onboarding-floor-workflow';
import { report } from './lib/report';
import { fmt, repeat, RUNS_OPTION, runCount, summarise } from './lib/runs';

/**
 * How much of an onboarding's CPU is Temporal's own: each run measures, side by side on this machine,
 *   1. ours: --count sources onboarded through the admin API and the simulated OAuth on the bench:tenants stack
 *      (after --warm more), CPU per connection by role;
 *   2. the floor: on a fresh Temporal dev server, the Temporal work an onboarding needs and nothing of ours
 *      (bench/lib/onboarding-floor-workflow.ts): a start with the same search attributes and memo, its first task,
 *      the `authorized` signal once that task ran, and a task with the status upsert and the daily timer. Its
 *      worker and client run in this process.
 * The report gives both per connection and the CPU an onboarding may cost for --target connections/s on this
 * machine's cores: when the floor alone takes most of that, the target is Temporal's to meet, not ours.
 */
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '500' },
    warm: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '25' },
    target: { type: 'string', default: '50' },
    ...RUNS_OPTION,
  },
});
const config = {
  count: Number(values.count),
  warm: Number(values.warm),
  concurrency: Number(values.concurrency),
  target: Number(values.target),
};
const runs = runCount(values.runs);
const cores = os.cpus().length;

async function measureOurs(): Promise<Record<string, number>> {
  const stack = await startTenantStack(4);
  try {
    await onboardMeasured(stack, 0, config.warm, config.concurrency);
    const measured = await onboardMeasured(stack, config.warm, config.count, config.concurrency);
    const total = Object.values(measured.cpuMsPerConnection).reduce((sum, ms) => sum + ms, 0);
    return { onboardingPerSecond: measured.perSecond, ...measured.cpuMsPerConnection, 'onboardingCpuMs.total': total };
  } finally {
    await stack.stop();
  }
}

const workflowBundle = bundleWorkflowCode({
  workflowsPath: path.join(__dirname, 'lib', 'onboarding-floor-workflow.ts'),
  logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} },
});

async function measureFloor(): Promise<Record<string, number>> {
  const server = await startDevServer({ cliPath: requireTemporalCli(), port: 0 });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const client = await connectClient({ address: server.address, namespace: 'default' });
  try {
    const taskQueue = 'onboarding-floor';
    /** Resolves when a workflow's first task has run. */
    const waiting = new Map<string, () => void>();
    const sinks: InjectedSinks<FloorSinks> = {
      bench: { waiting: { fn: (info) => waiting.get(info.workflowId)?.(), callDuringReplay: false } },
    };
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle,
      sinks,
    });
    const onboard = async (n: number) => {
      const workflowId = `floor-${n}`;
      const firstTask = new Promise<void>((resolve) => waiting.set(workflowId, resolve));
      const handle = await client.workflow.start(onboardingFloor, {
        workflowId,
        taskQueue,
        memo: { name: `Intercom → Amplitude project t${n}`, kind: 'intercom_source' },
        typedSearchAttributes: [
          { key: ProviderKey, value: 'intercom-source' },
          { key: AmplitudeProjectKey, value: `t${n}` },
          { key: ConnectionStatusKey, value: 'Authorizing' },
        ],
        staticSummary: `Intercom → Amplitude project t${n}`,
      });
      await firstTask;
      waiting.delete(workflowId);
      await handle.signal(authorizedSignal, { workspaceId: `w${n}` });
    };
    return await worker.runUntil(async () => {
      await pool(
        Array.from({ length: config.warm }, (_, i) => i),
        config.concurrency,
        onboard,
      );
      await new Promise((r) => setTimeout(r, 2_000));
      const before = cpuSnapshot();
      const startedAt = Date.now();
      await pool(
        Array.from({ length: config.count }, (_, i) => config.warm + i),
        config.concurrency,
        onboard,
      );
      const perSecond = config.count / ((Date.now() - startedAt) / 1000);
      // The last signals' tasks and the server's visibility writes finish after the last signal is sent.
      await new Promise((r) => setTimeout(r, 3_000));
      const ms = cpuMsPerItem(before, config.count);
      return {
        floorPerSecond: perSecond,
        'floorCpuMs.temporal': ms(ONBOARDING_CPU_ROLES.temporal),
        'floorCpuMs.workerAndClient': ms(ONBOARDING_CPU_ROLES.bench),
      };
    });
  } finally {
    await client.connection.close();
    await nativeConnection.close();
    await server.stop();
  }
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const results = await repeat(runs, async () => {
    const ours = await measureOurs();
    const floor = await measureFloor();
    const floorTotal = floor['floorCpuMs.temporal']! + floor['floorCpuMs.workerAndClient']!;
    return {
      ...ours,
      ...floor,
      'floorCpuMs.total': floorTotal,
      /** Temporal's and the SDK's share of our onboarding: theirs at the floor over all of ours. */
      floorShareOfOurs: floorTotal / ours['onboardingCpuMs.total']!,
      /** Ours over the floor for what Temporal and its SDK do (server, and our worker beside theirs). */
      temporalAndWorkerOverFloor: (ours['onboardingCpuMs.temporal']! + ours['onboardingCpuMs.worker']!) / floorTotal,
    };
  });
  const summary = summarise(results);
  const s = (name: string, digits = 0) => fmt(summary[name], digits);
  const budgetMs = (cores * 1000) / config.target;
  const rows: [string, string | number, string?][] = [
    ['runs (median, min–max)', runs],
    ['connections onboarded per run', `${config.count} (after ${config.warm})`],
    ['ours: onboarding (connections/s)', s('onboardingPerSecond', 1)],
    onboardingCpuRow(s),
    ['ours: CPU per connection, all roles (ms)', s('onboardingCpuMs.total', 1)],
    ['floor: Temporal work alone (connections/s)', s('floorPerSecond', 1)],
    [
      'floor: CPU per connection, Temporal server / worker and client (ms)',
      `${s('floorCpuMs.temporal', 1)} / ${s('floorCpuMs.workerAndClient', 1)}`,
    ],
    ['floor: CPU per connection, total (ms)', s('floorCpuMs.total', 1)],
    ["floor's share of our CPU per connection", s('floorShareOfOurs', 2)],
    ['ours (Temporal server + worker) over the floor', s('temporalAndWorkerOverFloor', 2)],
    [`CPU per connection for ${config.target}/s on ${cores} cores (ms)`, budgetMs.toFixed(1)],
  ];
  report('onboarding-floor', rows, { runs, config, cores, budgetMsAtTarget: budgetMs, summary, perRun: results });
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
