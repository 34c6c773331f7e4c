import { createHash } from 'node:crypto';
import { userKeyOf } from '../destination/ingest';
import type { NewOutboxRow } from '../destination/outbox';
import type { MembershipChange, ParsedCohortPayload } from './webhook-payload';

/**
 * Cohort membership changes as rows of the destination outbox (kind `membership`), delivered by the `intercom`
 * lane's shards (src/destination/actions/sync-cohort-membership). Pure.
 */
export const MEMBERSHIP_KIND = 'membership';

/** What a membership row carries: the change, as parsed. */
export type MembershipPayload = MembershipChange;

export type NewMembershipRow = NewOutboxRow & {
  kind: typeof MEMBERSHIP_KIND;
  payload: MembershipPayload;
};

/** The request the payload came in. */
export interface CohortReceipt {
  receivedAt: Date;
  /** Unique per request: stands in for the message id a property-based payload lacks. */
  requestId: string;
}

/**
 * One row per change. `userKey` is the destination's `user:<user id>`, so a user's cohort rows are delivered in
 * order with their other rows, and an identify that creates their contact releases them. `eventTime` is when
 * Amplitude computed the change, which orders add and remove batches that arrive out of order.
 */
export function outboxRowsForMemberships(
  connectionId: string,
  payload: ParsedCohortPayload,
  receipt: CohortReceipt,
): NewMembershipRow[] {
  return payload.changes.map((change) => ({
    connectionId,
    insertId: membershipInsertId(change, receipt.requestId),
    kind: MEMBERSHIP_KIND,
    payload: change,
    userKey: userKeyOf({ user_id: change.userId }),
    eventTime: change.computedTime === null ? receipt.receivedAt : new Date(change.computedTime * 1000),
  }));
}

/**
 * The outbox key of a change: a hash of (cohort, message id, user, direction). Amplitude keeps the message id on
 * its retries, so a retried batch collapses into the rows already stored, while the same user entering the cohort
 * again in a later batch is a new row. The cohort id is included in case two cohorts synced to one URL reuse a
 * message id.
 *
 * A property-based payload has no message id, so the request id stands in: its retries are not deduplicated.
 * Hashing the body instead would merge a user's later re-entry with an earlier identical request and lose it;
 * a duplicate tag or untag, by contrast, is harmless.
 */
export function membershipInsertId(change: MembershipChange, requestId: string): string {
  const message = change.messageId === null ? `request:${requestId}` : `message:${change.messageId}`;
  const identity = JSON.stringify([change.cohortId, message, change.userId, change.inCohort]);
  return `membership-${createHash('sha256').update(identity).digest('hex')}`;
}
