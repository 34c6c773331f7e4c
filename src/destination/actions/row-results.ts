import { parkedRow, rowBehaviourFor, type CallFailure } from '../../outcomes';
import type { OutboxRow } from '../outbox';
import type { DeliveryContext, RowResult } from './context';

/** The results every action gives, built on the behaviours of src/outcomes.ts. */

export function sentRow(row: OutboxRow, counters: Record<string, number> = {}): RowResult {
  return { outcome: { id: row.id, kind: 'delivered' }, counters };
}

export function skippedRow(row: OutboxRow, reason: string): RowResult {
  return { outcome: { id: row.id, kind: 'skipped', reason }, counters: {} };
}

/** The contact does not exist yet: the row waits on the park schedule, and expires once the wait is too long. */
export function parkRow(ctx: DeliveryContext, row: OutboxRow): RowResult {
  const outcome = parkedRow(
    row,
    { scheduleMs: ctx.policy.parkScheduleMs, maxAgeMs: ctx.policy.parkMaxAgeMs },
    ctx.now(),
  );
  return { outcome, counters: outcome.kind === 'later' && !row.parkedSince ? { parked: 1 } : {} };
}

/** A failed Intercom call, as src/outcomes.ts says: retried (backing off), expired, skipped, or the sync's error. */
export function failedRow(ctx: DeliveryContext, row: OutboxRow, failure: CallFailure): RowResult {
  const { outcome, connectionError } = rowBehaviourFor(
    row,
    failure,
    { retryWindowMs: ctx.policy.retryWindowMs, backoffMs: intercomBackoffMs },
    ctx.now(),
  );
  if (connectionError) return { outcome, counters: {}, authRevoked: true };
  return { outcome, counters: outcome.kind === 'later' ? { retried: 1 } : {} };
}

/** Exponential backoff for transient Intercom failures: 5 s, 10 s, … capped at 10 minutes. */
function intercomBackoffMs(attempts: number): number {
  return Math.min(5_000 * 2 ** Math.max(attempts - 1, 0), 600_000);
}
