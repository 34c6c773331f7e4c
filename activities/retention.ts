import { Context } from '@temporalio/activity';
import { sql, type SQL } from 'drizzle-orm';
import { queryRows } from '../src/db/client';
import type { Services } from '../src/runtime/services';
import { pruneIdentityMemory } from '../src/source/identity-memory';
import { pruneIdentifyHashes } from '../src/destination/identify-hashes';

export interface PruneResult {
  sourceRows: number;
  destinationRows: number;
  oauthStates: number;
  identityCache: number;
  sentEventLedger: number;
  identityMemory: number;
  identifyHashes: number;
  /** Member lists of resyncs applied (emptied when applied; the row says when and for which cohort). */
  cohortResyncs: number;
}

/** Rows deleted per statement when the worker's configuration does not say (RETENTION_BATCH_SIZE). */
const DEFAULT_BATCH_SIZE = 5_000;

export function createRetentionActivities({
  db,
  env,
}: Pick<Services, 'db'> & {
  env: Pick<Services['env'], 'RETENTION_BATCH_SIZE' | 'IDENTITY_MEMORY_MAX_PER_WORKSPACE'>;
}) {
  /**
   * Deletes the rows of `table` matching `where`, at most `batchSize` per statement (each its own short
   * transaction, so a month of backlog never holds long locks or one huge WAL burst), heartbeating in
   * between so a retried activity starts over where the last one stopped.
   */
  async function deleteInBatches(table: string, where: SQL, batchSize: number): Promise<number> {
    let total = 0;
    for (;;) {
      const [row] = await queryRows<{ n: number }>(
        db,
        sql`WITH doomed AS (SELECT ctid FROM ${sql.identifier(table)} WHERE ${where} LIMIT ${batchSize}),
                 deleted AS (DELETE FROM ${sql.identifier(table)} WHERE ctid IN (SELECT ctid FROM doomed) RETURNING 1)
            SELECT count(*)::int AS n FROM deleted`,
      );
      const deleted = row?.n ?? 0;
      total += deleted;
      heartbeat({ table, deleted: total });
      if (deleted < batchSize) return total;
    }
  }

  return {
    /** Deletes finished rows (delivered, dropped, skipped, expired) older than the retention age. Pending rows are never touched. */
    async pruneFinishedRows(input: { retentionDays: number; batchSize?: number }): Promise<PruneResult> {
      const batchSize = input.batchSize ?? env.RETENTION_BATCH_SIZE ?? DEFAULT_BATCH_SIZE;
      const cutoff = sql`now() - make_interval(days => ${input.retentionDays})`;
      return {
        sourceRows: await deleteInBatches('source_inbox', sql`status <> 'pending' AND done_at < ${cutoff}`, batchSize),
        destinationRows: await deleteInBatches(
          'destination_outbox',
          sql`status <> 'pending' AND done_at < ${cutoff}`,
          batchSize,
        ),
        oauthStates: await deleteInBatches('oauth_states', sql`expires_at < now() - interval '1 day'`, batchSize),
        identityCache: await deleteInBatches('identity_cache', sql`expires_at < now()`, batchSize),
        sentEventLedger: await deleteInBatches('intercom_sent_events', sql`sent_at < ${cutoff}`, batchSize),
        identityMemory: await pruneIdentityMemory(db, env.IDENTITY_MEMORY_MAX_PER_WORKSPACE),
        identifyHashes: await pruneIdentifyHashes(db),
        cohortResyncs: await deleteInBatches('cohort_resyncs', sql`applied_at < ${cutoff}`, batchSize),
      };
    },
  };
}

/** Heartbeats when running as an activity (a plain call, e.g. from a test, has no context). */
function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // not in an activity
  }
}
