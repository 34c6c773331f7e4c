import { memberIntercomUser } from '../../../cohort/member-identity';
import type { MembershipPayload } from '../../../cohort/outbox-rows';
import { isUserNotFound } from '../../../intercom/errors';
import type { IntercomUser } from '../../intercom-user';
import type { OutboxRow } from '../../outbox';
import { prefetchContacts, resolveContact } from '../contact-lookup';
import type { CohortContext, DeliveryContext, RowResult } from '../context';
import { failedRow, parkRow, sentRow, skippedRow } from '../row-results';

/** Reason of a removal with nothing to remove: we never tagged the user, and no contact of theirs exists. */
export const NOT_TAGGED_REASON = 'not_tagged';
/** Reason of a change Amplitude computed before the one already applied for the member (it arrived late). */
export const SUPERSEDED_REASON = 'superseded';
/** Reason of a removal that leaves the tag in place: another cohort sharing the tag still has the member. */
export const TAG_HELD_REASON = 'tag_held_by_other_cohort';

/**
 * Applies one membership change to the cohort's Intercom tag.
 * - Entering: find the contact (identity cache, then search), make sure the tag exists, tag the contact, record
 *   the member. A contact that does not exist yet parks the row on the destination's schedule (an identify of
 *   the user through a destination releases it; past the maximum age it expires as `contact_not_found`).
 * - Leaving: first cancel the user's additions still waiting (so a late contact never gets a tag the user already
 *   lost), then untag the contact we tagged (or the one the mapping finds) and forget the member. Untagging a
 *   contact that no longer carries the tag counts as done: the change is idempotent. A tag that another cohort
 *   still gives the member (cohorts sharing one tag) stays: skipped as `tag_held_by_other_cohort`.
 */
export async function performCohortMembership(ctx: DeliveryContext, row: OutboxRow): Promise<RowResult> {
  const cohort = ctx.cohort;
  if (!cohort) throw new Error('a membership row reached a connection that is not a cohort sync');
  const change = row.payload as unknown as MembershipPayload;
  const user = memberIntercomUser(change, cohort.settings.mapping);
  if ('error' in user) return skippedRow(row, user.error);
  // Last writer wins, by when Amplitude computed the change: one computed before the change applied is stale.
  const changedAt = changedAtOf(change, row);
  const applied = await cohort.record.state(change.cohortId, change.userId);
  if (applied && applied.changedAt.getTime() > changedAt.getTime()) return skippedRow(row, SUPERSEDED_REASON);
  const member: MemberChange = { ctx, cohort, row, change, user, changedAt };
  return change.inCohort ? addMember(member) : removeMember(member);
}

/** When Amplitude computed the change; a property-based payload has no such time, so its arrival stands in. */
function changedAtOf(change: MembershipPayload, row: OutboxRow): Date {
  return change.computedTime === null ? row.receivedAt : new Date(change.computedTime * 1000);
}

/**
 * Before a group's memberships: the contacts of the members entering that the identity cache does not know, looked
 * up in bulk (a cohort's first sync then costs about one call per member: its tag call). Members leaving are
 * found in our record first, so they are left to their rows.
 */
export async function prepareCohortMembership(ctx: DeliveryContext, rows: readonly OutboxRow[]): Promise<void> {
  const cohort = ctx.cohort;
  if (!cohort) return;
  const users: IntercomUser[] = [];
  for (const row of rows) {
    const change = row.payload as unknown as MembershipPayload;
    if (!change.inCohort || row.parkedSince) continue;
    const user = memberIntercomUser(change, cohort.settings.mapping);
    if (!('error' in user)) users.push(user);
  }
  await prefetchContacts(ctx, users);
}

/** One membership change to apply, with what it needs: the same for an addition and a removal. */
interface MemberChange {
  ctx: DeliveryContext;
  cohort: CohortContext;
  row: OutboxRow;
  change: MembershipPayload;
  user: { field: 'external_id' | 'email'; value: string };
  changedAt: Date;
}

async function addMember({ ctx, cohort, row, change, user, changedAt }: MemberChange): Promise<RowResult> {
  const contactId = await resolveContact(ctx, user);
  if (!contactId) return parkRow(ctx, row);
  for (let attempt = 0; ; attempt += 1) {
    const tagId = await cohort.tags.ensure(change.cohortId, change.cohortName);
    const tagged = await ctx.intercom.tagContact(ctx.token, contactId, tagId);
    if (tagged.ok) {
      await cohort.record.tagged(change.cohortId, change.userId, contactId, changedAt);
      return sentRow(row, { members_added: 1 });
    }
    if (tagged.failure.kind !== 'not_found') return failedRow(ctx, row, tagged.failure);
    if (isUserNotFound(tagged.error)) {
      // Deleted or merged since we found it: wait for the contact as for one that never existed.
      await ctx.identities.forget(user.field, user.value);
      return parkRow(ctx, row);
    }
    // The tag was deleted in Intercom: create it again, once.
    await cohort.tags.forget(change.cohortId);
    if (attempt > 0) return failedRow(ctx, row, tagged.failure);
  }
}

async function removeMember({ ctx, cohort, row, change, user, changedAt }: MemberChange): Promise<RowResult> {
  const cancelled = await cohort.cancelWaitingAdditions({
    userKey: row.userKey,
    cohortId: change.cohortId,
    userId: change.userId,
    computedAt: changedAt,
  });
  const counters: Record<string, number> = cancelled > 0 ? { 'skipped:cancelled_by_removal': cancelled } : {};
  const recorded = await cohort.record.contactOf(change.cohortId, change.userId);
  const contactId = recorded ?? (await resolveContact(ctx, user));
  // Our own record of the tag first: a removal must not create a tag just to find nobody carries it.
  const tag = await cohort.record.tag(change.cohortId);
  if (!contactId || !tag) {
    // Remembered all the same: an addition computed before this removal, arriving later, must not tag them.
    await cohort.record.untagged(change.cohortId, change.userId, contactId, changedAt);
    return { ...skippedRow(row, NOT_TAGGED_REASON), counters };
  }
  // wasMember of a removal recorded before the untag call (a tag other cohorts share), else recorded after it.
  let recordedFirst: boolean | undefined;
  if (await cohort.record.tagHeldByOtherCohort(tag, change.userId)) {
    // The tag stays while another cohort gives it. This removal is recorded before looking again, so two removals
    // at once cannot each leave the tag to the other: the later look sees the earlier record.
    recordedFirst = await cohort.record.untagged(change.cohortId, change.userId, contactId, changedAt);
    if (await cohort.record.tagHeldByOtherCohort(tag, change.userId))
      return { ...skippedRow(row, TAG_HELD_REASON), counters };
  }
  const untagged = await ctx.intercom.untagContact(ctx.token, contactId, tag.tagId);
  if (!untagged.ok && untagged.failure.kind !== 'not_found') {
    const failed = failedRow(ctx, row, untagged.failure);
    return { ...failed, counters: { ...failed.counters, ...counters } };
  }
  // Not found: the contact is gone, or no longer carries the tag (or the tag is gone): nothing left to remove.
  if (!untagged.ok && isUserNotFound(untagged.error)) await ctx.identities.forget(user.field, user.value);
  const wasMember =
    recordedFirst ?? (await cohort.record.untagged(change.cohortId, change.userId, contactId, changedAt));
  if (untagged.ok || wasMember) return sentRow(row, { ...counters, members_removed: 1 });
  return { ...skippedRow(row, NOT_TAGGED_REASON), counters };
}
