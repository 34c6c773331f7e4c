import { createHash } from 'node:crypto';
import { stringify as stableJson } from 'safe-stable-stringify';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';
import type { ContactFields, ContactUpsertBody } from './actions/create-update-user/to-contact-upsert';
import type { IntercomUser } from './intercom-user';

/**
 * "Identify only on change": Amplitude SDKs send an identify on every session and every property
 * set, mostly repeating what the contact already has. We keep, per workspace and user, a hash of
 * what we last wrote to the contact; an identify whose upsert hashes the same costs no Intercom call.
 *
 * The hash covers the lookup (the contact's identity), the fields and custom attributes set, and
 * the create-only values, i.e. exactly the selected properties' values as they would be written:
 * unselected properties and property order never count. A remembered hash is trusted for a day, so
 * an edit made in Intercom meanwhile is overwritten again at least daily, and is forgotten when the
 * contact turns out to be gone.
 */
export const IDENTIFY_HASH_TTL_SECONDS = 24 * 3600;

export function identifyHash(upsert: {
  lookup: IntercomUser;
  contact: ContactUpsertBody;
  createOnly: ContactFields;
}): string {
  return createHash('sha256')
    .update(stableJson([upsert.lookup.field, upsert.lookup.value, upsert.contact, upsert.createOnly]))
    .digest('base64url');
}

export class IdentifyHashes {
  constructor(
    private readonly db: Db,
    private readonly workspaceId: string,
  ) {}

  /** The contact id we last wrote this exact upsert to, if it is still trusted. */
  async unchanged(lookup: IntercomUser, hash: string): Promise<string | undefined> {
    const [row] = await queryRows<{ contact_id: string }>(
      this.db,
      sql`SELECT contact_id FROM intercom_identify_hashes
          WHERE workspace_id = ${this.workspaceId} AND field = ${lookup.field} AND value = ${lookup.value}
            AND hash = ${hash} AND synced_at > now() - make_interval(secs => ${IDENTIFY_HASH_TTL_SECONDS})`,
    );
    return row?.contact_id;
  }

  async remember(lookup: IntercomUser, hash: string, contactId: string): Promise<void> {
    await this.db.execute(sql`
      INSERT INTO intercom_identify_hashes (workspace_id, field, value, hash, contact_id)
      VALUES (${this.workspaceId}, ${lookup.field}, ${lookup.value}, ${hash}, ${contactId})
      ON CONFLICT (workspace_id, field, value)
      DO UPDATE SET hash = excluded.hash, contact_id = excluded.contact_id, synced_at = now()`);
  }

  async forget(lookup: IntercomUser): Promise<void> {
    await this.db.execute(sql`
      DELETE FROM intercom_identify_hashes
      WHERE workspace_id = ${this.workspaceId} AND field = ${lookup.field} AND value = ${lookup.value}`);
  }
}

/** Retention: hashes past their day of trust are of no more use. */
export async function pruneIdentifyHashes(db: Db): Promise<number> {
  const rows = await queryRows<{ n: number }>(
    db,
    sql`WITH deleted AS (
          DELETE FROM intercom_identify_hashes
          WHERE synced_at < now() - make_interval(secs => ${IDENTIFY_HASH_TTL_SECONDS}) RETURNING 1
        ) SELECT count(*)::int AS n FROM deleted`,
  );
  return rows[0]?.n ?? 0;
}
