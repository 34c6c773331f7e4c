import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryState } from '../../../activities/connections';
import { defaultDestinationSettings, type DestinationSettings } from '../../../src/destination/settings';
import { eventually as eventuallyWithin } from '../../../testkit/eventually';
import {
  continueAsNewNow,
  endWorkflows,
  startWorkflowTestBed,
  timersStarted,
  type WorkflowTestBed,
  queryUntil,
} from '../../../testkit/workflow-test-bed';
import {
  credentialsChangedSignal,
  deliveryEventSignal,
  disconnectSignal,
  pauseSignal,
  resumeSignal,
} from '../../../workflows/connection-signals';
import {
  destinationStatusQuery,
  destinationSync,
  replaySignal,
  updateSettingsUpdate,
  type DestinationInput,
  type DestinationLifecycle,
} from '../../../workflows/destination-sync';

/** Within 10 s of real time: these waits are for the worker, not for workflow time. */
const eventually = <T>(check: () => Promise<T> | T) => eventuallyWithin(check, { timeoutMs: 10_000 });

/**
 * The destination sync's state machine on the time-skipping test server, with mocked activities: enabled and
 * disabled, pause and resume, errors, replays, disconnect and continue-as-new. It runs no timer: an idle sync
 * only waits. The end-to-end path (real activities, Postgres, simulators) is test/integration/destination*.
 */
interface Published {
  connectionId: string;
  status: string;
  deliveryState: DeliveryState;
}
interface Window {
  connectionId: string;
  from: string;
  to: string;
}

function destinationActivities() {
  return {
    publishConnectionState: async (_input: Published): Promise<void> => {},
    saveConnectionSettings: async (_input: { connectionId: string; settings: unknown }): Promise<void> => {},
    replayDestinationWindow: async (_input: Window): Promise<number> => 0,
    disconnectDestination: async (_input: { connectionId: string }): Promise<void> => {},
  };
}

describe('destinationSync workflow', () => {
  let bed: WorkflowTestBed<ReturnType<typeof destinationActivities>>;
  let published: Array<{ status: string; deliveryState: DeliveryState }>;
  let saved: unknown[];
  let replayed: Array<{ from: string; to: string }>;
  /** What the replays answer, in order (a function may throw); then 0 rows. */
  let replayAnswers: Array<() => number>;
  let disconnected: number;
  let started: WorkflowHandle[];
  let connectionId: string;
  let counter = 0;

  beforeAll(async () => {
    bed = await startWorkflowTestBed(destinationActivities());
  });
  afterAll(async () => {
    await bed?.stop();
  });
  afterEach(async () => {
    await endWorkflows(bed, started);
  });
  beforeEach(() => {
    published = [];
    saved = [];
    replayed = [];
    replayAnswers = [];
    disconnected = 0;
    started = [];
    connectionId = `dst-${++counter}`;
    // Only this test's sync is recorded: a workflow of an earlier, failed test may still be running.
    const mine = (input: { connectionId: string }) => input.connectionId === connectionId;
    bed.mock({
      publishConnectionState: async (input) => {
        if (mine(input)) published.push({ status: input.status, deliveryState: input.deliveryState });
      },
      saveConnectionSettings: async (input) => {
        if (mine(input)) saved.push(input.settings);
      },
      replayDestinationWindow: async (input) => {
        if (!mine(input)) return 0;
        replayed.push({ from: input.from, to: input.to });
        return (replayAnswers.shift() ?? (() => 0))();
      },
      disconnectDestination: async (input) => {
        if (mine(input)) disconnected += 1;
      },
    });
  });

  async function start(settings: Partial<DestinationSettings> = {}, extra: Partial<DestinationInput> = {}) {
    const handle = await bed.env.client.workflow.start(destinationSync, {
      taskQueue: bed.taskQueue,
      workflowId: `intercom-destination-${connectionId}`,
      args: [
        { connectionId, workspaceId: 'ws-1', settings: { ...defaultDestinationSettings(), ...settings }, ...extra },
      ],
    });
    started.push(handle);
    return handle;
  }

  const status = (handle: WorkflowHandle) => handle.query(destinationStatusQuery);
  const until = (handle: WorkflowHandle, check: (s: DestinationLifecycle) => boolean, what: string) =>
    queryUntil(handle, destinationStatusQuery, check, what, { timeoutMs: 10_000 });
  const lastPublished = () => published[published.length - 1];
  const untilPublished = (status: string, deliveryState: DeliveryState) =>
    eventually(() => expect(lastPublished()).toEqual({ status, deliveryState }));

  it('starts disabled (sending and queueing nothing); enabling answers once delivery may start', async () => {
    const handle = await start();
    await untilPublished('Disabled', 'discard');

    const enabled = await handle.executeUpdate(updateSettingsUpdate, { args: [{ status: 'enabled' }] });
    expect(enabled.status).toBe('enabled');
    expect(saved).toEqual([enabled]);
    // The answer comes after the new delivery state is in Postgres: events sent right after are delivered.
    expect(lastPublished()).toEqual({ status: 'Enabled', deliveryState: 'active' });
    expect((await status(handle)).status).toBe('Enabled');

    const disabled = await handle.executeUpdate(updateSettingsUpdate, { args: [{ status: 'disabled' }] });
    expect(disabled.status).toBe('disabled');
    expect(lastPublished()).toEqual({ status: 'Disabled', deliveryState: 'discard' });

    // A bad patch is refused by the validator: nothing saved, nothing published.
    await expect(
      handle.executeUpdate(updateSettingsUpdate, { args: [{ status: 'sometimes' } as never] }),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/status/) } });
    expect(saved).toHaveLength(2);
    expect(published).toEqual([
      { status: 'Disabled', deliveryState: 'discard' },
      { status: 'Enabled', deliveryState: 'active' },
      { status: 'Disabled', deliveryState: 'discard' },
    ]);
    // Waiting costs no timer.
    expect(await timersStarted(handle)).toEqual([]);
  });

  it('pauses and resumes; disabled wins over paused, and enabling again finds it still paused', async () => {
    const handle = await start({ status: 'enabled' });
    await untilPublished('Enabled', 'active');
    await handle.signal(pauseSignal);
    await untilPublished('Paused', 'held');
    await handle.signal(resumeSignal);
    await untilPublished('Enabled', 'active');

    await handle.signal(pauseSignal);
    await untilPublished('Paused', 'held');
    await handle.executeUpdate(updateSettingsUpdate, { args: [{ status: 'disabled' }] });
    expect(lastPublished()).toEqual({ status: 'Disabled', deliveryState: 'discard' });
    await handle.executeUpdate(updateSettingsUpdate, { args: [{ status: 'enabled' }] });
    expect(lastPublished()).toEqual({ status: 'Paused', deliveryState: 'held' });
    await handle.signal(resumeSignal);
    await untilPublished('Enabled', 'active');
  });

  it('a rejected token holds delivery (or discards while disabled) until new credentials', async () => {
    const handle = await start({ status: 'enabled' });
    await untilPublished('Enabled', 'active');
    await handle.signal(deliveryEventSignal, {
      kind: 'fatal',
      reason: 'intercom_token_revoked',
      message: '401 from Intercom',
    });
    await untilPublished('Error', 'held');
    expect((await status(handle)).error).toMatchObject({
      reason: 'intercom_token_revoked',
      message: '401 from Intercom',
    });
    // Nothing may wait while disabled, error or not.
    await handle.executeUpdate(updateSettingsUpdate, { args: [{ status: 'disabled' }] });
    expect(lastPublished()).toEqual({ status: 'Error', deliveryState: 'discard' });
    await handle.executeUpdate(updateSettingsUpdate, { args: [{ status: 'enabled' }] });
    expect(lastPublished()).toEqual({ status: 'Error', deliveryState: 'held' });
    await handle.signal(resumeSignal);
    await handle.signal(credentialsChangedSignal);
    await untilPublished('Enabled', 'active');
    const cleared = await status(handle);
    expect(cleared.error).toBeUndefined();
    expect(cleared.lastError).toMatchObject({ message: '401 from Intercom' });
  });

  it('replays windows in order; a bad window is refused and a failed replay is reported, not retried forever', async () => {
    replayAnswers.push(
      () => 12,
      () => {
        throw ApplicationFailure.nonRetryable('the database refused', 'TestFailure');
      },
    );
    const handle = await start({ status: 'enabled' });
    await untilPublished('Enabled', 'active');
    await handle.signal(replaySignal, { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' });
    await handle.signal(replaySignal, { from: '2026-01-03T00:00:00Z', to: '2026-01-02T00:00:00Z' });
    await handle.signal(replaySignal, { from: '2026-02-01T00:00:00Z', to: '2026-02-02T00:00:00Z' });
    await handle.signal(replaySignal, { from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' });
    await eventually(() => expect(replayed).toHaveLength(3));
    expect(replayed).toEqual([
      { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
      { from: '2026-02-01T00:00:00Z', to: '2026-02-02T00:00:00Z' },
      { from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' },
    ]);
    const after = await until(handle, (s) => s.replaysQueued === 0 && !!s.lastError, 'the replays');
    expect(after.lastError!.message).toMatch(/^replay failed: .*the database refused/);
    expect(after.status).toBe('Enabled');
  });

  it('refuses a replay window that is not one, with the reason', async () => {
    const handle = await start({ status: 'enabled' });
    await untilPublished('Enabled', 'active');
    await handle.signal(replaySignal, { from: 'last week', to: '2026-01-02T00:00:00Z' });
    const after = await until(handle, (s) => !!s.lastError, 'the refusal');
    expect(after.lastError!.message).toBe('replay request ignored: from and to must be ISO-8601 times');
    expect(replayed).toEqual([]);
  });

  it('starts paused when moved from an older model (resume input)', async () => {
    const handle = await start({ status: 'enabled' }, { resume: { paused: true } });
    await untilPublished('Paused', 'held');
    expect(published).toHaveLength(1);
    expect((await status(handle)).status).toBe('Paused');
  });

  it('disconnects: forgets the credentials, then shows Disconnected with delivery held', async () => {
    const handle = await start({ status: 'enabled' });
    await untilPublished('Enabled', 'active');
    await handle.signal(disconnectSignal, {});
    expect(await handle.result()).toEqual({ status: 'Disconnected' });
    expect(disconnected).toBe(1);
    expect(published).toEqual([
      { status: 'Enabled', deliveryState: 'active' },
      { status: 'Disconnected', deliveryState: 'held' },
    ]);
    expect((await status(handle)).status).toBe('Disconnected');
  });

  it('continues as new carrying settings, pause, errors and what it published', async () => {
    const handle = await start({ status: 'enabled' });
    await untilPublished('Enabled', 'active');
    await handle.executeUpdate(updateSettingsUpdate, { args: [{ mapping: { intercomUser: 'email' } }] });
    await handle.signal(replaySignal, { from: 'x', to: 'y' });
    await handle.signal(pauseSignal);
    await untilPublished('Paused', 'held');
    const before = await until(handle, (s) => !!s.lastError, 'the refused replay');
    const publishedBefore = published.length;

    await continueAsNewNow(bed, handle);
    const after = await status(handle);
    expect(after).toEqual(before);
    expect(after.settings.mapping.intercomUser).toBe('email');
    expect(after.status).toBe('Paused');
    expect(published).toHaveLength(publishedBefore);

    // The new run goes on from there.
    await handle.signal(resumeSignal);
    await untilPublished('Enabled', 'active');
    await handle.signal(replaySignal, { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' });
    await eventually(() => expect(replayed).toHaveLength(1));
    await handle.signal(disconnectSignal, {});
    expect(await handle.result()).toEqual({ status: 'Disconnected' });
    expect(disconnected).toBe(1);
  });
});
