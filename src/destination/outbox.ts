import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';
import { isClaimable } from '../connections/repository';

/**
 * The destination outbox in Postgres: Amplitude events and identifies accepted for a sync, delivered to
 * Intercom by the sync's delivery shard (src/delivery/lanes/intercom.ts) and settled one row at a time:
 * sent, skipped (with reason), expired (with reason), parked until later, or retried.
 */

/** Amplitude events, identifies (Create & Update Users), and cohort memberships (src/cohort/outbox-rows.ts). */
export type OutboxRowKind = 'event' | 'identify' | 'membership';

export interface NewOutboxRow {
  connectionId: string;
  insertId: string;
  kind: OutboxRowKind;
  payload: unknown;
  userKey: string;
  eventTime: Date;
}

export interface OutboxRow {
  id: number;
  insertId: string;
  kind: OutboxRowKind;
  payload: Record<string, unknown>;
  userKey: string;
  receivedAt: Date;
  attempts: number;
  parkedSince: Date | null;
}

export interface InsertedRows {
  inserted: number;
  /** The shard of each connection that got new rows, and whether its delivery claims them now. */
  shards: { connectionId: string; shard: number; claimable: boolean }[];
}

/** Inserts rows on their connection's shard; duplicates (same sync and insert_id) are no-ops. */
export async function insertOutboxRows(db: Db, rows: NewOutboxRow[]): Promise<InsertedRows> {
  if (rows.length === 0) return { inserted: 0, shards: [] };
  const values = sql.join(
    rows.map(
      (r, i) =>
        sql`(${i}::int, ${r.connectionId}, ${r.insertId}, ${r.kind}, ${JSON.stringify(r.payload)}::json, ${r.userKey}, ${r.eventTime.toISOString()}::timestamptz)`,
    ),
    sql`, `,
  );
  // Reads `connections` (owned by src/connections/repository.ts) inside the insert: one statement per upload.
  const inserted = await queryRows<{ connection_id: string; shard: number; claimable: boolean; n: number }>(
    db,
    sql`WITH inserted AS (
          INSERT INTO destination_outbox (connection_id, insert_id, kind, payload, user_key, event_time, shard)
          SELECT v.connection_id, v.insert_id, v.kind, v.payload, v.user_key, v.event_time, coalesce(c.delivery_shard, 0)
          FROM (VALUES ${values}) AS v(i, connection_id, insert_id, kind, payload, user_key, event_time)
          JOIN connections c ON c.id = v.connection_id
          ORDER BY v.i
          ON CONFLICT (connection_id, insert_id) DO NOTHING
          RETURNING connection_id, shard)
        SELECT i.connection_id, i.shard, ${isClaimable(sql`c.delivery_state`)} AS claimable, count(*)::int AS n
        FROM inserted i JOIN connections c ON c.id = i.connection_id
        GROUP BY i.connection_id, i.shard, c.delivery_state`,
  );
  return {
    inserted: inserted.reduce((sum, r) => sum + r.n, 0),
    shards: inserted.map((r) => ({ connectionId: r.connection_id, shard: r.shard, claimable: r.claimable })),
  };
}

/** An identify just created or found this user's contact: their parked events may go now. */
export async function unparkUser(db: Db, connectionId: string, userKey: string): Promise<number> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`UPDATE destination_outbox SET next_attempt_at = now()
        WHERE connection_id = ${connectionId} AND user_key = ${userKey} AND status = 'pending'
          AND parked_since IS NOT NULL AND next_attempt_at > now()
        RETURNING id`,
  );
  return rows.length;
}

/**
 * An identify of a destination made this user's contact exist: the cohort syncs of the same workspace release
 * their parked memberships of the user too. Returns the delivery shards of the rows released (to ring them).
 */
export async function unparkCohortMembers(db: Db, workspaceId: string, userKey: string): Promise<number[]> {
  // Reads `connections` (owned by src/connections/repository.ts) inside this statement: one round trip.
  const rows = await queryRows<{ shard: number }>(
    db,
    sql`UPDATE destination_outbox q SET next_attempt_at = now()
        FROM connections c
        WHERE c.intercom_workspace_id = ${workspaceId} AND c.kind = 'intercom_cohort' AND q.connection_id = c.id
          AND q.user_key = ${userKey} AND q.status = 'pending' AND q.parked_since IS NOT NULL
          AND q.next_attempt_at > now()
        RETURNING q.shard`,
  );
  return [...new Set(rows.map((r) => r.shard))];
}

/**
 * A user left a cohort: additions of the same user to the same cohort still waiting (parked for their contact,
 * or not due yet) that Amplitude computed no later than the removal are settled as skipped
 * (`cancelled_by_removal`), so a late contact never gets a tag its user already lost. Rows leased by a drain are
 * left to it. Returns how many were cancelled.
 */
export async function cancelWaitingAdditions(
  db: Db,
  connectionId: string,
  change: { userKey: string; cohortId: string; userId: string; computedAt: Date },
): Promise<number> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`UPDATE destination_outbox SET status = 'skipped', reason = 'cancelled_by_removal', done_at = now(),
               lease_until = NULL
        WHERE connection_id = ${connectionId} AND user_key = ${change.userKey} AND status = 'pending'
          AND kind = 'membership' AND (lease_until IS NULL OR lease_until < now())
          AND payload->>'cohortId' = ${change.cohortId} AND payload->>'userId' = ${change.userId}
          AND payload->>'inCohort' = 'true' AND event_time <= ${change.computedAt.toISOString()}::timestamptz
        RETURNING id`,
  );
  return rows.length;
}

/** Replay: finished rows in a window of event time go back to pending (Intercom dedupes repeats). */
export async function requeueWindow(db: Db, connectionId: string, from: Date, to: Date): Promise<number> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`UPDATE destination_outbox SET status = 'pending', reason = NULL, done_at = NULL, next_attempt_at = now(),
               attempts = 0, parked_since = NULL, lease_until = NULL
        WHERE connection_id = ${connectionId} AND status <> 'pending' AND event_time >= ${from.toISOString()}::timestamptz AND event_time < ${to.toISOString()}::timestamptz
        RETURNING id`,
  );
  return rows.length;
}
