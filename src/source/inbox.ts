import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';
import { claimLeased, parseJsonColumn, queueSummary, type QueueSummary } from '../db/leased-queue';
import type { IntercomNotification } from '../intercom/webhook-envelope';

/**
 * The source inbox in Postgres: notifications accepted for a connection, claimed in batches by
 * the delivery activity, and marked delivered or dropped. A claim is a lease: if the worker
 * dies, the rows come back after `LEASE_SECONDS` (or at once to a retry of the same activity).
 */
export const LEASE_SECONDS = 60;

export interface InboxRow {
  id: number;
  dedupeKey: string;
  topic: string;
  payload: IntercomNotification;
  receivedAt: Date;
}

export interface NewInboxRow {
  connectionId: string;
  dedupeKey: string;
  notificationId: string | null;
  topic: string;
  payload: unknown;
  origin?: 'webhook' | 'backfill';
}

/** Inserts rows; returns how many were new (duplicates by dedupe key are no-ops). */
export async function insertInboxRows(db: Db, rows: NewInboxRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const values = sql.join(
    rows.map(
      (r) =>
        sql`(${r.connectionId}, ${r.dedupeKey}, ${r.notificationId}, ${r.topic}, ${JSON.stringify(r.payload)}::json, ${r.origin ?? 'webhook'})`,
    ),
    sql`, `,
  );
  const inserted = await queryRows<{ id: number }>(
    db,
    sql`INSERT INTO source_inbox (connection_id, dedupe_key, notification_id, topic, payload, origin)
        VALUES ${values}
        ON CONFLICT (connection_id, dedupe_key) DO NOTHING
        RETURNING id`,
  );
  return inserted.length;
}

export async function claimInboxRows(db: Db, connectionId: string, owner: string, limit: number): Promise<InboxRow[]> {
  const rows = await claimLeased<{
    id: string | number;
    dedupe_key: string;
    topic: string;
    payload: unknown;
    received_at: string | Date;
  }>(db, 'source_inbox', {
    connectionId,
    owner,
    limit,
    leaseSeconds: LEASE_SECONDS,
    columns: ['dedupe_key', 'topic', 'payload', 'received_at'],
  });
  return rows.map((r) => ({
    id: Number(r.id),
    dedupeKey: r.dedupe_key,
    topic: r.topic,
    payload: parseJsonColumn<IntercomNotification>(r.payload),
    receivedAt: new Date(r.received_at),
  }));
}

export async function markDelivered(db: Db, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(sql`UPDATE source_inbox SET status = 'delivered', done_at = now(), lease_until = NULL, reason = NULL
                       WHERE id = ANY(${sql.raw(`ARRAY[${ids.map(Number).join(',')}]::bigint[]`)})`);
}

export async function markDropped(db: Db, drops: { id: number; reason: string }[]): Promise<void> {
  if (drops.length === 0) return;
  const values = sql.join(
    drops.map((d) => sql`(${d.id}::bigint, ${d.reason})`),
    sql`, `,
  );
  await db.execute(sql`UPDATE source_inbox AS s SET status = 'dropped', reason = v.reason, done_at = now(), lease_until = NULL
                       FROM (VALUES ${values}) AS v(id, reason) WHERE s.id = v.id`);
}

/** Puts rows back for a later attempt (Amplitude throttled their user), releasing the lease. */
export async function retryLater(db: Db, ids: number[], delayMs: number, reason: string): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(sql`UPDATE source_inbox SET next_attempt_at = now() + make_interval(secs => ${delayMs / 1000}),
                              lease_until = NULL, reason = ${reason}
                       WHERE id = ANY(${sql.raw(`ARRAY[${ids.map(Number).join(',')}]::bigint[]`)})`);
}

/** Pending rows left, and when the earliest of them that is not due yet (or leased) becomes claimable. */
export function pendingSummary(db: Db, connectionId: string): Promise<QueueSummary> {
  return queueSummary(db, 'source_inbox', connectionId);
}

/** On disconnect: what was accepted but can no longer be delivered is dropped with a reason, not left pending. */
export async function dropAllPending(db: Db, connectionId: string, reason: string): Promise<number> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`UPDATE source_inbox SET status = 'dropped', reason = ${reason}, done_at = now(), lease_until = NULL
        WHERE connection_id = ${connectionId} AND status = 'pending' RETURNING id`,
  );
  return rows.length;
}
