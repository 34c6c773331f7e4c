import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryState } from '../../../activities/connections';
import { cohortSettingsSchema, type CohortSettings } from '../../../src/cohort/settings';
import { eventually as eventuallyWithin } from '../../../testkit/eventually';
import {
  continueAsNewNow,
  endWorkflows,
  startWorkflowTestBed,
  type WorkflowTestBed,
  queryUntil,
} from '../../../testkit/workflow-test-bed';
import { disconnectSignal, pauseSignal, resumeSignal } from '../../../workflows/connection-signals';
import {
  cohortStatusQuery,
  cohortSync,
  disconnectRemovingTagSignal,
  resyncSignal,
  updateCohortSettingsUpdate,
  type CohortLifecycle,
} from '../../../workflows/cohort-sync';

/** Within 10 s of real time: these waits are for the worker, not for workflow time. */
const eventually = <T>(check: () => Promise<T> | T) => eventuallyWithin(check, { timeoutMs: 10_000 });

/**
 * The cohort sync's state machine on the time-skipping test server, with mocked activities: the status it
 * publishes, the resync queue (in order, a failure reported), disconnect with or without removing
 * the tag, and continue-as-new. Its controls are the destination sync's (connection-lifecycle.ts), tested there.
 */
interface Published {
  connectionId: string;
  status: string;
  deliveryState: DeliveryState;
}
type Planned = { added: number; removed: number; listedInIntercom: boolean };

function cohortActivities() {
  return {
    publishConnectionState: async (_input: Published): Promise<void> => {},
    saveConnectionSettings: async (_input: { connectionId: string; settings: unknown }): Promise<void> => {},
    applyCohortResync: async (_input: { connectionId: string; resyncId: string }): Promise<Planned> => ({
      added: 0,
      removed: 0,
      listedInIntercom: false,
    }),
    disconnectCohortSync: async (_input: { connectionId: string; removeTag: boolean }) => ({ tagsRemoved: 0 }),
  };
}

describe('cohortSync workflow', () => {
  let bed: WorkflowTestBed<ReturnType<typeof cohortActivities>>;
  let published: Array<{ status: string; deliveryState: DeliveryState }>;
  let resyncs: Array<{ resyncId: string; attempt: number; at: number }>;
  /** What the resyncs answer, in order (a function may throw); then nothing planned. */
  let plans: Array<() => Planned>;
  let disconnects: Array<{ removeTag: boolean }>;
  let started: WorkflowHandle[];
  let connectionId: string;
  let counter = 0;

  beforeAll(async () => {
    bed = await startWorkflowTestBed(cohortActivities());
  });
  afterAll(async () => {
    await bed?.stop();
  });
  afterEach(async () => {
    await endWorkflows(bed, started);
  });
  beforeEach(() => {
    published = [];
    resyncs = [];
    plans = [];
    disconnects = [];
    started = [];
    connectionId = `coh-${++counter}`;
    const mine = (input: { connectionId: string }) => input.connectionId === connectionId;
    bed.mock({
      ...cohortActivities(),
      publishConnectionState: async (input) => {
        if (mine(input)) published.push({ status: input.status, deliveryState: input.deliveryState });
      },
      applyCohortResync: async (input) => {
        if (!mine(input)) return { added: 0, removed: 0, listedInIntercom: false };
        resyncs.push({
          resyncId: input.resyncId,
          attempt: Context.current().info.attempt,
          at: await bed.env.currentTimeMs(),
        });
        return (plans.shift() ?? (() => ({ added: 0, removed: 0, listedInIntercom: false })))();
      },
      disconnectCohortSync: async (input) => {
        if (mine(input)) disconnects.push({ removeTag: input.removeTag });
        return { tagsRemoved: input.removeTag ? 1 : 0 };
      },
    });
  });

  async function start(settings: Partial<CohortSettings> = {}) {
    const handle = await bed.env.client.workflow.start(cohortSync, {
      taskQueue: bed.taskQueue,
      workflowId: `intercom-cohort-${connectionId}`,
      args: [{ connectionId, workspaceId: 'ws-1', settings: cohortSettingsSchema.parse(settings) }],
    });
    started.push(handle);
    return handle;
  }

  const status = (handle: WorkflowHandle) => handle.query(cohortStatusQuery);
  const until = (handle: WorkflowHandle, check: (s: CohortLifecycle) => boolean, what: string) =>
    queryUntil(handle, cohortStatusQuery, check, what, { timeoutMs: 10_000 });
  const lastPublished = () => published[published.length - 1];
  const untilPublished = (status: string, deliveryState: DeliveryState) =>
    eventually(() => expect(lastPublished()).toEqual({ status, deliveryState }));

  it('starts disabled; enabling answers once tagging may start; disabled wins over paused', async () => {
    const handle = await start();
    await untilPublished('Disabled', 'discard');
    const settings = await handle.executeUpdate(updateCohortSettingsUpdate, { args: [{ status: 'enabled' }] });
    expect(settings.status).toBe('enabled');
    expect(lastPublished()).toEqual({ status: 'Enabled', deliveryState: 'active' });
    await handle.signal(pauseSignal);
    await untilPublished('Paused', 'held');
    await handle.executeUpdate(updateCohortSettingsUpdate, { args: [{ status: 'disabled' }] });
    expect(lastPublished()).toEqual({ status: 'Disabled', deliveryState: 'discard' });
    await handle.signal(resumeSignal);
    await handle.executeUpdate(updateCohortSettingsUpdate, { args: [{ status: 'enabled' }] });
    expect(lastPublished()).toEqual({ status: 'Enabled', deliveryState: 'active' });
  });

  it('applies resyncs in order; a bad request and a failed resync are reported', async () => {
    plans.push(
      () => ({ added: 3, removed: 1, listedInIntercom: true }),
      () => {
        throw ApplicationFailure.nonRetryable('the member list is gone', 'TestFailure');
      },
    );
    const handle = await start({ status: 'enabled' });
    await untilPublished('Enabled', 'active');
    await handle.signal(resyncSignal, { resyncId: 'r-1' });
    await handle.signal(resyncSignal, { resyncId: '' });
    await handle.signal(resyncSignal, { resyncId: 'r-2' });
    await eventually(() => expect(resyncs).toHaveLength(2));
    const after = await until(
      handle,
      (s) => s.resyncsQueued === 0 && !!s.lastError?.message.startsWith('resync failed'),
      'both resyncs',
    );
    expect(resyncs.map((r) => r.resyncId)).toEqual(['r-1', 'r-2']);
    expect(after.lastResync).toMatchObject({ resyncId: 'r-1', added: 3, removed: 1, listedInIntercom: true });
    expect(after.lastError!.message).toMatch(/^resync failed: .*the member list is gone/);
    expect(after.status).toBe('Enabled');
  });

  it('retries a resync that fails for now, 5 s then 10 s apart', async () => {
    const busy = () => {
      throw ApplicationFailure.retryable('Intercom answered 429', 'RetryAfter');
    };
    plans.push(busy, busy, () => ({ added: 1, removed: 0, listedInIntercom: false }));
    const handle = await start({ status: 'enabled' });
    await untilPublished('Enabled', 'active');
    await handle.signal(resyncSignal, { resyncId: 'r-1' });
    await eventually(() => expect(resyncs).toHaveLength(1));
    await bed.env.sleep(20_000);
    await until(handle, (s) => s.lastResync?.resyncId === 'r-1', 'the resync');
    expect(resyncs.map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(resyncs[1]!.at - resyncs[0]!.at).toBeGreaterThanOrEqual(5_000);
    expect(resyncs[2]!.at - resyncs[1]!.at).toBeGreaterThanOrEqual(10_000);
  });

  it('disconnects leaving the tag, or removing it when asked', async () => {
    const keeping = await start({ status: 'enabled' });
    await untilPublished('Enabled', 'active');
    await keeping.signal(disconnectSignal, {});
    expect(await keeping.result()).toEqual({ status: 'Disconnected' });
    expect(disconnects).toEqual([{ removeTag: false }]);
    expect(lastPublished()).toEqual({ status: 'Disconnected', deliveryState: 'held' });

    connectionId = `coh-${++counter}`;
    disconnects = [];
    const removing = await start({ status: 'enabled' });
    await eventually(async () => expect((await status(removing)).status).toBe('Enabled'));
    await removing.signal(disconnectRemovingTagSignal);
    expect(await removing.result()).toEqual({ status: 'Disconnected' });
    expect(disconnects).toEqual([{ removeTag: true }]);
  });

  it('continues as new carrying settings, pause, the last resync and what it published', async () => {
    plans.push(() => ({ added: 2, removed: 0, listedInIntercom: false }));
    const handle = await start({ status: 'enabled', tagName: 'VIPs' });
    await untilPublished('Enabled', 'active');
    await handle.signal(resyncSignal, { resyncId: 'r-1' });
    await until(handle, (s) => s.lastResync?.resyncId === 'r-1', 'the resync');
    await handle.signal(pauseSignal);
    await untilPublished('Paused', 'held');
    const before = await status(handle);
    const publishedBefore = published.length;

    await continueAsNewNow(bed, handle);
    expect(await status(handle)).toEqual(before);
    expect(before).toMatchObject({ status: 'Paused', settings: { tagName: 'VIPs' }, lastResync: { added: 2 } });
    expect(published).toHaveLength(publishedBefore);
    await handle.signal(resyncSignal, { resyncId: 'r-2' });
    await until(handle, (s) => s.lastResync?.resyncId === 'r-2', 'a resync on the new run');
  });
});
