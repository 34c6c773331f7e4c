/**
 * Amplitude's documented ingestion limits (https://amplitude.com/docs/apis/analytics/http-v2, https://amplitude.com/docs/apis/analytics/identify).
 * Byte sizes are measured on the decoded body: a gzip request counts after decompression.
 */

export type UploadEndpoint = 'httpapi' | 'batch';

export const MAX_EVENTS_PER_REQUEST = 2000;
/** HTTP V2 bodies must be smaller than 1 MB; we read "MB" as 1,000,000 bytes, the stricter reading. */
export const HTTP_V2_MAX_BODY_BYTES = 1_000_000;
export const BATCH_MAX_BODY_BYTES = 20_000_000;

/** Longer string values are truncated by Amplitude (ids excepted: see event-validation.ts). */
export const MAX_STRING_LENGTH = 1024;
export const MAX_OBJECT_DEPTH = 40;

export const DEFAULT_MIN_ID_LENGTH = 5;

/** Events per second per user or device, averaged over a recent window of about 30 s. */
export const HTTP_V2_EPS_THRESHOLD = 30;
export const BATCH_EPS_THRESHOLD = 1000;
export const EPS_AVERAGING_WINDOW_MS = 30_000;
/** How long a throttled user or device should pause before its events are retried. */
export const THROTTLE_PAUSE_MS = 30_000;

/** Batch only: events per user or device per rolling 24 h (moving in 1-hour steps). */
export const BATCH_DAILY_QUOTA = 500_000;
export const DAILY_QUOTA_WINDOW_MS = 24 * 60 * 60 * 1000;
export const DAILY_QUOTA_STEP_MS = 60 * 60 * 1000;

/** A repeated insert_id on the same device_id within this window is ignored. */
export const DEDUPE_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

export const ENDPOINT_LIMITS: Readonly<
  Record<UploadEndpoint, { maxBodyBytes: number; maxEvents: number; epsThreshold: number }>
> = {
  httpapi: {
    maxBodyBytes: HTTP_V2_MAX_BODY_BYTES,
    maxEvents: MAX_EVENTS_PER_REQUEST,
    epsThreshold: HTTP_V2_EPS_THRESHOLD,
  },
  batch: { maxBodyBytes: BATCH_MAX_BODY_BYTES, maxEvents: MAX_EVENTS_PER_REQUEST, epsThreshold: BATCH_EPS_THRESHOLD },
};

/** user_id / device_id values Amplitude rejects with 400 (compared case-insensitively). */
export const INVALID_ID_VALUES: ReadonlySet<string> = new Set([
  'anonymous',
  'nil',
  'none',
  'null',
  'n/a',
  'na',
  'undefined',
  'unknown',
  '',
  '""',
  '00000000-0000-0000-0000-000000000000',
  '{}',
  'lmy47d',
  '0',
  '-1',
]);

export const ALL_ZERO_IDFA = '00000000-0000-0000-0000-000000000000';

export const IDENTIFY_EVENT_TYPE = '$identify';
export const GROUP_IDENTIFY_EVENT_TYPE = '$groupidentify';

/** Event types Amplitude keeps for itself; sending one is an invalid field. */
export const RESERVED_EVENT_TYPES: ReadonlySet<string> = new Set([
  '[Amplitude] Start Session',
  '[Amplitude] End Session',
  '[Amplitude] Revenue',
  '[Amplitude] Revenue (Verified)',
  '[Amplitude] Revenue (Unverified)',
  '[Amplitude] Merged User',
]);

/** Case-insensitive but untrimmed, as Amplitude checks the id it was sent; callers that trim ids do so first. */
export function isInvalidIdValue(id: string): boolean {
  return INVALID_ID_VALUES.has(id.toLowerCase());
}
