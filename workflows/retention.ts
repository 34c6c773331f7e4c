import { proxyActivities } from '@temporalio/workflow';
import type { PruneResult, createRetentionActivities } from '../activities/retention';

const { pruneFinishedRows } = proxyActivities<ReturnType<typeof createRetentionActivities>>({
  // Deletes go in bounded batches and heartbeat between them: a long prune is alive as long as it beats.
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: { maximumInterval: '5 minutes' },
});

/** Prunes finished inbox/outbox rows after the retention age; run daily by a Temporal schedule. */
export async function retention(input: { retentionDays: number; batchSize?: number }): Promise<PruneResult> {
  return pruneFinishedRows(input);
}

export const RETENTION_SCHEDULE_ID = 'connector-retention-daily';
