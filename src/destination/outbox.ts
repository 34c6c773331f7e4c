import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';
import { claimLeased, parseJsonColumn, queueSummary, type QueueSummary } from '../db/leased-queue';

/**
 * The destination outbox in Postgres: Amplitude events and identifies accepted for a sync,
 * claimed in batches (leased, like the source inbox), and settled one row at a time:
 * sent, skipped (with reason), expired (with reason), parked until later, or retried.
 */
export const LEASE_SECONDS = 90;

export interface NewOutboxRow {
  connectionId: string;
  insertId: string;
  kind: 'event' | 'identify';
  payload: unknown;
  userKey: string;
  eventTime: Date;
}

export interface OutboxRow {
  id: number;
  insertId: string;
  kind: 'event' | 'identify';
  payload: Record<string, unknown>;
  userKey: string;
  receivedAt: Date;
  attempts: number;
  parkedSince: Date | null;
}

export type RowOutcome =
  | { id: number; status: 'sent' }
  | { id: number; status: 'skipped' | 'expired'; reason: string }
  /** Back to pending until `delayMs` from now; `parked` starts or continues the wait for a contact. */
  | { id: number; status: 'later'; delayMs: number; reason: string; parked?: boolean };

/** Inserts rows; duplicates (same sync and insert_id) are no-ops. Returns the inserted count. */
export async function insertOutboxRows(db: Db, rows: NewOutboxRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const values = sql.join(
    rows.map(
      (r) =>
        sql`(${r.connectionId}, ${r.insertId}, ${r.kind}, ${JSON.stringify(r.payload)}::json, ${r.userKey}, ${r.eventTime.toISOString()}::timestamptz)`,
    ),
    sql`, `,
  );
  const inserted = await queryRows<{ id: number }>(
    db,
    sql`INSERT INTO destination_outbox (connection_id, insert_id, kind, payload, user_key, event_time)
        VALUES ${values}
        ON CONFLICT (connection_id, insert_id) DO NOTHING
        RETURNING id`,
  );
  return inserted.length;
}

export async function claimOutboxRows(
  db: Db,
  connectionId: string,
  owner: string,
  limit: number,
): Promise<OutboxRow[]> {
  const rows = await claimLeased<{
    id: string | number;
    insert_id: string;
    kind: 'event' | 'identify';
    payload: unknown;
    user_key: string;
    received_at: string | Date;
    attempts: number;
    parked_since: string | Date | null;
  }>(db, 'destination_outbox', {
    connectionId,
    owner,
    limit,
    leaseSeconds: LEASE_SECONDS,
    columns: ['insert_id', 'kind', 'payload', 'user_key', 'received_at', 'attempts', 'parked_since'],
  });
  return rows.map((r) => ({
    id: Number(r.id),
    insertId: r.insert_id,
    kind: r.kind,
    payload: parseJsonColumn<Record<string, unknown>>(r.payload),
    userKey: r.user_key,
    receivedAt: new Date(r.received_at),
    attempts: r.attempts,
    parkedSince: r.parked_since ? new Date(r.parked_since) : null,
  }));
}

/** Applies the outcomes of one batch in a single statement. */
export async function settleOutboxRows(db: Db, outcomes: RowOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  const values = sql.join(
    outcomes.map((o) => {
      const delay = o.status === 'later' ? o.delayMs / 1000 : 0;
      const reason = o.status === 'sent' ? null : o.reason;
      const parked = o.status === 'later' && o.parked === true;
      return sql`(${o.id}::bigint, ${o.status}, ${reason}::text, ${delay}::float8, ${parked}::boolean)`;
    }),
    sql`, `,
  );
  await db.execute(sql`
    UPDATE destination_outbox AS d SET
      status = CASE WHEN v.status = 'later' THEN 'pending' ELSE v.status END,
      reason = v.reason,
      done_at = CASE WHEN v.status = 'later' THEN NULL ELSE now() END,
      next_attempt_at = CASE WHEN v.status = 'later' THEN now() + make_interval(secs => v.delay) ELSE d.next_attempt_at END,
      parked_since = CASE WHEN v.parked THEN coalesce(d.parked_since, now()) WHEN v.status = 'later' THEN d.parked_since ELSE NULL END,
      lease_until = NULL
    FROM (VALUES ${values}) AS v(id, status, reason, delay, parked)
    WHERE d.id = v.id`);
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

/** Disabling a sync: whatever is queued is recorded as skipped with the reason, so nothing is sent later by surprise. */
export async function skipAllPending(db: Db, connectionId: string, reason: string): Promise<number> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`UPDATE destination_outbox SET status = 'skipped', reason = ${reason}, done_at = now(), lease_until = NULL
        WHERE connection_id = ${connectionId} AND status = 'pending' RETURNING id`,
  );
  return rows.length;
}

export type OutboxSummary = QueueSummary;

export function outboxSummary(db: Db, connectionId: string): Promise<OutboxSummary> {
  return queueSummary(db, 'destination_outbox', connectionId);
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
