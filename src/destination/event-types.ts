import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';
import { normalizeIntercomEventName } from '../intercom/event-names';

/**
 * The event names a workspace holds in Intercom, which allows a limited number of active names
 * (120). A name takes a slot only when an event with it is actually sent: `check` (no write) turns
 * a new name away early when there is no room; `admit` takes the slot, serialised per workspace
 * with an advisory lock so two workers cannot both take the last one, once the contact is known to
 * exist; a send Intercom answers 404 gives a slot it had just taken back (`release`). `used`
 * records each name's last use. Names archived in Intercom are freed by an operator
 * (`releaseEventTypes`, admin API), since Intercom offers no API to list or archive them.
 */
export type SlotCheck = 'active' | 'room' | 'full' | 'rejected';

export interface Admission {
  admitted: boolean;
  /** This call took the slot (the name was new), so a send that finds no contact gives it back. */
  fresh: boolean;
}

/** How long what a registry learnt is trusted before it asks Postgres again (other workers, operators). */
const KNOWN_TTL_MS = 60_000;
/** `last_used_at` is written at most this often per name and registry: the registry shows recency, not counts. */
const USE_RECORD_INTERVAL_MS = 10 * 60_000;

export class EventTypeRegistry {
  private readonly known = new Map<string, { status: 'active' | 'rejected'; at: number }>();
  private readonly recordedUse = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly workspaceId: string,
    private readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Would the name be admitted now? Writes nothing. */
  async check(eventName: string): Promise<SlotCheck> {
    const cached = this.cached(eventName);
    if (cached) return cached;
    const [row] = await queryRows<{ status: 'active' | 'rejected' | null; active: number }>(
      this.db,
      sql`SELECT (SELECT status FROM intercom_event_types WHERE workspace_id = ${this.workspaceId} AND event_name = ${eventName}) AS status,
                 (SELECT count(*)::int FROM intercom_event_types WHERE workspace_id = ${this.workspaceId} AND status = 'active') AS active`,
    );
    if (row?.status) {
      this.remember(eventName, row.status);
      return row.status;
    }
    return (row?.active ?? 0) < this.limit ? 'room' : 'full';
  }

  /** Takes a slot for the name if it has none and there is room. */
  async admit(eventName: string): Promise<Admission> {
    const cached = this.cached(eventName);
    if (cached) return { admitted: cached === 'active', fresh: false };
    const result = await this.db.transaction(async (tx) => {
      const t = tx as unknown as Db;
      await t.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`event-types:${this.workspaceId}`}))`);
      const [existing] = await queryRows<{ status: 'active' | 'rejected' }>(
        t,
        sql`SELECT status FROM intercom_event_types WHERE workspace_id = ${this.workspaceId} AND event_name = ${eventName}`,
      );
      if (existing) return { status: existing.status, fresh: false };
      const [count] = await queryRows<{ n: number }>(
        t,
        sql`SELECT count(*)::int AS n FROM intercom_event_types WHERE workspace_id = ${this.workspaceId} AND status = 'active'`,
      );
      if ((count?.n ?? 0) >= this.limit) return { status: 'full' as const, fresh: false };
      await t.execute(sql`INSERT INTO intercom_event_types (workspace_id, event_name, status)
                          VALUES (${this.workspaceId}, ${eventName}, 'active')`);
      return { status: 'active' as const, fresh: true };
    });
    // "Full" is not remembered: a release or another name's give-back can make room.
    if (result.status !== 'full') this.remember(eventName, result.status);
    return { admitted: result.status === 'active', fresh: result.fresh };
  }

  /** An event with the name was sent: record when (which also re-takes a slot a concurrent give-back freed). */
  async used(eventName: string): Promise<void> {
    const now = this.now();
    const last = this.recordedUse.get(eventName);
    if (last !== undefined && now - last < USE_RECORD_INTERVAL_MS) return;
    this.recordedUse.set(eventName, now);
    await this.db.execute(sql`
      INSERT INTO intercom_event_types (workspace_id, event_name, status, last_used_at)
      VALUES (${this.workspaceId}, ${eventName}, 'active', now())
      ON CONFLICT (workspace_id, event_name) DO UPDATE SET status = 'active', last_used_at = now()`);
  }

  /** Gives back a slot taken for a send that did not happen (no contact), unless an event with the name was sent meanwhile. */
  async release(eventName: string): Promise<void> {
    this.known.delete(eventName);
    await this.db.execute(sql`
      DELETE FROM intercom_event_types
      WHERE workspace_id = ${this.workspaceId} AND event_name = ${eventName} AND last_used_at IS NULL`);
  }

  /** Intercom refused the name (its own count was already full, e.g. names created outside this sync). */
  async reject(eventName: string): Promise<void> {
    this.remember(eventName, 'rejected');
    await this.db.execute(sql`
      INSERT INTO intercom_event_types (workspace_id, event_name, status) VALUES (${this.workspaceId}, ${eventName}, 'rejected')
      ON CONFLICT (workspace_id, event_name) DO UPDATE SET status = 'rejected'`);
  }

  private cached(eventName: string): 'active' | 'rejected' | undefined {
    const entry = this.known.get(eventName);
    if (!entry || this.now() - entry.at > KNOWN_TTL_MS) return undefined;
    return entry.status;
  }

  private remember(eventName: string, status: 'active' | 'rejected'): void {
    this.known.set(eventName, { status, at: this.now() });
  }
}

export interface EventTypeEntry {
  /** The name as Intercom keeps it (lower case, `.` and `$` as `-`). */
  name: string;
  status: 'active' | 'rejected';
  firstSeenAt: string;
  /** When an event with this name was last sent (to within about ten minutes); null: never sent. */
  lastUsedAt: string | null;
}

/** The registry of a workspace, most recently used first, with how many slots are taken. */
export async function listEventTypes(
  db: Db,
  workspaceId: string,
  limit: number,
): Promise<{ used: number; limit: number; eventTypes: EventTypeEntry[] }> {
  const rows = await queryRows<{
    event_name: string;
    status: 'active' | 'rejected';
    first_seen_at: string | Date;
    last_used_at: string | Date | null;
  }>(
    db,
    sql`SELECT event_name, status, first_seen_at, last_used_at FROM intercom_event_types
        WHERE workspace_id = ${workspaceId}
        ORDER BY last_used_at DESC NULLS LAST, event_name`,
  );
  const eventTypes = rows.map((r) => ({
    name: r.event_name,
    status: r.status,
    firstSeenAt: new Date(r.first_seen_at).toISOString(),
    lastUsedAt: r.last_used_at ? new Date(r.last_used_at).toISOString() : null,
  }));
  return { used: eventTypes.filter((e) => e.status === 'active').length, limit, eventTypes };
}

/**
 * Frees the slots of names an operator archived in Intercom (Intercom: Settings → Data → Events →
 * Archive). Names may be given as sent or as Intercom keeps them. A name sent again later takes a
 * slot again. Returns the names released and those the registry did not hold.
 */
export async function releaseEventTypes(
  db: Db,
  workspaceId: string,
  names: readonly string[],
): Promise<{ released: string[]; unknown: string[] }> {
  const wanted = [...new Set(names.map(normalizeIntercomEventName))];
  if (wanted.length === 0) return { released: [], unknown: [] };
  const deleted = await queryRows<{ event_name: string }>(
    db,
    sql`DELETE FROM intercom_event_types
        WHERE workspace_id = ${workspaceId} AND event_name IN (${sql.join(
          wanted.map((n) => sql`${n}`),
          sql`, `,
        )})
        RETURNING event_name`,
  );
  const released = deleted.map((d) => d.event_name).sort();
  return { released, unknown: wanted.filter((n) => !released.includes(n)) };
}
