import { existsSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import type { LogLevel } from '@temporalio/common';
import { createActivities } from '../../activities';
import type { Services } from '../runtime/services';

let runtimeInstalled = false;

/**
 * Routes the SDK's own logs through our level and, when asked, exposes its metrics for Prometheus.
 * Must run before the first connection or worker is created in the process.
 */
export function installTemporalRuntime(options: { logLevel?: string; metricsBindAddress?: string } = {}): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = (
    ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'].includes((options.logLevel ?? 'warn').toUpperCase())
      ? (options.logLevel ?? 'warn').toUpperCase()
      : 'WARN'
  ) as LogLevel;
  Runtime.install({
    logger: new DefaultLogger(level),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'WARN' }), forward: {} },
      ...(options.metricsBindAddress ? { metrics: { prometheus: { bindAddress: options.metricsBindAddress } } } : {}),
    },
  });
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
    // Leave room for in-flight deliveries to finish and commit on SIGTERM.
    shutdownGraceTime: '20 seconds',
  });
}
