import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BackfillPageInput, BackfillPageResult } from '../../../activities/backfill';
import type { DeliveryState } from '../../../activities/connections';
import { eventually as eventuallyWithin } from '../../../testkit/eventually';
import {
  continueAsNewNow,
  endWorkflows,
  startWorkflowTestBed,
  type WorkflowTestBed,
  queryUntil,
} from '../../../testkit/workflow-test-bed';
import { suggestContinueAsNewSignal } from '../../../testkit/continue-as-new-suggestion';
import { HISTORY_FORM } from '../../../workflows/connection-lifecycle';
import { backfillSignal } from '../../../workflows/backfill-messages';
import { backfillProgressQuery } from '../../../workflows/intercom-source-backfill';
import {
  credentialsChangedSignal,
  deliveryEventSignal,
  disconnectSignal,
  pauseSignal,
  resumeSignal,
} from '../../../workflows/connection-signals';
import {
  authorizedSignal,
  configureUpdate,
  sourceConnection,
  statusQuery,
  uninstallReportedSignal,
  type SourceInput,
  type SourceLifecycle,
} from '../../../workflows/source-connection';
import {
  AmplitudeProjectKey,
  ConnectionStatusKey,
  IntercomWorkspaceKey,
  ProviderKey,
} from '../../../workflows/search-attributes';

/** Within 10 s of real time: these waits are for the worker, not for workflow time. */
const eventually = <T>(check: () => Promise<T> | T) => eventuallyWithin(check, { timeoutMs: 10_000 });

/**
 * The source connection's state machine on the time-skipping test server, with mocked activities: phases,
 * pause and resume, errors, disconnect, the uninstall notice and the daily token check, the backfill queue
 * and continue-as-new. The end-to-end path (real activities, Postgres, simulators) is test/integration/.
 */
type Verdict = 'valid' | 'revoked' | 'no_token';
interface Published {
  connectionId: string;
  status: string;
  deliveryState: DeliveryState;
}

const DAY_MS = 24 * 3_600_000;

function sourceActivities() {
  return {
    publishConnectionState: async (_input: Published): Promise<void> => {},
    saveConnectionSettings: async (_input: { connectionId: string; settings: unknown }): Promise<void> => {},
    checkIntercomAccess: async (_input: { connectionId: string }): Promise<Verdict> => 'valid',
    awaitDrained: async (_input: { connectionId: string; timeoutMs: number }): Promise<number> => 0,
    disconnectSource: async (_input: { connectionId: string; tokenRejected: boolean }) => ({ uninstalled: true }),
    backfillPage: async (_input: BackfillPageInput): Promise<BackfillPageResult> => ({
      done: true,
      scanned: 0,
      imported: 0,
    }),
  };
}

describe('sourceConnection workflow', () => {
  let bed: WorkflowTestBed<ReturnType<typeof sourceActivities>>;
  let published: Array<{ status: string; deliveryState: DeliveryState }>;
  let saved: unknown[];
  let checks: number[];
  let drained: Array<{ timeoutMs: number }>;
  let disconnected: Array<{ tokenRejected: boolean }>;
  let pages: BackfillPageInput[];
  /** What the access checks answer, in order (a function may throw); then 'valid'. */
  let verdicts: Array<Verdict | (() => Verdict)>;
  /** Backfill pages per `since`: held until the test releases them (or the test ends). */
  let pageGates: Map<string, Promise<void>>;
  /** The disconnect's drain waits for this. */
  let drainGate: Promise<void> | undefined;
  let releases: Array<() => void> = [];
  let started: WorkflowHandle[];
  let connectionId: string;
  let counter = 0;

  beforeAll(async () => {
    bed = await startWorkflowTestBed(sourceActivities());
  });
  afterAll(async () => {
    await bed?.stop();
  });
  afterEach(async () => {
    for (const release of releases) release();
    releases = [];
    await endWorkflows(bed, started);
  });
  beforeEach(() => {
    published = [];
    saved = [];
    checks = [];
    drained = [];
    disconnected = [];
    pages = [];
    verdicts = [];
    pageGates = new Map();
    drainGate = undefined;
    started = [];
    connectionId = `src-${++counter}`;
    // Only this test's connection is recorded: a workflow of an earlier, failed test may still be running.
    const mine = (input: { connectionId: string }) => input.connectionId === connectionId;
    bed.mock({
      ...sourceActivities(),
      publishConnectionState: async (input) => {
        if (mine(input)) published.push({ status: input.status, deliveryState: input.deliveryState });
      },
      saveConnectionSettings: async (input) => {
        if (mine(input)) saved.push(input.settings);
      },
      checkIntercomAccess: async (input) => {
        if (!mine(input)) return 'valid';
        checks.push(await bed.env.currentTimeMs());
        const next = verdicts.shift() ?? 'valid';
        return typeof next === 'function' ? next() : next;
      },
      awaitDrained: async (input) => {
        if (!mine(input)) return 0;
        drained.push({ timeoutMs: input.timeoutMs });
        await drainGate;
        return 0;
      },
      disconnectSource: async (input) => {
        if (mine(input)) disconnected.push({ tokenRejected: input.tokenRejected });
        return { uninstalled: !input.tokenRejected };
      },
      backfillPage: async (input) => {
        if (!mine(input)) return { done: true, scanned: 0, imported: 0 };
        pages.push(input);
        await pageGates.get(input.since);
        return { done: true, scanned: 3, imported: 2, cursor: `${input.object}-end` };
      },
    });
  });

  /** Holds the backfill pages of the window starting at `since`; returns what lets them go. */
  function holdPages(since: string): () => void {
    let release!: () => void;
    pageGates.set(since, new Promise<void>((resolve) => (release = resolve)));
    releases.push(release);
    return release;
  }

  async function start(extra: Partial<SourceInput> = {}) {
    const handle = await bed.env.client.workflow.start(sourceConnection, {
      taskQueue: bed.taskQueue,
      workflowId: `intercom-source-proj-${connectionId}`,
      args: [{ connectionId, amplitudeProjectId: `proj-${connectionId}`, ...extra }],
    });
    started.push(handle);
    return handle;
  }

  const status = (handle: WorkflowHandle) => handle.query(statusQuery);
  const until = (handle: WorkflowHandle, check: (s: SourceLifecycle) => boolean, what: string) =>
    queryUntil(handle, statusQuery, check, what, { timeoutMs: 10_000 });
  const lastPublished = () => published[published.length - 1];
  const untilPublished = (status: string, deliveryState: DeliveryState) =>
    eventually(() => expect(lastPublished()).toEqual({ status, deliveryState }));

  /** Authorized, configured, first event delivered: Connected. */
  async function toStreaming(handle: WorkflowHandle) {
    await handle.signal(authorizedSignal, { workspaceId: 'ws-1' });
    await until(handle, (s) => s.phase === 'configuring', 'configuring');
    await handle.executeUpdate(configureUpdate, { args: [{ identityMapping: 'email' }] });
    await handle.signal(deliveryEventSignal, { kind: 'delivered' });
    await untilPublished('Connected', 'active');
    return status(handle);
  }

  it('goes authorizing → configuring → listening → streaming, publishing each status, then disconnects', async () => {
    const handle = await start();
    await untilPublished('Authorizing', 'held');
    expect((await status(handle)).phase).toBe('authorizing');

    await handle.signal(authorizedSignal, { workspaceId: 'ws-1' });
    const configuring = await until(handle, (s) => s.phase === 'configuring', 'configuring');
    expect(configuring.workspaceId).toBe('ws-1');
    await untilPublished('Configuring', 'held');

    // The update answers once the new status is published: delivery may start right after.
    const settings = await handle.executeUpdate(configureUpdate, { args: [{ identityMapping: 'email' }] });
    expect(settings).toEqual({ identityMapping: 'email' });
    expect(saved).toEqual([{ identityMapping: 'email' }]);
    expect(lastPublished()).toEqual({ status: 'Listening', deliveryState: 'active' });
    const listening = await status(handle);
    expect(listening).toMatchObject({ phase: 'listening', status: 'Listening' });
    // The daily token check is scheduled from the moment the connection listens.
    expect(Date.parse(listening.nextHealthCheckAt!)).toBeGreaterThan((await bed.env.currentTimeMs()) + DAY_MS - 60_000);

    // A bad patch is refused by the validator, before anything is saved.
    await expect(
      handle.executeUpdate(configureUpdate, { args: [{ identityMapping: 'phone' } as never] }),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/identityMapping must be/) } });
    expect(saved).toHaveLength(1);

    const deliveredAt = await bed.env.currentTimeMs();
    await handle.signal(deliveryEventSignal, { kind: 'delivered' });
    const streaming = await until(handle, (s) => s.phase === 'streaming', 'streaming');
    expect(streaming.status).toBe('Connected');
    expect(Date.parse(streaming.connectedAt!)).toBeGreaterThanOrEqual(deliveredAt - 1_000);
    await untilPublished('Connected', 'active');

    await handle.signal(disconnectSignal, {});
    expect(await handle.result()).toEqual({ status: 'Disconnected', reason: 'operator' });
    // Delivery first takes what was accepted (status Disconnected, still active), then the token is forgotten.
    expect(drained).toEqual([{ timeoutMs: 60_000 }]);
    expect(disconnected).toEqual([{ tokenRejected: false }]);
    expect(published).toEqual([
      { status: 'Authorizing', deliveryState: 'held' },
      { status: 'Configuring', deliveryState: 'held' },
      { status: 'Listening', deliveryState: 'active' },
      { status: 'Connected', deliveryState: 'active' },
      { status: 'Disconnected', deliveryState: 'active' },
      { status: 'Disconnected', deliveryState: 'held' },
    ]);
    expect(await status(handle)).toMatchObject({ phase: 'disconnected', disconnectReason: 'operator' });
  });

  it('a start as createSource makes (Authorizing written, form 2): one status write, as a local activity, with the workspace in the same upsert', async () => {
    const handle = await bed.env.client.workflow.start(sourceConnection, {
      taskQueue: bed.taskQueue,
      workflowId: `intercom-source-proj-${connectionId}`,
      args: [
        {
          connectionId,
          amplitudeProjectId: `proj-${connectionId}`,
          settings: { identityMapping: 'user_id' },
          published: { status: 'Authorizing', deliveryState: 'held' },
          historyForm: HISTORY_FORM,
        },
      ],
      typedSearchAttributes: [
        { key: ProviderKey, value: 'intercom-source' },
        { key: AmplitudeProjectKey, value: `proj-${connectionId}` },
        { key: ConnectionStatusKey, value: 'Authorizing' },
      ],
    });
    started.push(handle);
    await until(handle, (s) => s.phase === 'authorizing', 'authorizing');
    await handle.signal(authorizedSignal, { workspaceId: 'ws-1' });
    await untilPublished('Listening', 'active');
    expect(published).toEqual([{ status: 'Listening', deliveryState: 'active' }]);
    // The start's search attributes are not set again; the workspace and the new status are, in one upsert.
    const events = (await handle.fetchHistory()).events!;
    const keys = events
      .filter((e) => e.upsertWorkflowSearchAttributesEventAttributes)
      .map((e) =>
        Object.keys(e.upsertWorkflowSearchAttributesEventAttributes!.searchAttributes!.indexedFields!).sort(),
      );
    expect(keys).toEqual([['ConnectionStatus', 'IntercomWorkspace']]);
    // The status write ran as a local activity (a marker), not as an activity task of its own.
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([]);
    expect(events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toHaveLength(1);
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(IntercomWorkspaceKey)).toBe('ws-1');
    expect(described.typedSearchAttributes.get(ConnectionStatusKey)).toBe('Listening');
  });

  it('holds delivery while paused or in error, resumes, and a disconnect while held drains nothing', async () => {
    const handle = await start();
    await toStreaming(handle);

    await handle.signal(pauseSignal);
    await untilPublished('Paused', 'held');
    await handle.signal(resumeSignal);
    await untilPublished('Connected', 'active');

    await handle.signal(deliveryEventSignal, {
      kind: 'fatal',
      reason: 'amplitude_key_rejected',
      message: 'invalid api key',
    });
    await untilPublished('Error', 'held');
    const inError = await status(handle);
    expect(inError.error).toMatchObject({ reason: 'amplitude_key_rejected', message: 'invalid api key' });
    // Resuming does not clear an error: only new credentials do.
    await handle.signal(resumeSignal);
    await handle.signal(credentialsChangedSignal);
    await untilPublished('Connected', 'active');
    expect((await status(handle)).error).toBeUndefined();

    await handle.signal(pauseSignal);
    await untilPublished('Paused', 'held');
    await handle.signal(disconnectSignal, {});
    expect(await handle.result()).toEqual({ status: 'Disconnected', reason: 'operator' });
    expect(drained).toEqual([]);
    expect(disconnected).toEqual([{ tokenRejected: false }]);
    expect(lastPublished()).toEqual({ status: 'Disconnected', deliveryState: 'held' });
  });

  it('a resume that arrives while the pause is written, as the run continues as new, leaves Postgres showing Connected', async () => {
    // Temporal refuses a task's completion that continues as new when a signal came in meanwhile, and the retried
    // task sees pause and resume at once (nothing to publish). A write made inside the refused task (a local
    // activity) would stay behind: Postgres would hold a resumed source as Paused, its events undelivered.
    const handle = await start({ historyForm: HISTORY_FORM });
    const signalled = new Set<string>();
    const publish = bed.activities.publishConnectionState;
    bed.mock({
      ...bed.activities,
      publishConnectionState: async (input) => {
        await publish(input);
        if (input.connectionId !== connectionId) return;
        // Both arrive while Connected is written, so the next task sees them together: pause, and a long history.
        if (input.status === 'Connected' && !signalled.has('pause')) {
          signalled.add('pause');
          await handle.signal(pauseSignal);
          await handle.signal(suggestContinueAsNewSignal);
        }
        // The resume comes while Paused is written, before the task that wrote it completes.
        if (input.status === 'Paused' && !signalled.has('resume')) {
          signalled.add('resume');
          await handle.signal(resumeSignal);
        }
      },
    });
    const firstRunId = (await handle.describe()).runId;
    await handle.signal(authorizedSignal, { workspaceId: 'ws-1' });
    await handle.executeUpdate(configureUpdate, { args: [{ identityMapping: 'email' }] });
    await handle.signal(deliveryEventSignal, { kind: 'delivered' });
    await eventually(async () => expect((await handle.describe()).runId).not.toBe(firstRunId));
    expect(signalled).toEqual(new Set(['pause', 'resume']));
    await untilPublished('Connected', 'active');
    expect(await status(handle)).toMatchObject({ phase: 'streaming', status: 'Connected' });
  });

  it('disconnected before authorization: nothing to drain, and no later signal revives it', async () => {
    const handle = await start();
    await untilPublished('Authorizing', 'held');
    await handle.signal(disconnectSignal, {});
    expect(await handle.result()).toEqual({ status: 'Disconnected', reason: 'operator' });
    expect(drained).toEqual([]);
    expect(disconnected).toEqual([{ tokenRejected: false }]);
    expect(published).toEqual([
      { status: 'Authorizing', deliveryState: 'held' },
      { status: 'Disconnected', deliveryState: 'held' },
    ]);
  });

  it('while disconnecting, refuses new settings and ignores a late authorization', async () => {
    let drainDone!: () => void;
    drainGate = new Promise<void>((resolve) => (drainDone = resolve));
    releases.push(drainDone);
    const handle = await start();
    await toStreaming(handle);
    await handle.signal(disconnectSignal, {});
    await eventually(() => expect(drained).toHaveLength(1));
    expect(await status(handle)).toMatchObject({ phase: 'disconnecting', status: 'Disconnected' });

    await expect(
      handle.executeUpdate(configureUpdate, { args: [{ eventNaming: 'normalized' }] }),
    ).rejects.toMatchObject({ cause: { message: 'the connection is disconnecting' } });
    await handle.signal(authorizedSignal, { workspaceId: 'ws-other' });
    expect(await status(handle)).toMatchObject({ workspaceId: 'ws-1', settings: { identityMapping: 'email' } });

    drainDone();
    expect(await handle.result()).toEqual({ status: 'Disconnected', reason: 'operator' });
    expect(saved).toEqual([{ identityMapping: 'email' }]);
    expect(disconnected).toEqual([{ tokenRejected: false }]);
  });

  it('starts where a moved run was (resume input): streaming and paused', async () => {
    const handle = await start({
      settings: { identityMapping: 'user_id' },
      resume: { workspaceId: 'ws-9', connected: true, paused: true },
    });
    await untilPublished('Paused', 'held');
    expect(await status(handle)).toMatchObject({ phase: 'streaming', workspaceId: 'ws-9', status: 'Paused' });
    expect(published).toHaveLength(1);
  });

  it('an uninstall notice Intercom confirms disconnects without uninstalling (the token is already rejected)', async () => {
    const handle = await start();
    await toStreaming(handle);
    verdicts.push('revoked');
    await handle.signal(uninstallReportedSignal);
    expect(await handle.result()).toEqual({ status: 'Disconnected', reason: 'intercom_uninstall' });
    expect(checks).toHaveLength(1);
    expect(drained).toHaveLength(1);
    expect(disconnected).toEqual([{ tokenRejected: true }]);
    expect((await status(handle)).disconnectReason).toBe('intercom_uninstall');
  });

  it('an uninstall notice the token disproves is ignored, and notices are checked at most once per 10 s', async () => {
    const handle = await start();
    await toStreaming(handle);
    await handle.signal(uninstallReportedSignal);
    await eventually(() => expect(checks).toHaveLength(1));
    const ignored = await until(handle, (s) => !!s.lastError, 'the ignored notice');
    expect(ignored.lastError!.message).toBe('uninstall notice ignored: the workspace token still works');
    expect(ignored.status).toBe('Connected');

    // A burst of (unsigned, forgeable) notices costs one more check, 10 s after the last one.
    await handle.signal(uninstallReportedSignal);
    await handle.signal(uninstallReportedSignal);
    await bed.env.sleep(8_000);
    expect(checks).toHaveLength(1);
    await bed.env.sleep(3_000);
    await eventually(() => expect(checks).toHaveLength(2));
    // (Measured as the activities ran, a little after the workflow noted each check.)
    expect(checks[1]! - checks[0]!).toBeGreaterThan(9_500);
    expect(checks[1]! - checks[0]!).toBeLessThan(12_000);
    await bed.env.sleep(60_000);
    expect(checks).toHaveLength(2);
    expect(disconnected).toEqual([]);
  });

  it('an uninstall notice that cannot be checked (Intercom not answering) changes nothing after the retries', async () => {
    const handle = await start();
    await toStreaming(handle);
    const unavailable = () => {
      throw ApplicationFailure.retryable('Intercom answered 503', 'IntercomUnavailable');
    };
    verdicts.push(unavailable, unavailable, unavailable, unavailable, unavailable, unavailable, 'revoked');
    await handle.signal(uninstallReportedSignal);
    // 6 attempts, 2 s doubling up to 1 min apart: all within 2 minutes of workflow time.
    await bed.env.sleep(3 * 60_000);
    const after = await until(handle, (s) => !!s.lastError, 'the failed check');
    expect(checks).toHaveLength(6);
    expect(checks[5]! - checks[0]!).toBeGreaterThanOrEqual(2_000 + 4_000 + 8_000 + 16_000 + 32_000);
    expect(after.lastError!.message).toMatch(/^uninstall notice: could not reach Intercom to check the token/);
    expect(after.status).toBe('Connected');
    expect(disconnected).toEqual([]);
  });

  it('checks the token daily; a revoked token found by the check disconnects (uninstalled in Intercom)', async () => {
    const handle = await start();
    const listening = await toStreaming(handle);
    const firstCheckAt = Date.parse(listening.nextHealthCheckAt!);

    await bed.env.sleep(DAY_MS - 5 * 60_000);
    expect(checks).toEqual([]);
    await bed.env.sleep(10 * 60_000);
    await eventually(() => expect(checks).toHaveLength(1));
    expect(checks[0]!).toBeGreaterThanOrEqual(firstCheckAt);
    // A valid token says nothing; the next check is a day after this one.
    const next = await until(handle, (s) => Date.parse(s.nextHealthCheckAt!) > firstCheckAt, 'the next check');
    expect(Date.parse(next.nextHealthCheckAt!) - checks[0]!).toBeGreaterThanOrEqual(DAY_MS);
    expect(Date.parse(next.nextHealthCheckAt!) - checks[0]!).toBeLessThan(DAY_MS + 60_000);
    expect(next.lastError).toBeUndefined();

    verdicts.push('revoked');
    const result = handle.result(); // awaiting the result lets the server skip to the next check
    expect(await result).toEqual({ status: 'Disconnected', reason: 'uninstalled_in_intercom' });
    expect(checks).toHaveLength(2);
    expect(checks[1]! - checks[0]!).toBeGreaterThanOrEqual(DAY_MS);
    expect(disconnected).toEqual([{ tokenRejected: true }]);
  });

  it('takes the token check interval from its input', async () => {
    const handle = await start({ tokenCheckIntervalMs: 3_600_000 });
    await toStreaming(handle);
    await bed.env.sleep(3 * 3_600_000 + 60_000);
    await eventually(() => expect(checks).toHaveLength(3));
    expect(checks[1]! - checks[0]!).toBeGreaterThanOrEqual(3_600_000);
    expect(checks[2]! - checks[1]!).toBeGreaterThanOrEqual(3_600_000);
  });

  it('runs backfills one at a time in request order, none before authorization; a bad request is ignored', async () => {
    const releaseFirst = holdPages('2026-01-01T00:00:00.000Z');
    const handle = await start();
    await untilPublished('Authorizing', 'held');
    await handle.signal(backfillSignal, { since: '2026-01-01T00:00:00.000Z', until: '2026-02-01T00:00:00.000Z' });
    await handle.signal(backfillSignal, {
      since: '2026-03-01T00:00:00.000Z',
      until: '2026-04-01T00:00:00.000Z',
      objects: ['conversations'],
    });
    await handle.signal(backfillSignal, { since: '2026-05-01T00:00:00.000Z', until: '2026-04-01T00:00:00.000Z' });
    const queued = await until(handle, (s) => !!s.lastError, 'the bad request');
    expect(queued.lastError!.message).toBe('backfill request ignored: since must be before until');
    expect(queued.backfillsQueued).toBe(2);
    expect(pages).toEqual([]);

    await toStreaming(handle);
    await eventually(() => expect(pages).toHaveLength(1));
    const running = await until(handle, (s) => s.backfill?.status === 'running', 'the first backfill');
    expect(running.backfill!.workflowId).toBe(`${handle.workflowId}-backfill-1`);
    expect(running.backfillsQueued).toBe(1);
    expect(pages[0]).toMatchObject({ object: 'contacts', since: '2026-01-01T00:00:00.000Z' });

    releaseFirst();
    const done = await until(
      handle,
      (s) => s.backfill?.status === 'completed' && s.backfill.since === '2026-03-01T00:00:00.000Z',
      'the second backfill',
    );
    expect(done.backfillsQueued).toBe(0);
    expect(done.backfill!.objects).toEqual({ conversations: { scanned: 3, imported: 2, done: true } });
    expect(pages.map((p) => [p.since.slice(0, 7), p.object])).toEqual([
      ['2026-01', 'contacts'],
      ['2026-01', 'conversations'],
      ['2026-03', 'conversations'],
    ]);
    // (A query, not `result()`: awaiting the result of a finished workflow leaves the test server's clock unskippable.)
    const first = await bed.env.client.workflow
      .getHandle(`${handle.workflowId}-backfill-1`)
      .query(backfillProgressQuery);
    expect(first).toMatchObject({
      status: 'completed',
      objects: { contacts: { scanned: 3, imported: 2, done: true }, conversations: { done: true } },
    });
  });

  const continueAsNew = (handle: WorkflowHandle) => continueAsNewNow(bed, handle);

  it('continues as new while streaming, carrying status, settings, errors and the health timer', async () => {
    const handle = await start();
    await toStreaming(handle);
    await handle.executeUpdate(configureUpdate, { args: [{ eventNaming: 'normalized' }] });
    await handle.signal(backfillSignal, { since: 'yesterday', until: 'today' });
    await handle.signal(pauseSignal);
    await untilPublished('Paused', 'held');
    const before = await until(handle, (s) => !!s.lastError, 'the refused backfill');
    const publishedBefore = published.length;

    await continueAsNew(handle);
    const after = await status(handle);
    expect(after).toEqual(before);
    expect(after).toMatchObject({
      phase: 'streaming',
      status: 'Paused',
      settings: { identityMapping: 'email', eventNaming: 'normalized' },
      workspaceId: 'ws-1',
      lastError: { message: 'backfill request ignored: since and until must be ISO-8601 times' },
    });
    expect(after.connectedAt).toBeDefined();
    // What Postgres shows was carried too: the new run does not publish it again.
    expect(published).toHaveLength(publishedBefore);

    // The daily check keeps its time: due a day after listening began, not a day after the new run.
    await handle.signal(resumeSignal);
    await untilPublished('Connected', 'active');
    // The new run records form 2, which writes a status past onboarding as an activity task, as form 1 did: a
    // status written by a local activity in a task Temporal refuses would stay in Postgres (see the resume test).
    const history = (await handle.fetchHistory()).events!;
    const scheduled = history.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
    expect(scheduled).toContain('publishConnectionState');
    expect(history.some((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toBe(false);
    const dueAt = Date.parse(before.nextHealthCheckAt!);
    await bed.env.sleep(dueAt - (await bed.env.currentTimeMs()) - 60_000);
    expect(checks).toEqual([]);
    await bed.env.sleep(2 * 60_000);
    await eventually(() => expect(checks).toHaveLength(1));
    expect(checks[0]!).toBeGreaterThanOrEqual(dueAt);
    expect(checks[0]!).toBeLessThan(dueAt + 60_000);
  });

  it('continues as new while waiting, carrying the workspace and the backfill queue', async () => {
    const handle = await start();
    await untilPublished('Authorizing', 'held');
    await continueAsNew(handle);
    await handle.signal(authorizedSignal, { workspaceId: 'ws-1' });
    await until(handle, (s) => s.phase === 'configuring', 'configuring');
    await handle.signal(backfillSignal, { since: '2026-01-01T00:00:00.000Z', until: '2026-02-01T00:00:00.000Z' });
    await handle.signal(backfillSignal, { since: '2026-03-01T00:00:00.000Z', until: '2026-04-01T00:00:00.000Z' });
    await until(handle, (s) => s.backfillsQueued === 2, 'two queued backfills');

    await continueAsNew(handle);
    expect(await status(handle)).toMatchObject({ phase: 'configuring', workspaceId: 'ws-1', backfillsQueued: 2 });
    await handle.executeUpdate(configureUpdate, { args: [{ identityMapping: 'user_id' }] });
    const done = await until(
      handle,
      (s) => s.backfill?.status === 'completed' && s.backfillsQueued === 0 && s.backfill.since.startsWith('2026-03'),
      'both backfills',
    );
    expect(done.backfill!.workflowId).toBe(`${handle.workflowId}-backfill-2`);
    expect(pages.map((p) => p.since.slice(0, 7))).toEqual(['2026-01', '2026-01', '2026-03', '2026-03']);
    // Each status was published once, across the three runs.
    expect(published).toEqual([
      { status: 'Authorizing', deliveryState: 'held' },
      { status: 'Configuring', deliveryState: 'held' },
      { status: 'Listening', deliveryState: 'active' },
    ]);
  });

  // Last in this file: the time-skipping test server stops skipping time for good once an activity is still
  // running when its workflow closes (the cancelled backfill's page, answered after the test), so the two
  // tests below sleep no more, and no test after them may.
  it('continues as new while a backfill runs: the backfill reports to the new run, which starts the next', async () => {
    const releaseFirst = holdPages('2026-01-01T00:00:00.000Z');
    const handle = await start();
    await toStreaming(handle);
    await handle.signal(backfillSignal, { since: '2026-01-01T00:00:00.000Z', until: '2026-02-01T00:00:00.000Z' });
    await handle.signal(backfillSignal, { since: '2026-03-01T00:00:00.000Z', until: '2026-04-01T00:00:00.000Z' });
    const before = await until(handle, (s) => s.backfill?.status === 'running', 'a running backfill');

    await continueAsNew(handle);
    expect(await status(handle)).toEqual(before);
    releaseFirst();
    const second = await until(
      handle,
      (s) => s.backfill?.status === 'completed' && s.backfill.since.startsWith('2026-03'),
      'the queued backfill on the new run',
    );
    // The count of started backfills was carried: the next child has a new id.
    expect(second.backfill!.workflowId).toBe(`${handle.workflowId}-backfill-2`);
    expect(second.backfillsQueued).toBe(0);
    // (A query, not `result()`: awaiting the result of a finished workflow leaves the test server's clock unskippable.)
    const first = await bed.env.client.workflow.getHandle(`${handle.workflowId}-backfill-1`).describe();
    expect(first.status.name).toBe('COMPLETED');
  });

  it('a disconnect cancels the running backfill and drops the queued ones', async () => {
    holdPages('2026-01-01T00:00:00.000Z'); // not answered before the disconnect
    const handle = await start();
    await toStreaming(handle);
    await handle.signal(backfillSignal, { since: '2026-01-01T00:00:00.000Z', until: '2026-02-01T00:00:00.000Z' });
    await handle.signal(backfillSignal, { since: '2026-03-01T00:00:00.000Z', until: '2026-04-01T00:00:00.000Z' });
    await until(handle, (s) => s.backfill?.status === 'running' && s.backfillsQueued === 1, 'a running backfill');

    await handle.signal(disconnectSignal, {});
    expect(await handle.result()).toEqual({ status: 'Disconnected', reason: 'operator' });
    const final = await status(handle);
    expect(final.backfill).toMatchObject({ status: 'failed', error: 'cancelled: the connection was disconnected' });
    expect(final.backfillsQueued).toBe(0);
    const child = await bed.env.client.workflow.getHandle(`${handle.workflowId}-backfill-1`).describe();
    expect(child.status.name).toBe('CANCELLED');
    expect(pages).toHaveLength(1);
  });
});
