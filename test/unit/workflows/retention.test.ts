import { Context } from '@temporalio/activity';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PruneResult } from '../../../activities/retention';
import { startWorkflowTestBed, type WorkflowTestBed } from '../../../testkit/workflow-test-bed';
import { retention } from '../../../workflows/retention';

/**
 * The daily retention run on the time-skipping test server with mocked activities: it prunes with its input, then
 * expires overdue pending rows, returns both counts, and retries a failed prune on a backoff that grows to 5
 * minutes. The deletes themselves are tested against Postgres (test/integration/).
 */
type PruneInput = { retentionDays: number; batchSize?: number };

const pruned: PruneResult = {
  sourceRows: 10,
  destinationRows: 20,
  oauthStates: 1,
  identityCache: 2,
  sentEventLedger: 3,
  identityMemory: 4,
  identifyHashes: 5,
  cohortResyncs: 6,
};
const expired = { sourceRows: 7, destinationRows: 8 };

describe('retention workflow', () => {
  let bed: WorkflowTestBed<{
    pruneFinishedRows: (input: PruneInput) => Promise<PruneResult>;
    expireOverduePending: (input: { batchSize?: number }) => Promise<typeof expired>;
  }>;
  let calls: Array<{ input: PruneInput; at: number; attempt: number }>;
  let expiries: Array<{ batchSize?: number; afterPrunes: number }>;
  let failures: number;
  let runs = 0;

  beforeAll(async () => {
    bed = await startWorkflowTestBed({
      pruneFinishedRows: async (_input: PruneInput) => pruned,
      expireOverduePending: async (_input: { batchSize?: number }) => expired,
    });
  });
  afterAll(async () => {
    await bed?.stop();
  });
  beforeEach(() => {
    calls = [];
    expiries = [];
    failures = 0;
    bed.mock({
      pruneFinishedRows: async (input) => {
        calls.push({ input, at: await bed.env.currentTimeMs(), attempt: Context.current().info.attempt });
        if (calls.length <= failures) throw new Error('canceling statement due to lock timeout');
        return pruned;
      },
      expireOverduePending: async (input) => {
        expiries.push({ ...input, afterPrunes: calls.length });
        return expired;
      },
    });
  });

  const run = (input: PruneInput) =>
    bed.env.client.workflow.execute(retention, {
      taskQueue: bed.taskQueue,
      workflowId: `connector-retention-test-${++runs}`,
      args: [input],
    });

  it('prunes with its input, then expires overdue pending rows, and returns both counts', async () => {
    expect(await run({ retentionDays: 30, batchSize: 500 })).toEqual({ ...pruned, expiredPending: expired });
    expect(calls.map((c) => c.input)).toEqual([{ retentionDays: 30, batchSize: 500 }]);
    // After the prune, in batches of the same size.
    expect(expiries).toEqual([{ batchSize: 500, afterPrunes: 1 }]);
  });

  it('retries a failed prune, the waits doubling from 1 s up to 5 minutes', async () => {
    failures = 12;
    expect(await run({ retentionDays: 7 })).toEqual({ ...pruned, expiredPending: expired });
    expect(expiries).toEqual([{ afterPrunes: 13 }]);
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    const waits = calls.slice(1).map((c, i) => c.at - calls[i]!.at);
    // 1, 2, 4 … 256 s, then capped at 300 s (the scheduling of each attempt adds a few ms).
    const expected = [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300].map((s) => s * 1_000);
    waits.forEach((wait, i) => {
      expect(wait).toBeGreaterThanOrEqual(expected[i]!);
      expect(wait).toBeLessThan(expected[i]! + 1_000);
    });
  });
});
