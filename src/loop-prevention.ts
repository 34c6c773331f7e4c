import { sql } from 'drizzle-orm';
import type { Db } from './db/client';
import { queryRows } from './db/client';
import type { IntercomNotification } from './intercom/webhook-envelope';
import { echoCandidate } from './source/echo';

/**
 * Loop prevention: a destination sync records each data event it sends to an Intercom workspace (the
 * sent-event ledger, src/destination/sent-ledger.ts) before sending it; a source connection on the same
 * workspace drops the `event.created` webhooks that echo those events, so an event never travels
 * Amplitude → Intercom → Amplitude.
 *
 * Returns the ids of the notifications that are echoes.
 */
export async function findEchoes(
  db: Db,
  input: {
    workspaceId: string | null;
    amplitudeProjectId: string | null;
    notifications: { id: number; notification: IntercomNotification }[];
  },
): Promise<Set<number>> {
  if (!input.workspaceId) return new Set();
  const candidates = input.notifications
    .map(({ id, notification }) => ({ id, candidate: echoCandidate(notification) }))
    .filter((c) => c.candidate && c.candidate.userKeys.length > 0);
  if (candidates.length === 0) return new Set();
  const tuples = candidates.flatMap(({ id, candidate }) =>
    candidate!.userKeys.map(
      (key) => sql`(${id}::bigint, ${candidate!.eventName}, ${candidate!.createdAt}::bigint, ${key})`,
    ),
  );
  const matches = await queryRows<{ id: string | number }>(
    db,
    sql`SELECT DISTINCT c.id FROM (VALUES ${sql.join(tuples, sql`, `)}) AS c(id, event_name, created_at, user_key)
        JOIN intercom_sent_events s ON s.workspace_id = ${input.workspaceId} AND s.event_name = c.event_name
         AND s.created_at = c.created_at AND s.user_key = c.user_key`,
  );
  return new Set(matches.map((m) => Number(m.id)));
}
