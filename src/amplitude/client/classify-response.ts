import { isPlainObject, type AmplitudeEvent } from '../protocol/event';
import {
  DAILY_QUOTA_STEP_MS,
  HTTP_V2_MAX_BODY_BYTES,
  MAX_EVENTS_PER_REQUEST,
  THROTTLE_PAUSE_MS,
} from '../protocol/limits';

/**
 * What our sender should do with Amplitude's answer to one upload (https://amplitude.com/docs/apis/analytics/http-v2 "Responses", https://amplitude.com/docs/apis/analytics/http-api-batching-retries, and what the official Node SDK does: https://github.com/amplitude/Amplitude-TypeScript).
 * Index lists refer to positions in the events array of the request that got this answer.
 */
export type UploadOutcome =
  | { kind: 'ok'; eventsIngested: number }
  /**
   * 400 naming events: those in `invalid` (index → reasons like `invalid_field:time`) are dead letters.
   * Nothing of the request was ingested: resend `retryIndexes` now and `throttledIndexes` after the pause.
   */
  | {
      kind: 'partial';
      invalid: Map<number, string>;
      retryIndexes: number[];
      throttledIndexes: number[];
      retryAfterMs: number;
    }
  /** Retrying the same request cannot succeed: missing api_key, invalid key, WAF block, malformed body. */
  | { kind: 'fatal'; status: number; reason: string }
  /** 413: split and resend; a single event that is too large can only be dead-lettered. */
  | { kind: 'too_large'; canSplit: boolean }
  /**
   * 429: nothing was ingested. `throttledIndexes` wait `retryAfterMs`; `dailyQuotaIndexes` belong to ids over
   * the 24 h quota and wait `dailyQuotaRetryAfterMs` (the quota moves in 1-hour steps); `retryNowIndexes`
   * may be resent at once.
   */
  | {
      kind: 'throttled';
      throttledIndexes: number[];
      dailyQuotaIndexes: number[];
      retryNowIndexes: number[];
      retryAfterMs: number;
      dailyQuotaRetryAfterMs: number;
      epsThreshold?: number;
      /** The 429 named no user, device or event: it only says "slow down", and the sender decides how much. */
      unspecified?: boolean;
    }
  /** 5xx/408: resend all. `duplicateRisk`: it may already be ingested (500/502/504), so insert_id matters. */
  | { kind: 'retry'; status: number; duplicateRisk: boolean };

/** The event fields the classifier needs to map 429 user/device lists back to indexes. */
export type EventIds = Pick<AmplitudeEvent, 'user_id' | 'device_id'>;

/**
 * Classifies by HTTP status (the body refines it). Amplitude documents the body maps for the events of the
 * request, so `events` must be the exact list sent, in order.
 */
export function classifyUploadResponse(status: number, bodyText: string, events: readonly EventIds[]): UploadOutcome {
  const body = parseBody(bodyText);
  if (status >= 200 && status < 300) {
    return { kind: 'ok', eventsIngested: numberOr(body.events_ingested, events.length) };
  }
  switch (status) {
    case 400:
      return classifyBadRequest(body, events.length);
    case 403:
      return { kind: 'fatal', status, reason: 'forbidden' };
    case 413:
      return { kind: 'too_large', canSplit: events.length > 1 };
    case 429:
      return classifyThrottled(body, events);
    case 503:
      return { kind: 'retry', status, duplicateRisk: false };
    case 408:
      return { kind: 'retry', status, duplicateRisk: true };
  }
  if (status >= 500) return { kind: 'retry', status, duplicateRisk: true };
  return { kind: 'fatal', status, reason: `http_${status}${errorSuffix(body)}` };
}

const INDEX_MAPS = [
  ['events_with_invalid_fields', 'invalid_field'],
  ['events_with_missing_fields', 'missing_field'],
  ['events_with_invalid_id_lengths', 'invalid_id_length'],
] as const;

function classifyBadRequest(body: Record<string, unknown>, eventCount: number): UploadOutcome {
  const error = typeof body.error === 'string' ? body.error : '';
  if (typeof body.missing_field === 'string' && body.missing_field) {
    return { kind: 'fatal', status: 400, reason: `missing_field:${body.missing_field}` };
  }
  if (error.startsWith('Invalid API key')) return { kind: 'fatal', status: 400, reason: 'invalid_api_key' };

  const invalid = new Map<number, string>();
  const note = (index: number, reason: string) => {
    if (!isIndex(index, eventCount)) return;
    const previous = invalid.get(index);
    invalid.set(index, previous ? `${previous},${reason}` : reason);
  };
  for (const [mapName, prefix] of INDEX_MAPS) {
    const map = body[mapName];
    if (!isPlainObject(map)) continue;
    for (const [field, indexes] of Object.entries(map)) {
      indexList(indexes).forEach((i) => note(i, `${prefix}:${field}`));
    }
  }
  indexList(body.silenced_events).forEach((i) => note(i, 'silenced_device'));
  if (invalid.size === 0) return { kind: 'fatal', status: 400, reason: error || 'bad_request' };

  // The silenced variant may also list throttled events; they are fine, just early.
  const throttled = new Set(indexList(body.throttled_events).filter((i) => isIndex(i, eventCount) && !invalid.has(i)));
  const rest = range(eventCount).filter((i) => !invalid.has(i));
  return {
    kind: 'partial',
    invalid,
    retryIndexes: rest.filter((i) => !throttled.has(i)),
    throttledIndexes: rest.filter((i) => throttled.has(i)),
    retryAfterMs: THROTTLE_PAUSE_MS,
  };
}

/**
 * A 429 lists throttled event indexes and throttled users/devices; we take the union of both so an event
 * is paused when its user or device is hot even if `throttled_events` is missing. Ids over the daily quota
 * are parked longer. A 429 that names nothing (a proxy's, or a generic one) throttles the whole request.
 */
function classifyThrottled(body: Record<string, unknown>, events: readonly EventIds[]): UploadOutcome {
  const listed = new Set(indexList(body.throttled_events).filter((i) => isIndex(i, events.length)));
  const users = idSet(body.throttled_users);
  const devices = idSet(body.throttled_devices);
  const quotaUsers = idSet(body.exceeded_daily_quota_users);
  const quotaDevices = idSet(body.exceeded_daily_quota_devices);
  const matches = (event: EventIds, userIds: Set<string>, deviceIds: Set<string>) =>
    (event.user_id !== undefined && userIds.has(event.user_id)) ||
    (event.device_id !== undefined && deviceIds.has(event.device_id));

  const dailyQuotaIndexes: number[] = [];
  const throttledIndexes: number[] = [];
  const retryNowIndexes: number[] = [];
  events.forEach((event, index) => {
    if (matches(event, quotaUsers, quotaDevices)) dailyQuotaIndexes.push(index);
    else if (listed.has(index) || matches(event, users, devices)) throttledIndexes.push(index);
    else retryNowIndexes.push(index);
  });
  const namesNothing = throttledIndexes.length === 0 && dailyQuotaIndexes.length === 0;
  return {
    kind: 'throttled',
    throttledIndexes: namesNothing ? range(events.length) : throttledIndexes,
    dailyQuotaIndexes,
    retryNowIndexes: namesNothing ? [] : retryNowIndexes,
    retryAfterMs: THROTTLE_PAUSE_MS,
    dailyQuotaRetryAfterMs: DAILY_QUOTA_STEP_MS,
    ...(typeof body.eps_threshold === 'number' && body.eps_threshold > 0 && { epsThreshold: body.eps_threshold }),
    ...(namesNothing && { unspecified: true }),
  };
}

/** Room kept for `{"api_key":…,"events":[…],"options":{…},"client_upload_time":…}` around the events. */
export const REQUEST_ENVELOPE_BYTES = 1024;

/**
 * Chunks events, in order, into requests of at most `maxEvents` events whose JSON body stays within
 * `maxBytes` (events are measured serialized, plus the envelope). An event too large on its own still
 * gets its own chunk: Amplitude's 413 for it then leads to the same dead-letter path as any rejection.
 * `wireEvent` picks what is actually sent when the items carry more than the event (e.g. a row ref).
 */
export function splitForLimits<T>(
  events: readonly T[],
  maxEvents = MAX_EVENTS_PER_REQUEST,
  maxBytes = HTTP_V2_MAX_BODY_BYTES,
  envelopeBytes = REQUEST_ENVELOPE_BYTES,
  wireEvent: (item: T) => unknown = (item) => item,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let currentBytes = envelopeBytes;
  for (const event of events) {
    const size = Buffer.byteLength(JSON.stringify(wireEvent(event))) + 1; // the comma between events
    if (current.length > 0 && (current.length >= maxEvents || currentBytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      currentBytes = envelopeBytes;
    }
    current.push(event);
    currentBytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function parseBody(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) ? value : {};
  } catch {
    return {}; // an HTML error page from a proxy, or nothing at all
  }
}

function indexList(value: unknown): number[] {
  return Array.isArray(value) ? value.filter((i): i is number => Number.isSafeInteger(i)) : [];
}

function idSet(value: unknown): Set<string> {
  return new Set(isPlainObject(value) ? Object.keys(value) : []);
}

function isIndex(index: number, count: number): boolean {
  return index >= 0 && index < count;
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

function errorSuffix(body: Record<string, unknown>): string {
  return typeof body.error === 'string' && body.error ? `:${body.error}` : '';
}
