import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';

/**
 * The source inbox in Postgres: notifications accepted for a connection, delivered to Amplitude by the
 * connection's delivery shard (src/delivery/lanes/amplitude.ts) and marked delivered or dropped.
 */

export interface NewInboxRow {
  connectionId: string;
  dedupeKey: string;
  notificationId: string | null;
  topic: string;
  payload: unknown;
  origin?: 'webhook' | 'backfill';
}

/** Inserts rows on their connection's shard; returns how many were new (duplicates by dedupe key are no-ops). */
export async function insertInboxRows(db: Db, rows: NewInboxRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const values = sql.join(
    rows.map(
      (r, i) =>
        sql`(${i}::int, ${r.connectionId}, ${r.dedupeKey}, ${r.notificationId}, ${r.topic}, ${JSON.stringify(r.payload)}::json, ${r.origin ?? 'webhook'})`,
    ),
    sql`, `,
  );
  // Takes each connection's shard from `connections` (owned by src/connections/repository.ts) inside the insert.
  const inserted = await queryRows<{ id: number }>(
    db,
    sql`INSERT INTO source_inbox (connection_id, dedupe_key, notification_id, topic, payload, origin, shard)
        SELECT v.connection_id, v.dedupe_key, v.notification_id, v.topic, v.payload, v.origin, coalesce(c.delivery_shard, 0)
        FROM (VALUES ${values}) AS v(i, connection_id, dedupe_key, notification_id, topic, payload, origin)
        JOIN connections c ON c.id = v.connection_id
        ORDER BY v.i
        ON CONFLICT (connection_id, dedupe_key) DO NOTHING
        RETURNING id`,
  );
  return inserted.length;
}
