import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';

/**
 * Intercom contact lookups cached in Postgres, shared by all workers: external_id or normalised
 * email → contact id. "Known missing" is cached too, briefly, so a burst of events for a contact
 * that does not exist yet costs one lookup, not one per event.
 */
export type LookupField = 'external_id' | 'email';

export type CachedIdentity = { state: 'found'; contactId: string } | { state: 'missing' } | { state: 'unknown' };

export const FOUND_TTL_SECONDS = 24 * 3600;

export class IdentityCache {
  constructor(
    private readonly db: Db,
    private readonly workspaceId: string,
  ) {}

  async get(field: LookupField, value: string): Promise<CachedIdentity> {
    const [row] = await queryRows<{ contact_id: string | null }>(
      this.db,
      sql`SELECT contact_id FROM identity_cache
          WHERE workspace_id = ${this.workspaceId} AND field = ${field} AND value = ${value} AND expires_at > now()`,
    );
    if (!row) return { state: 'unknown' };
    return row.contact_id ? { state: 'found', contactId: row.contact_id } : { state: 'missing' };
  }

  async remember(field: LookupField, value: string, contactId: string | null, ttlSeconds: number): Promise<void> {
    await this.db.execute(sql`
      INSERT INTO identity_cache (workspace_id, field, value, contact_id, expires_at)
      VALUES (${this.workspaceId}, ${field}, ${value}, ${contactId}, now() + make_interval(secs => ${ttlSeconds}))
      ON CONFLICT (workspace_id, field, value) DO UPDATE SET contact_id = excluded.contact_id, expires_at = excluded.expires_at`);
  }

  async forget(field: LookupField, value: string): Promise<void> {
    await this.db.execute(
      sql`DELETE FROM identity_cache WHERE workspace_id = ${this.workspaceId} AND field = ${field} AND value = ${value}`,
    );
  }
}
