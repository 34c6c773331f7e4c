import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BackfillPageInput, BackfillPageResult } from '../../../activities/backfill';
import { FAILURE_TYPES } from '../../../src/outcomes';
import { eventually as eventuallyWithin } from '../../../testkit/eventually';
import { endWorkflows, startWorkflowTestBed, type WorkflowTestBed } from '../../../testkit/workflow-test-bed';
import type { BackfillProgress } from '../../../workflows/backfill-messages';
import { backfillProgressQuery, intercomSourceBackfill } from '../../../workflows/intercom-source-backfill';
import { sourceConnection, statusQuery } from '../../../workflows/source-connection';

/** Within 10 s of real time: these waits are for the worker, not for workflow time. */
const eventually = <T>(check: () => Promise<T> | T) => eventuallyWithin(check, { timeoutMs: 10_000 });

/**
 * The backfill child on the time-skipping test server with a mocked page activity: it pages each object kind
 * following the cursors, keeps its parent (a real source connection workflow, left authorizing) informed after
 * every page, retries what may pass and stops on what cannot.
 */
interface PageCall {
  input: BackfillPageInput;
  at: number;
  attempt: number;
}

describe('intercomSourceBackfill workflow', () => {
  let bed: WorkflowTestBed<{
    backfillPage: (input: BackfillPageInput) => Promise<BackfillPageResult>;
    publishConnectionState: (input: unknown) => Promise<void>;
  }>;
  let calls: PageCall[];
  /** The pages each object kind answers, in order; a function may throw or wait. */
  let script: Record<string, Array<() => Promise<BackfillPageResult> | BackfillPageResult>>;
  let started: WorkflowHandle[];
  let connectionId: string;
  let counter = 0;

  beforeAll(async () => {
    bed = await startWorkflowTestBed({
      backfillPage: async (_input: BackfillPageInput): Promise<BackfillPageResult> => ({
        done: true,
        scanned: 0,
        imported: 0,
      }),
      publishConnectionState: async (_input: unknown) => {},
    });
  });
  afterAll(async () => {
    await bed?.stop();
  });
  afterEach(async () => {
    await endWorkflows(bed, started);
  });
  beforeEach(() => {
    calls = [];
    script = {};
    started = [];
    connectionId = `bf-${++counter}`;
    bed.mock({
      publishConnectionState: async () => {},
      backfillPage: async (input) => {
        if (input.connectionId !== connectionId) return { done: true, scanned: 0, imported: 0 };
        calls.push({ input, at: await bed.env.currentTimeMs(), attempt: Context.current().info.attempt });
        const next = script[input.object]?.shift();
        if (!next) throw new Error(`no page scripted for ${input.object}`);
        return next();
      },
    });
  });

  /** The parent: a source connection waiting for authorization, which records the progress it is sent. */
  async function startWithParent(objects: Array<'contacts' | 'conversations'>) {
    const parent = await bed.env.client.workflow.start(sourceConnection, {
      taskQueue: bed.taskQueue,
      workflowId: `intercom-source-proj-${connectionId}`,
      args: [{ connectionId, amplitudeProjectId: `proj-${connectionId}` }],
    });
    const child = await bed.env.client.workflow.start(intercomSourceBackfill, {
      taskQueue: bed.taskQueue,
      workflowId: `${parent.workflowId}-backfill-1`,
      args: [
        {
          connectionId,
          parentWorkflowId: parent.workflowId,
          since: '2026-01-01T00:00:00.000Z',
          until: '2026-02-01T00:00:00.000Z',
          objects,
        },
      ],
    });
    started.push(parent, child);
    return { parent, child };
  }

  const page = (scanned: number, imported: number, cursor?: string): BackfillPageResult => ({
    scanned,
    imported,
    cursor,
    done: cursor === undefined,
  });

  it('retries a page Intercom could not serve, on the 2 s doubling backoff', async () => {
    const unavailable = () => {
      throw ApplicationFailure.retryable('Intercom answered 503', FAILURE_TYPES.retryAfter);
    };
    script.contacts = [unavailable, unavailable, () => page(3, 3)];
    const { child } = await startWithParent(['contacts']);
    expect((await child.result()).status).toBe('completed');
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(2_000);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(4_000);
    expect(calls[2]!.at - calls[0]!.at).toBeLessThan(60_000);
  });

  it('pages each object kind along its cursors, reporting to the parent after every page', async () => {
    let releaseSecond!: () => void;
    const second = new Promise<void>((resolve) => (releaseSecond = resolve));
    script.contacts = [
      () => page(150, 140, 'c-1'),
      async () => {
        await second;
        return page(20, 5);
      },
    ];
    script.conversations = [() => page(7, 7)];
    const { parent, child } = await startWithParent(['contacts', 'conversations']);

    // Mid-way: the first page is counted, in the child and in what the parent shows.
    await eventually(() => expect(calls).toHaveLength(2));
    const midway: Partial<BackfillProgress> = {
      status: 'running',
      objects: {
        contacts: { scanned: 150, imported: 140, done: false },
        conversations: { scanned: 0, imported: 0, done: false },
      },
    };
    expect(await child.query(backfillProgressQuery)).toMatchObject(midway);
    await eventually(async () => expect((await parent.query(statusQuery)).backfill).toMatchObject(midway));

    releaseSecond();
    // (Polled, not `result()`: awaiting the result of a workflow that already finished leaves the test server's
    // clock unskippable for the tests after.)
    const result = await eventually(async () => {
      const progress = await child.query(backfillProgressQuery);
      if (progress.status === 'running') throw new Error('still running');
      return progress;
    });
    expect(result).toEqual({
      status: 'completed',
      since: '2026-01-01T00:00:00.000Z',
      until: '2026-02-01T00:00:00.000Z',
      objects: {
        contacts: { scanned: 170, imported: 145, done: true },
        conversations: { scanned: 7, imported: 7, done: true },
      },
    });
    expect(calls.map((c) => [c.input.object, c.input.cursor])).toEqual([
      ['contacts', undefined],
      ['contacts', 'c-1'],
      ['conversations', undefined],
    ]);
    expect(calls.every((c) => c.input.since === '2026-01-01T00:00:00.000Z')).toBe(true);
    await eventually(async () => expect((await parent.query(statusQuery)).backfill).toMatchObject(result));
    // One report per page plus the final one; no doorbell to the parent (the page activity rings the shard).
    const signals = ((await parent.fetchHistory()).events ?? [])
      .map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)
      .filter(Boolean);
    expect(signals).toEqual(['backfillProgress', 'backfillProgress', 'backfillProgress', 'backfillProgress']);
  });

  it('stops at a failure trying again cannot mend (a revoked token), reporting it to the parent', async () => {
    script.contacts = [
      () => page(10, 10, 'c-1'),
      () => {
        throw ApplicationFailure.retryable('the connection is not authorized with Intercom', FAILURE_TYPES.authRevoked);
      },
    ];
    script.conversations = [() => page(1, 1)];
    const { parent, child } = await startWithParent(['contacts', 'conversations']);
    const result = await child.result();
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/Activity task failed/);
    expect(result.objects.contacts).toEqual({ scanned: 10, imported: 10, done: false });
    // No retry of the rejected page, and the next object kind is not started.
    expect(calls.map((c) => [c.input.object, c.attempt])).toEqual([
      ['contacts', 1],
      ['contacts', 1],
    ]);
    await eventually(async () =>
      expect((await parent.query(statusQuery)).backfill).toMatchObject({ status: 'failed', error: result.error }),
    );
  });
});
