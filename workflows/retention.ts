import { proxyActivities } from '@temporalio/workflow';
import type { PruneResult, createRetentionActivities } from '../activities/retention';

const { pruneFinishedRows } = proxyActivities<ReturnType<typeof createRetentionActivities>>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumInterval: '5 minutes' },
});

/** Prunes finished inbox/outbox rows after the retention age; run daily by a Temporal schedule. */
export async function retention(input: { retentionDays: number }): Promise<PruneResult> {
  return pruneFinishedRows(input);
}

export const RETENTION_SCHEDULE_ID = 'connector-retention-daily';
