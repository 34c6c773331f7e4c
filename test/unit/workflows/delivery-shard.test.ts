import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DrainReport } from '../../../src/delivery/drain';
import { eventually as eventuallyWithin } from '../../../testkit/eventually';
import { suggestContinueAsNewSignal } from '../../../testkit/continue-as-new-suggestion';
import {
  endWorkflows,
  startWorkflowTestBed,
  timersStarted,
  type WorkflowTestBed,
} from '../../../testkit/workflow-test-bed';
import { eventsAvailableSignal } from '../../../workflows/connection-signals';
import { deliveryShard, type DeliveryShardInput } from '../../../workflows/delivery-shard';

/** Within 10 s of real time: these waits are for the worker, not for workflow time. */
const eventually = <T>(check: () => Promise<T> | T) => eventuallyWithin(check, { timeoutMs: 10_000 });

/**
 * The delivery shard's loop on the time-skipping test server with a mocked drain: it looks once on start,
 * coalesces doorbells, idles with a safety check every 10 minutes, sleeps until the first scheduled row is
 * due, backs off after a failed drain and continues as new when the history is long.
 */
interface DrainCall {
  input: DeliveryShardInput;
  /** Server time when the attempt ran (it only moves when the test lets it skip). */
  at: number;
  attempt: number;
  runId: string;
}

const IDLE_CHECK_MS = 10 * 60_000;

describe('deliveryShard workflow', () => {
  let bed: WorkflowTestBed<{ drainShard: (input: DeliveryShardInput) => Promise<DrainReport> }>;
  let calls: DrainCall[];
  /** What the next drains answer, in order; after the last, an idle report. */
  let answers: Array<(call: DrainCall) => Promise<DrainReport> | DrainReport>;
  let shardNumber = 0;
  let current: WorkflowHandle | undefined;
  /** Lets a held drain answer. */
  let release: (() => void) | undefined;

  const idle = (): DrainReport => ({ processed: 0, delivered: 0, busy: false });

  beforeAll(async () => {
    bed = await startWorkflowTestBed({
      drainShard: async (_input: DeliveryShardInput): Promise<DrainReport> => idle(),
    });
  });
  afterAll(async () => {
    await bed?.stop();
  });
  afterEach(async () => {
    release?.();
    release = undefined;
    if (current) await endWorkflows(bed, [current]);
    current = undefined;
  });
  beforeEach(() => {
    calls = [];
    answers = [];
    bed.mock({
      drainShard: async (input) => {
        const info = Context.current().info;
        // A shard of an earlier (failed) test may still run: only this test's shard is recorded.
        if (info.workflowExecution?.workflowId !== current?.workflowId) return idle();
        const call: DrainCall = {
          input,
          at: await bed.env.currentTimeMs(),
          attempt: info.attempt,
          runId: info.workflowExecution!.runId,
        };
        calls.push(call);
        const answer = answers.shift();
        return answer ? answer(call) : idle();
      },
    });
  });

  async function startShard() {
    const input: DeliveryShardInput = { lane: 'amplitude', shard: ++shardNumber };
    const handle = await bed.env.client.workflow.start(deliveryShard, {
      taskQueue: bed.taskQueue,
      workflowId: `test.delivery.amplitude.${shardNumber}`,
      args: [input],
    });
    current = handle;
    return { input, handle };
  }

  const drains = (count: number) => eventually(() => expect(calls).toHaveLength(count));

  it('drains once on start, then idles with a check every 10 minutes', async () => {
    const { input, handle } = await startShard();
    await drains(1);
    expect(calls[0]!.input).toEqual(input);
    const started = calls[0]!.at;

    await bed.env.sleep(IDLE_CHECK_MS - 5_000);
    expect(calls).toHaveLength(1);
    await bed.env.sleep(10_000);
    await drains(2);
    expect(calls[1]!.at - started).toBeGreaterThanOrEqual(IDLE_CHECK_MS);
    expect(calls[1]!.at - started).toBeLessThan(IDLE_CHECK_MS + 2_000);
    await eventually(async () => expect(await timersStarted(handle)).toEqual([IDLE_CHECK_MS, IDLE_CHECK_MS]));
  });

  it('coalesces the doorbells rung during a drain into one more drain', async () => {
    const held = new Promise<void>((resolve) => (release = resolve));
    answers.push(async () => {
      await held;
      return idle();
    });
    const { handle } = await startShard();
    await drains(1);
    await handle.signal(eventsAvailableSignal);
    await handle.signal(eventsAvailableSignal);
    await handle.signal(eventsAvailableSignal);
    release!();
    await drains(2);
    // One drain took all three rings: the next look is the idle check, 10 minutes on.
    await bed.env.sleep(IDLE_CHECK_MS - 5_000);
    expect(calls).toHaveLength(2);
    // A doorbell while idle wakes it at once.
    await handle.signal(eventsAvailableSignal);
    await drains(3);
    expect(calls[2]!.at - calls[1]!.at).toBeLessThan(IDLE_CHECK_MS);
  });

  it('drains again at once while a drain ends busy', async () => {
    answers.push(() => ({ ...idle(), processed: 500, busy: true }));
    answers.push(() => ({ ...idle(), processed: 500, busy: true }));
    const { handle } = await startShard();
    await drains(3);
    await bed.env.sleep(IDLE_CHECK_MS - 5_000);
    expect(calls).toHaveLength(3);
    // No wait between the drains: the only timer is the idle check after the third.
    expect(await timersStarted(handle)).toEqual([IDLE_CHECK_MS]);
  });

  it('sleeps until the first scheduled row is due (retries, parked events), not the idle check', async () => {
    const dueIn = 90_000;
    answers.push((call) => ({ ...idle(), nextDueAt: call.at + dueIn }));
    // A due time already passed still waits a little (250 ms), so a stale report cannot spin the loop.
    answers.push((call) => ({ ...idle(), nextDueAt: call.at - 60_000 }));
    const { handle } = await startShard();
    await drains(1);
    await bed.env.sleep(dueIn - 5_000);
    expect(calls).toHaveLength(1);
    await bed.env.sleep(8_000);
    await drains(3);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(dueIn);
    expect(calls[1]!.at - calls[0]!.at).toBeLessThan(dueIn + 3_000);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(250);
    expect(calls[2]!.at - calls[1]!.at).toBeLessThan(IDLE_CHECK_MS);
    // Nothing scheduled any more: back to the idle check.
    await bed.env.sleep(IDLE_CHECK_MS - 5_000);
    expect(calls).toHaveLength(3);
    const [untilDue, floor, idleCheck] = await timersStarted(handle);
    expect(untilDue).toBeGreaterThan(dueIn - 5_000);
    expect(untilDue).toBeLessThanOrEqual(dueIn);
    expect([floor, idleCheck]).toEqual([250, IDLE_CHECK_MS]);
  });

  it('retries a crashed drain within a second, and backs off 5 s after a drain that fails for good', async () => {
    answers.push(() => {
      throw new Error('worker lost its database connection');
    });
    answers.push(() => {
      throw ApplicationFailure.nonRetryable('drain gave up', 'TestFailure');
    });
    const { handle } = await startShard();
    await drains(1);
    await bed.env.sleep(1_500);
    await drains(2);
    expect(calls[1]!.attempt).toBe(2);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(1_000);
    expect(calls[1]!.at - calls[0]!.at).toBeLessThan(2_000);
    await bed.env.sleep(3_000);
    expect(calls).toHaveLength(2);
    await bed.env.sleep(3_000);
    await drains(3);
    expect(calls[2]!.attempt).toBe(1);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(5_000);
    expect(calls[2]!.at - calls[1]!.at).toBeLessThan(7_000);
    // The retry is the activity's own policy; the back-off is the workflow's one timer before its idle wait.
    await eventually(async () => expect(await timersStarted(handle)).toEqual([5_000, IDLE_CHECK_MS]));
  });

  it('continues as new with the same input when the history is long, and looks again on the new run', async () => {
    const { input, handle } = await startShard();
    await drains(1);
    await handle.signal(suggestContinueAsNewSignal);
    await drains(2);
    expect(calls[1]!.input).toEqual(input);
    expect(calls[1]!.runId).not.toBe(calls[0]!.runId);
    const described = await handle.describe();
    expect(described.runId).toBe(calls[1]!.runId);
    expect(described.status.name).toBe('RUNNING');
    const firstRun = bed.env.client.workflow.getHandle(handle.workflowId, calls[0]!.runId);
    expect((await firstRun.describe()).status.name).toBe('CONTINUED_AS_NEW');
    // The new run idles like the first.
    await bed.env.sleep(IDLE_CHECK_MS - 5_000);
    expect(calls).toHaveLength(2);
  });
});
