import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';

/**
 * What the destination sent to each Intercom workspace, keyed as Intercom dedupes events
 * (name, created_at, user). The source reads it to recognise `event.created` echoes of our own
 * events (loop prevention).
 */
export async function recordSentEvents(
  db: Db,
  rows: { workspaceId: string; eventName: string; createdAt: number; userKey: string }[],
): Promise<void> {
  if (rows.length === 0) return;
  const values = sql.join(
    rows.map((r) => sql`(${r.workspaceId}, ${r.eventName}, ${r.createdAt}::bigint, ${r.userKey})`),
    sql`, `,
  );
  await db.execute(sql`INSERT INTO intercom_sent_events (workspace_id, event_name, created_at, user_key)
                       VALUES ${values} ON CONFLICT DO NOTHING`);
}
