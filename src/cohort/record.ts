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

  /**
   * Whether another cohort still gives this member the tag. Cohorts share a tag when a sync names one for all its
   * cohorts, or when two cohorts of one name reach syncs of the same workspace: leaving one of them must not take
   * away the tag the others gave. Members of other syncs are matched by their Amplitude user id.
   */
  async tagHeldByOtherCohort(tag: CohortTag, userId: string): Promise<boolean> {
    // Reads `connections` (owned by src/connections/repository.ts) for the workspace, inside this one statement.
    const [row] = await queryRows<{ held: boolean }>(
      this.db,
      sql`SELECT EXISTS (
            SELECT 1 FROM cohort_tags t
            JOIN connections mine ON mine.id = ${this.connectionId}
            JOIN connections c ON c.id = t.connection_id AND c.intercom_workspace_id = mine.intercom_workspace_id
            JOIN cohort_members m ON m.connection_id = t.connection_id AND m.cohort_id = t.cohort_id
              AND m.user_id = ${userId} AND m.member
            WHERE t.tag_id = ${tag.tagId} AND NOT (t.connection_id = ${this.connectionId} AND t.cohort_id = ${tag.cohortId})
          ) AS held`,
    );
    return row?.held ?? false;
  }

  /** The contact we tagged for this member, while they carry the tag. */
  async contactOf(cohortId: string, userId: string): Promise<string | undefined> {
    const state = await this.state(cohortId, userId);
    return state?.member ? (state.contactId ?? undefined) : undefined;
  }

  /** The last change we applied for this member (tagged or untagged, and when Amplitude computed it). */
  async state(
    cohortId: string,
    userId: string,
  ): Promise<{ member: boolean; contactId: string | null; changedAt: Date } | undefined> {
    const [row] = await queryRows<{ member: boolean; contact_id: string | null; changed_at: string | Date }>(
      this.db,
      sql`SELECT member, contact_id, changed_at FROM cohort_members
          WHERE connection_id = ${this.connectionId} AND cohort_id = ${cohortId} AND user_id = ${userId}`,
    );
    return row ? { member: row.member, contactId: row.contact_id, changedAt: new Date(row.changed_at) } : undefined;
  }

  /** The member carries the tag, as of `changedAt` (a change computed earlier than the one recorded never wins). */
  async tagged(cohortId: string, userId: string, contactId: string, changedAt: Date): Promise<void> {
    await this.record(cohortId, userId, contactId, true, changedAt);
  }

  /** The member no longer carries the tag, as of `changedAt`. Returns whether the record had them as a member. */
  async untagged(cohortId: string, userId: string, contactId: string | null, changedAt: Date): Promise<boolean> {
    const before = await this.state(cohortId, userId);
    await this.record(cohortId, userId, contactId, false, changedAt);
    return before?.member ?? false;
  }

  private async record(
    cohortId: string,
    userId: string,
    contactId: string | null,
    member: boolean,
    changedAt: Date,
  ): Promise<void> {
    await this.db.execute(sql`
      INSERT INTO cohort_members (connection_id, cohort_id, user_id, contact_id, member, changed_at)
      VALUES (${this.connectionId}, ${cohortId}, ${userId}, ${contactId}, ${member}, ${changedAt.toISOString()}::timestamptz)
      ON CONFLICT (connection_id, cohort_id, user_id) DO UPDATE
        SET contact_id = coalesce(excluded.contact_id, cohort_members.contact_id), member = excluded.member,
            changed_at = excluded.changed_at, tagged_at = now()
        WHERE cohort_members.changed_at <= excluded.changed_at`);
  }

  /** Every member carrying the tag we gave them, for a cohort: user id → contact id. */
  async members(cohortId: string): Promise<Map<string, string>> {
    const rows = await queryRows<{ user_id: string; contact_id: string }>(
      this.db,
      sql`SELECT user_id, contact_id FROM cohort_members
          WHERE connection_id = ${this.connectionId} AND cohort_id = ${cohortId} AND member`,
    );
    return new Map(rows.map((r) => [r.user_id, r.contact_id]));
  }

  /** The size of each cohort's tag, as we tagged it. */
  async sizes(): Promise<{ cohortId: string; tagId: string; tagName: string; members: number }[]> {
    const rows = await queryRows<{ cohort_id: string; tag_id: string; tag_name: string; members: number }>(
      this.db,
      sql`SELECT t.cohort_id, t.tag_id, t.tag_name,
                 (SELECT count(*)::int FROM cohort_members m
                   WHERE m.connection_id = t.connection_id AND m.cohort_id = t.cohort_id AND m.member) AS members
          FROM cohort_tags t WHERE t.connection_id = ${this.connectionId} ORDER BY t.created_at`,
    );
    return rows.map((r) => ({ cohortId: r.cohort_id, tagId: r.tag_id, tagName: r.tag_name, members: r.members }));
  }
}
