import { sql } from 'drizzle-orm';
import type { Db } from './db/client';
import { queryRows } from './db/client';
import { normalizeIntercomEventName } from './intercom/event-names';
import type { IntercomNotification } from './intercom/webhook-envelope';
import { dataEventPerson } from './source/data-event';
import { emailKey } from './source/identity';
import { textAt } from './source/item-fields';
import { parseIntercomTimeSeconds } from './source/time';
import { normalizeTopic } from './source/topics';

/**
 * Loop prevention, in one place: an event must never travel Amplitude → Intercom → Amplitude.
 * - A destination sync records each data event it sends to an Intercom workspace in the sent-event ledger
 *   (table intercom_sent_events, keyed as Intercom dedupes events: name, created_at, user), before sending it:
 *   Intercom's `event.created` webhook for it may reach our source before the send even returns.
 * - A source connection on the same workspace reads the ledger and drops the `event.created` notifications
 *   that echo those events (reason `loop_echo`; SOURCE_LOOP_PREVENTION turns it off), but only the echoes of
 *   syncs that feed its own Amplitude project (the sync's `amplitudeProjectId` setting): two projects on one
 *   workspace are independent. A sync that does not name its project is taken to feed every source there.
 * Both sides write the keys the same way: Intercom's stored form of the name, Unix seconds, and the user as
 * `external_id:<user id>` or `email:<lower-cased email>`.
 */

/** How the ledger names the contact an event went to. */
export function ledgerUserKey(user: { field: 'external_id' | 'email'; value: string }): string {
  return `${user.field}:${user.value}`;
}

export interface SentEvent {
  /** The name as sent; the ledger keeps Intercom's stored form of it. */
  eventName: string;
  /** Unix seconds, as sent to and echoed by Intercom. */
  createdAt: number;
  user: { field: 'external_id' | 'email'; value: string };
}

/** Ledger rows of a sync that does not say which Amplitude project feeds it: they match every source. */
const ANY_PROJECT = '';

/** The destination's side: what one sync sent to one Intercom workspace. */
export class SentEventLedger {
  constructor(
    private readonly db: Db,
    private readonly workspaceId: string,
    /** The Amplitude project whose events the sync receives, when its settings say. */
    private readonly amplitudeProjectId?: string | null,
  ) {}

  async record(events: readonly SentEvent[]): Promise<void> {
    if (events.length === 0) return;
    const values = sql.join(
      events.map(
        (e) =>
          sql`(${this.workspaceId}, ${normalizeIntercomEventName(e.eventName)}, ${e.createdAt}::bigint, ${ledgerUserKey(e.user)}, ${this.amplitudeProjectId || ANY_PROJECT})`,
      ),
      sql`, `,
    );
    await this.db
      .execute(sql`INSERT INTO intercom_sent_events (workspace_id, event_name, created_at, user_key, amplitude_project_id)
                              VALUES ${values} ON CONFLICT DO NOTHING`);
  }
}

/** What an `event.created` notification says of its event, in the ledger's key formats. */
export interface EchoCandidate {
  /** Intercom's stored form of the name (lower-case, `.`/`$` → `-`). */
  eventName: string;
  /** Unix seconds, as sent to and echoed by Intercom. */
  createdAt: number;
  /** `external_id:<user id>` and/or `email:<lower-cased email>`. */
  userKeys: string[];
}

export function echoCandidate(notification: IntercomNotification): EchoCandidate | null {
  if (normalizeTopic(notification.topic) !== 'event.created') return null;
  const item = notification.data.item;
  const name = textAt(item, 'event_name');
  const createdAt = parseIntercomTimeSeconds(item.created_at);
  if (!name || createdAt === null) return null;
  const person = dataEventPerson(item);
  const userKeys = [
    person?.userId ? ledgerUserKey({ field: 'external_id', value: person.userId }) : undefined,
    person?.email ? ledgerUserKey({ field: 'email', value: emailKey(person.email) }) : undefined,
  ].filter((k): k is string => k !== undefined);
  return { eventName: normalizeIntercomEventName(name), createdAt, userKeys };
}

/** The source's side: the ids of the notifications (of one workspace) that echo events sent by syncs feeding its project. */
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
         AND s.created_at = c.created_at AND s.user_key = c.user_key
         AND s.amplitude_project_id IN (${ANY_PROJECT}, ${input.amplitudeProjectId ?? ANY_PROJECT})`,
  );
  return new Set(matches.map((m) => Number(m.id)));
}
