import { existsSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import type { LogLevel } from '@temporalio/common';
import { createActivities } from '../../activities';
import type { Client } from '@temporalio/client';
import type { Services } from '../runtime/services';
import { connectNative, type TemporalTarget } from './connection';
import { ensureRetentionSchedule } from './schedules';
import { ensureSearchAttributes } from './search-attributes';
import { rebalanceShards } from '../delivery/shards';
import { ensureShards } from './shard-signal';
import { upgradeLegacyConnectionWorkflows } from './upgrade';
import type { Logger } from '../observability/logger';

let runtimeInstalled = false;

const SDK_LEVELS: Record<string, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Routes the SDK's own logs into our JSON logger and, when asked, exposes the SDK's metrics
 * (workflow task latency, activity failures, sticky cache, …) on a Prometheus endpoint that our
 * /metrics appends. Must run before the first connection or worker is created in the process.
 */
export function installTemporalRuntime(
  options: { logger?: Logger; logLevel?: string; metricsBindAddress?: string } = {},
): void {
  if (runtimeInstalled) return;
  const wanted = (options.logLevel ?? 'warn').toUpperCase();
  const level = (wanted in SDK_LEVELS ? wanted : 'WARN') as LogLevel;
  const logger = options.logger;
  Runtime.install({
    logger: logger
      ? new DefaultLogger(level, (entry) =>
          logger[SDK_LEVELS[entry.level] ?? 'info']({ temporal: entry.meta }, entry.message),
        )
      : new DefaultLogger(level),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'WARN' }), forward: {} },
      ...(options.metricsBindAddress ? { metrics: { prometheus: { bindAddress: options.metricsBindAddress } } } : {}),
    },
  });
  runtimeInstalled = true;
}

/** Reads the SDK's Prometheus text from its exporter (empty when it is not running). */
export function sdkMetrics(bindAddress: string | undefined): () => Promise<string> {
  return async () => {
    if (!bindAddress) return '';
    const response = await fetch(`http://${bindAddress}/metrics`, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? response.text() : '';
  };
}

/** The workflow code: a prebuilt bundle in production, the sources (bundled at start-up) in dev and tests. */
export function workflowSource(
  bundlePath?: string,
): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const defaultBundle = path.resolve(__dirname, '../../workflow-bundle.js');
  const codePath = bundlePath ?? (existsSync(defaultBundle) ? defaultBundle : undefined);
  if (codePath) return { workflowBundle: { codePath } };
  const ts = path.resolve(__dirname, '../../workflows/index.ts');
  return { workflowsPath: existsSync(ts) ? ts : path.resolve(__dirname, '../../workflows/index.js') };
}

export interface WorkerOptions {
  services: Services;
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  bundlePath?: string;
}

export async function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...workflowSource(options.bundlePath),
    activities: createActivities(options.services),
    // Slots: every busy delivery shard holds one activity slot for up to 20 s, plus short lifecycle activities.
    ...workerSlots(options.services.env),
    // Leave room for in-flight deliveries to finish and commit on SIGTERM.
    shutdownGraceTime: '20 seconds',
  });
}

/**
 * What every worker process does before polling: register our search attributes (only a warning
 * where the cluster refuses, e.g. Temporal Cloud with an API key), make sure the retention schedule
 * exists, then create the worker on its own native connection.
 */
export async function prepareWorker(options: {
  services: Services;
  client: Client;
  target: TemporalTarget;
  bundlePath?: string;
}): Promise<{ worker: Worker; connection: NativeConnection }> {
  const { services, client, target } = options;
  const taskQueue = services.env.TEMPORAL_TASK_QUEUE;
  try {
    const added = await ensureSearchAttributes(client);
    if (added.length) services.logger.info({ added }, 'registered search attributes');
  } catch (err) {
    services.logger.warn(
      { err: { message: (err as Error).message } },
      'could not register search attributes; create IntercomProvider, AmplitudeProject, IntercomWorkspace, ConnectionStatus (Keyword) on the namespace',
    );
  }
  await ensureRetentionSchedule(client, taskQueue, services.env.RETENTION_DAYS);
  // Delivery shards: every connection on its shard, old per-connection workflows moved, every shard running.
  const moved = await rebalanceShards(services.db, services.env.DELIVERY_SHARDS);
  if (moved > 0)
    services.logger.info({ moved, shards: services.env.DELIVERY_SHARDS }, 'connections moved to their delivery shard');
  await upgradeLegacyConnectionWorkflows(client, services, taskQueue);
  await ensureShards(client, taskQueue, services.env.DELIVERY_SHARDS);
  const connection = await connectNative(target);
  const worker = await createWorker({
    services,
    connection,
    namespace: target.namespace,
    taskQueue,
    bundlePath: options.bundlePath,
  });
  return { worker, connection };
}

/** The worker's slot settings from env (unset: the SDK's defaults). README "How it works" says how to size them. */
function workerSlots(env: Services['env']) {
  return {
    ...(env.WORKER_MAX_ACTIVITIES ? { maxConcurrentActivityTaskExecutions: env.WORKER_MAX_ACTIVITIES } : {}),
    ...(env.WORKER_MAX_WORKFLOW_TASKS ? { maxConcurrentWorkflowTaskExecutions: env.WORKER_MAX_WORKFLOW_TASKS } : {}),
    ...(env.WORKER_MAX_CACHED_WORKFLOWS ? { maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS } : {}),
  };
}
