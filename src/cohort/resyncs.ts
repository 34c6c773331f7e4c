import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';

/**
 * The owner of table `cohort_resyncs`: full member lists given to a cohort sync's resync. The admin API stores
 * one and signals the sync's workflow with its id (the list never enters a workflow history); the workflow's
 * activity turns it into membership rows once. Applied lists are pruned by the retention workflow
 * (activities/retention.ts).
 */
export interface StoredResync {
  id: string;
  connectionId: string;
  cohortId: string;
  cohortName: string;
  userIds: string[];
  appliedAt: Date | null;
}

export async function storeResync(db: Db, resync: Omit<StoredResync, 'appliedAt'>): Promise<void> {
  await db.execute(sql`
    INSERT INTO cohort_resyncs (id, connection_id, cohort_id, cohort_name, user_ids)
    VALUES (${resync.id}, ${resync.connectionId}, ${resync.cohortId}, ${resync.cohortName}, ${JSON.stringify(resync.userIds)}::jsonb)`);
}

export async function loadResync(db: Db, id: string): Promise<StoredResync | undefined> {
  const [row] = await queryRows<{
    id: string;
    connection_id: string;
    cohort_id: string;
    cohort_name: string;
    user_ids: unknown;
    applied_at: string | Date | null;
  }>(
    db,
    sql`SELECT id, connection_id, cohort_id, cohort_name, user_ids, applied_at FROM cohort_resyncs WHERE id = ${id}`,
  );
  if (!row) return undefined;
  const userIds = (typeof row.user_ids === 'string' ? JSON.parse(row.user_ids) : row.user_ids) as string[];
  return {
    id: row.id,
    connectionId: row.connection_id,
    cohortId: row.cohort_id,
    cohortName: row.cohort_name,
    userIds,
    appliedAt: row.applied_at ? new Date(row.applied_at) : null,
  };
}

/** The list has become membership rows: it is not needed any more (its rows say what it asked). */
export async function markResyncApplied(db: Db, id: string): Promise<void> {
  await db.execute(sql`UPDATE cohort_resyncs SET applied_at = now(), user_ids = '[]'::jsonb WHERE id = ${id}`);
}
