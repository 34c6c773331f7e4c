import { proxyActivities } from '@temporalio/workflow';
import type { PruneResult, createRetentionActivities } from '../activities/retention';

const { pruneFinishedRows, expireOverduePending } = proxyActivities<ReturnType<typeof createRetentionActivities>>({
  // Deletes go in bounded batches and heartbeat between them: a long prune is alive as long as it beats.
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: { maximumInterval: '5 minutes' },
});

/**
 * Run daily by a Temporal schedule: prunes finished inbox/outbox rows after the retention age, then expires
 * pending rows past DELIVERY_MAX_PENDING_AGE that no drain would (held by a paused or errored connection).
 */
export async function retention(input: {
  retentionDays: number;
  batchSize?: number;
}): Promise<PruneResult & { expiredPending: { sourceRows: number; destinationRows: number } }> {
  // After the prune: a run started by an earlier version (prune only) replays unchanged up to here.
  const pruned = await pruneFinishedRows(input);
  return { ...pruned, expiredPending: await expireOverduePending({ batchSize: input.batchSize }) };
}

export const RETENTION_SCHEDULE_ID = 'connector-retention-daily';
