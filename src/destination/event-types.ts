import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';

/**
 * The event names a workspace holds in Intercom, which allows a limited number of active names
 * (120). A new name is admitted only while there is room; past that it is refused here, counted,
 * and never sent, instead of failing at Intercom on every event. Admission is serialised per
 * workspace with an advisory lock, so two workers cannot both take the last slot.
 */
export class EventTypeRegistry {
  private readonly known = new Map<string, 'active' | 'rejected'>();

  constructor(
    private readonly db: Db,
    private readonly workspaceId: string,
    private readonly limit: number,
  ) {}

  async admit(eventName: string): Promise<boolean> {
    const cached = this.known.get(eventName);
    if (cached) return cached === 'active';
    const status = await this.db.transaction(async (tx) => {
      const t = tx as unknown as Db;
      await t.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`event-types:${this.workspaceId}`}))`);
      const [existing] = await queryRows<{ status: 'active' | 'rejected' }>(
        t,
        sql`SELECT status FROM intercom_event_types WHERE workspace_id = ${this.workspaceId} AND event_name = ${eventName}`,
      );
      if (existing) return existing.status;
      const [count] = await queryRows<{ n: number }>(
        t,
        sql`SELECT count(*)::int AS n FROM intercom_event_types WHERE workspace_id = ${this.workspaceId} AND status = 'active'`,
      );
      const admitted = (count?.n ?? 0) < this.limit;
      const next = admitted ? 'active' : 'rejected';
      await t.execute(sql`INSERT INTO intercom_event_types (workspace_id, event_name, status)
                          VALUES (${this.workspaceId}, ${eventName}, ${next})`);
      return next;
    });
    this.known.set(eventName, status);
    return status === 'active';
  }

  /** Intercom refused the name (its own count was already full, e.g. names created outside this sync). */
  async reject(eventName: string): Promise<void> {
    this.known.set(eventName, 'rejected');
    await this.db.execute(sql`
      INSERT INTO intercom_event_types (workspace_id, event_name, status) VALUES (${this.workspaceId}, ${eventName}, 'rejected')
      ON CONFLICT (workspace_id, event_name) DO UPDATE SET status = 'rejected'`);
  }
}
