import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';

/**
 * The owner of tables `cohort_tags` and `cohort_members`: per cohort sync, the Intercom tag of each cohort and the
 * members it has tagged. The record gives the tag's size without asking Intercom, finds the contact to untag, and
 * is what a resync compares with when Intercom cannot list a tag's contacts.
 */
export interface CohortTag {
  cohortId: string;
  tagId: string;
  tagName: string;
}

export class CohortRecord {
  constructor(
    private readonly db: Db,
    private readonly connectionId: string,
  ) {}

  async tag(cohortId: string): Promise<CohortTag | undefined> {
    const [row] = await queryRows<{ tag_id: string; tag_name: string }>(
      this.db,
      sql`SELECT tag_id, tag_name FROM cohort_tags WHERE connection_id = ${this.connectionId} AND cohort_id = ${cohortId}`,
    );
    return row ? { cohortId, tagId: row.tag_id, tagName: row.tag_name } : undefined;
  }

  async tags(): Promise<CohortTag[]> {
    const rows = await queryRows<{ cohort_id: string; tag_id: string; tag_name: string }>(
      this.db,
      sql`SELECT cohort_id, tag_id, tag_name FROM cohort_tags WHERE connection_id = ${this.connectionId} ORDER BY created_at`,
    );
    return rows.map((r) => ({ cohortId: r.cohort_id, tagId: r.tag_id, tagName: r.tag_name }));
  }

  /** Remembers a cohort's tag; the first one stored wins (two drains creating it at once get the same tag anyway). */
  async saveTag(tag: CohortTag): Promise<CohortTag> {
    await this.db.execute(sql`
      INSERT INTO cohort_tags (connection_id, cohort_id, tag_id, tag_name)
      VALUES (${this.connectionId}, ${tag.cohortId}, ${tag.tagId}, ${tag.tagName})
      ON CONFLICT (connection_id, cohort_id) DO NOTHING`);
    return (await this.tag(tag.cohortId)) ?? tag;
  }

  /** The tag is gone in Intercom (deleted there, or by a disconnect): forget it and who carried it. */
  async forgetTag(cohortId: string): Promise<void> {
    await this.db.execute(
      sql`DELETE FROM cohort_tags WHERE connection_id = ${this.connectionId} AND cohort_id = ${cohortId}`,
    );
    await this.db.execute(
      sql`DELETE FROM cohort_members WHERE connection_id = ${this.connectionId} AND cohort_id = ${cohortId}`,
    );
  }

  /** The contact we tagged for this member, if we did. */
  async contactOf(cohortId: string, userId: string): Promise<string | undefined> {
    const [row] = await queryRows<{ contact_id: string }>(
      this.db,
      sql`SELECT contact_id FROM cohort_members
          WHERE connection_id = ${this.connectionId} AND cohort_id = ${cohortId} AND user_id = ${userId}`,
    );
    return row?.contact_id;
  }

  async tagged(cohortId: string, userId: string, contactId: string): Promise<void> {
    await this.db.execute(sql`
      INSERT INTO cohort_members (connection_id, cohort_id, user_id, contact_id)
      VALUES (${this.connectionId}, ${cohortId}, ${userId}, ${contactId})
      ON CONFLICT (connection_id, cohort_id, user_id) DO UPDATE SET contact_id = excluded.contact_id, tagged_at = now()`);
  }

  /** Returns whether the record had the member. */
  async untagged(cohortId: string, userId: string): Promise<boolean> {
    const rows = await queryRows<{ user_id: string }>(
      this.db,
      sql`DELETE FROM cohort_members
          WHERE connection_id = ${this.connectionId} AND cohort_id = ${cohortId} AND user_id = ${userId}
          RETURNING user_id`,
    );
    return rows.length > 0;
  }

  /** Every member we tagged for a cohort: user id → contact id. */
  async members(cohortId: string): Promise<Map<string, string>> {
    const rows = await queryRows<{ user_id: string; contact_id: string }>(
      this.db,
      sql`SELECT user_id, contact_id FROM cohort_members
          WHERE connection_id = ${this.connectionId} AND cohort_id = ${cohortId}`,
    );
    return new Map(rows.map((r) => [r.user_id, r.contact_id]));
  }

  /** The size of each cohort's tag, as we tagged it. */
  async sizes(): Promise<{ cohortId: string; tagId: string; tagName: string; members: number }[]> {
    const rows = await queryRows<{ cohort_id: string; tag_id: string; tag_name: string; members: number }>(
      this.db,
      sql`SELECT t.cohort_id, t.tag_id, t.tag_name,
                 (SELECT count(*)::int FROM cohort_members m
                   WHERE m.connection_id = t.connection_id AND m.cohort_id = t.cohort_id) AS members
          FROM cohort_tags t WHERE t.connection_id = ${this.connectionId} ORDER BY t.created_at`,
    );
    return rows.map((r) => ({ cohortId: r.cohort_id, tagId: r.tag_id, tagName: r.tag_name, members: r.members }));
  }
}
