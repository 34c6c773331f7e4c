import { ApplicationFailure } from '@temporalio/common';

/**
 * One vocabulary for what came of a call to Intercom or Amplitude, and the one place that says what each
 * outcome means:
 * - for a queued row (src/delivery): settle it, retry it later, park it, expire it with a reason, or hold it
 *   as a connection error;
 * - for an activity: a Temporal `ApplicationFailure` whose type the workflows' retry policies name
 *   (`NON_RETRYABLE_FAILURE_TYPES`).
 *
 * The clients (src/intercom/client.ts, src/amplitude/client/upload-events.ts) answer in this vocabulary; what
 * an answer means for one step of one action (a 409 that names the existing contact, say) stays with that step.
 * Pure and free of Node APIs: workflow code imports the failure types.
 */

/** A call that did not succeed. `message` says what the service answered, for logs, rows and failures. */
export type CallFailure =
  /** Worth trying again: after `delayMs` when the service asked for that pause (a rate limit), else after the caller's backoff. */
  | { kind: 'retry_after'; reason: string; delayMs?: number; message: string }
  /** Refused for good: the same request can never succeed. `reason` is what rows and metrics call it. */
  | { kind: 'rejected'; reason: string; message: string }
  /** Our token or API key is no longer accepted (revoked, uninstalled): nothing works until an operator replaces it. */
  | { kind: 'auth_revoked'; message: string }
  /** What the call names does not exist (a contact not created yet, deleted or merged). */
  | { kind: 'not_found'; message: string };

export type CallOutcome = { kind: 'ok' } | CallFailure;

/** Ends a delivery step that cannot go on: thrown deep inside a row's steps, turned into the row's outcome at the top. */
export class CallFailedError extends Error {
  constructor(readonly failure: CallFailure) {
    super(failure.message);
    this.name = 'CallFailedError';
  }
}

// ---- Rows ---------------------------------------------------------------------------------------

/** What became of one claimed row of a queue (source_inbox, destination_outbox). Every claimed row gets exactly one. */
export type RowOutcome =
  | { id: number; kind: 'delivered' }
  /** Final: not sent, by design (filtered, no identity, disabled, refused by the service, …). */
  | { id: number; kind: 'skipped'; reason: string; error?: string }
  /** Final: given up (too old, kept failing, poison). */
  | { id: number; kind: 'expired'; reason: string; error?: string }
  /** Back to pending until `delayMs` from now; `parked` starts or continues a wait for a contact. */
  | { id: number; kind: 'later'; delayMs: number; reason: string; parked?: boolean; error?: string };

/** The row facts the behaviours read. */
export interface RowState {
  id: number;
  attempts: number;
  receivedAt: Date;
  /** When the row started waiting for its contact (destination rows only). */
  parkedSince?: Date | null;
}

/** How a lane retries what failed for a while. */
export interface RetryPolicy {
  /** How long transient failures are retried before a row expires (`delivery_failed`). */
  retryWindowMs: number;
  /** The wait after a row's `attempts`-th try when the service named none. */
  backoffMs(attempts: number): number;
}

/** The reason of a row held because the service no longer accepts our token or key. */
export const AUTH_REVOKED_REASON = 'auth_revoked';

/** How long a row of a connection in error waits before it is looked at again (its workflow holds it meanwhile). */
export const CONNECTION_ERROR_RETRY_MS = 60_000;

export interface RowBehaviour {
  outcome: RowOutcome;
  /** The connection cannot deliver at all until an operator acts: its lane holds its rows and tells its workflow. */
  connectionError?: boolean;
}

/**
 * What a failed call means for the row it was made for:
 * - retry-after with a pause the service asked for: wait that long (a pacing service is up: no retry window);
 * - retry-after without one: back off, and expire as `delivery_failed` once the retry window has passed;
 * - rejected: skip the row with the reason (its message kept as the row's error);
 * - not-found: skip it as `not_found` (a row that may wait for what is missing is parked instead: `parkedRow`);
 * - auth-revoked: a connection error.
 */
export function rowBehaviourFor(row: RowState, failure: CallFailure, policy: RetryPolicy, now: number): RowBehaviour {
  const error = failure.message;
  switch (failure.kind) {
    case 'retry_after':
      if (failure.delayMs !== undefined)
        return { outcome: { id: row.id, kind: 'later', delayMs: failure.delayMs, reason: failure.reason, error } };
      if (now - row.receivedAt.getTime() > policy.retryWindowMs)
        return { outcome: { id: row.id, kind: 'expired', reason: 'delivery_failed', error } };
      return {
        outcome: { id: row.id, kind: 'later', delayMs: policy.backoffMs(row.attempts), reason: failure.reason, error },
      };
    case 'rejected':
      return { outcome: { id: row.id, kind: 'skipped', reason: failure.reason, error } };
    case 'not_found':
      return { outcome: { id: row.id, kind: 'skipped', reason: 'not_found', error } };
    case 'auth_revoked':
      return {
        outcome: { id: row.id, kind: 'later', delayMs: CONNECTION_ERROR_RETRY_MS, reason: AUTH_REVOKED_REASON, error },
        connectionError: true,
      };
  }
}

/** How long rows wait for a contact that does not exist yet. */
export interface ParkPolicy {
  /** Waits between attempts, e.g. 1 min, 5 min, …; the last one repeats. */
  scheduleMs: readonly number[];
  /** Past this wait the row expires as `contact_not_found`. */
  maxAgeMs: number;
}

/** Not found, and worth waiting for: wait on the park schedule, and expire once the wait is too long. */
export function parkedRow(row: RowState, policy: ParkPolicy, now: number): RowOutcome {
  const since = row.parkedSince?.getTime() ?? now;
  if (now - since >= policy.maxAgeMs) return { id: row.id, kind: 'expired', reason: 'contact_not_found' };
  const schedule = policy.scheduleMs;
  const delayMs = schedule[Math.min(Math.max(row.attempts - 1, 0), schedule.length - 1)] ?? 60_000;
  return { id: row.id, kind: 'later', delayMs, reason: 'contact_not_found', parked: true };
}

/** Every row of a connection in error waits, with the reason and message its workflow will show. */
export function heldForConnectionError(rows: readonly { id: number }[], reason: string, message: string): RowOutcome[] {
  return rows.map((r) => ({ id: r.id, kind: 'later', delayMs: CONNECTION_ERROR_RETRY_MS, reason, error: message }));
}

// ---- Activities ---------------------------------------------------------------------------------

/** The `type` of the ApplicationFailure each outcome becomes (shown in the Temporal UI, named by retry policies). */
export const FAILURE_TYPES = {
  retryAfter: 'RetryAfter',
  rejected: 'Rejected',
  authRevoked: 'AuthRevoked',
  notFound: 'NotFound',
} as const;

/** For `retry.nonRetryableErrorTypes`: failures that trying again cannot mend. */
export const NON_RETRYABLE_FAILURE_TYPES: string[] = [
  FAILURE_TYPES.rejected,
  FAILURE_TYPES.authRevoked,
  FAILURE_TYPES.notFound,
];

/**
 * What a failed call means for an activity: retry-after is retried by Temporal (after the pause the service asked
 * for, else on the retry policy's backoff); everything else fails the activity for good.
 */
export function toApplicationFailure(failure: CallFailure): ApplicationFailure {
  const { message } = failure;
  switch (failure.kind) {
    case 'retry_after':
      return ApplicationFailure.create({
        message,
        type: FAILURE_TYPES.retryAfter,
        ...(failure.delayMs !== undefined && { nextRetryDelay: failure.delayMs }),
      });
    case 'rejected':
      return ApplicationFailure.nonRetryable(message, FAILURE_TYPES.rejected);
    case 'auth_revoked':
      return ApplicationFailure.nonRetryable(message, FAILURE_TYPES.authRevoked);
    case 'not_found':
      return ApplicationFailure.nonRetryable(message, FAILURE_TYPES.notFound);
  }
}
