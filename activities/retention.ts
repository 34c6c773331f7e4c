import { Context } from '@temporalio/activity';
import { sql, type SQL } from 'drizzle-orm';
import { queryRows } from '../src/db/client';
import type { Services } from '../src/runtime/services';
import { pruneIdentityMemory } from '../src/source/identity-memory';
import { pruneIdentifyHashes } from '../src/destination/identify-hashes';
import { addCounters } from '../src/connections/repository';
import { expireOverdueRows } from '../src/delivery/queue';
import type { QueueTable } from '../src/delivery/shards';

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
  env: Pick<Services['env'], 'RETENTION_BATCH_SIZE' | 'IDENTITY_MEMORY_MAX_PER_WORKSPACE' | 'DELIVERY_MAX_PENDING_AGE'>;
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

  /** Expires a queue's overdue pending rows in bounded batches, counting them per connection with each batch. */
  async function expireOverdue(table: QueueTable, batchSize: number): Promise<number> {
    // The counter each lane uses for the outcome (src/delivery/lanes): dropped:<reason> or expired:<reason>.
    const status = table === 'source_inbox' ? 'dropped' : 'expired';
    let total = 0;
    for (;;) {
      const expired = await db.transaction(async (tx) => {
        const t = tx as unknown as typeof db;
        const byConnection = await expireOverdueRows(t, table, status, env.DELIVERY_MAX_PENDING_AGE, batchSize);
        for (const [connectionId, n] of byConnection) await addCounters(t, connectionId, { [`${status}:max_age`]: n });
        return [...byConnection.values()].reduce((a, b) => a + b, 0);
      });
      total += expired;
      heartbeat({ table, expired: total });
      if (expired < batchSize) return total;
    }
  }

  return {
    /**
     * Expires pending rows older than DELIVERY_MAX_PENDING_AGE (reason `max_age`) that delivery will not
     * expire itself: those of connections holding their rows (in error, paused), which it never claims.
     */
    async expireOverduePending(
      input: { batchSize?: number } = {},
    ): Promise<{ sourceRows: number; destinationRows: number }> {
      const batchSize = input.batchSize ?? env.RETENTION_BATCH_SIZE ?? DEFAULT_BATCH_SIZE;
      return {
        sourceRows: await expireOverdue('source_inbox', batchSize),
        destinationRows: await expireOverdue('destination_outbox', batchSize),
      };
    },

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
