import type { CallFailure, CallOutcome } from '../outcomes';

/**
 * Reading Intercom's error answers. Pure: no I/O, so the client, activities and tests share it.
 *
 * Intercom answers errors with `{"type":"error.list","request_id","errors":[{code,message,field?}]}`,
 * except a few endpoints seen answering a bare `{"code","message"}` (the 422 for the event-name
 * cap). Both are read here, as is a non-JSON body (proxies, outages).
 */

export interface IntercomError {
  status: number;
  code?: string;
  message?: string;
  requestId?: string;
  field?: string;
}

const MAX_MESSAGE_LENGTH = 500;

export function parseIntercomError(status: number, bodyText: string | null | undefined): IntercomError {
  const error: IntercomError = { status };
  const text = bodyText?.trim() ?? '';
  if (!text) return error;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    error.message = text.slice(0, MAX_MESSAGE_LENGTH);
    return error;
  }
  if (typeof parsed !== 'object' || parsed === null) return error;
  const body = parsed as Record<string, unknown>;
  if (typeof body.request_id === 'string') error.requestId = body.request_id;
  const first = Array.isArray(body.errors) ? (body.errors[0] as Record<string, unknown> | undefined) : undefined;
  const source = first && typeof first === 'object' ? first : body;
  const code = source.code ?? body.code;
  const message = source.message ?? body.message ?? body.error;
  if (typeof code === 'string' || typeof code === 'number') error.code = String(code);
  if (typeof message === 'string') error.message = message.slice(0, MAX_MESSAGE_LENGTH);
  if (typeof source.field === 'string') error.field = source.field;
  return error;
}

/**
 * The existing contact's id from a 409 "A contact matching those details already exists with id=…".
 * `archived` is set when Intercom says the match is archived (it must be unarchived before use).
 */
export function conflictContactId(message: string | undefined): { id: string; archived: boolean } | undefined {
  const match = message ? /already exists with id=([A-Za-z0-9_-]+)/.exec(message) : null;
  if (!match?.[1]) return undefined;
  return { id: match[1], archived: /^\s*an archived contact/i.test(message ?? '') };
}

/** The 422 for a workspace already at its cap of active event names. */
export function isEventTypeLimit(error: IntercomError): boolean {
  return /more than \d+ active event names/i.test(error.message ?? '');
}

/** `POST /events` (and contact lookups) for a contact Intercom doesn't know. */
export function isUserNotFound(error: IntercomError): boolean {
  return error.status === 404 && /user not found/i.test(error.message ?? '');
}

const REVOKED_CODES = new Set(['token_revoked', 'token_unauthorized', 'unauthorized', 'token_not_found']);

/**
 * A 401 that means the installation is gone: the token was revoked or the app uninstalled.
 * A 401 without a readable code counts too — tokens never expire, so nothing else explains it.
 */
export function isAuthRevoked(error: IntercomError): boolean {
  return error.status === 401 && (error.code === undefined || REVOKED_CODES.has(error.code));
}

export interface RateLimitInfo {
  /** Calls allowed per minute. */
  limit?: number;
  /** Calls left in the current 10-second window. */
  remaining?: number;
  /** Epoch milliseconds when the window resets. */
  resetAt?: number;
}

type HeaderSource =
  | { get(name: string): string | null }
  | Map<string, string>
  | Record<string, string | string[] | number | undefined | null>;

export function rateLimitFromHeaders(headers: HeaderSource): RateLimitInfo {
  const read = (name: string): number | undefined => {
    let value: unknown;
    if (typeof (headers as Headers).get === 'function') {
      const withGet = headers as { get(name: string): string | null | undefined };
      value = withGet.get(name) ?? withGet.get(name.toLowerCase());
    } else {
      const record = headers as Record<string, unknown>;
      const key = Object.keys(record).find((k) => k.toLowerCase() === name.toLowerCase());
      value = key === undefined ? undefined : record[key];
    }
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (first === undefined || first === null || first === '') return undefined;
    const n = Number(first);
    return Number.isFinite(n) ? n : undefined;
  };
  const info: RateLimitInfo = {};
  const limit = read('x-ratelimit-limit');
  const remaining = read('x-ratelimit-remaining');
  const reset = read('x-ratelimit-reset');
  if (limit !== undefined) info.limit = limit;
  if (remaining !== undefined) info.remaining = remaining;
  if (reset !== undefined) info.resetAt = reset * 1000;
  return info;
}

/** Row and failure reasons of Intercom's answers (src/outcomes.ts says what each kind means). */
export const INTERCOM_REASONS = {
  rateLimited: 'rate_limited',
  unavailable: 'intercom_unavailable',
  rejected: 'intercom_rejected',
  /** The 422 for a workspace at its cap of active event names. */
  eventTypeLimit: 'event_type_limit',
} as const;

/** The wait after a 429 when Intercom's headers name no reset, and the least wait when they do. */
const RATE_LIMIT_DEFAULT_WAIT_MS = 10_000;
const RATE_LIMIT_MIN_WAIT_MS = 1_000;

/**
 * What an answer means, in the shared vocabulary (src/outcomes.ts). `status` 0 stands for "no answer" (timeout,
 * reset connection) and is worth a retry, like 408 and every 5xx; a 429 waits until the rate-limit window resets.
 * 404 and 410 (a merged contact) are not-found: the id asked for is gone. Every other 4xx is a refusal; the caller
 * reads the details (`error`) where a refusal tells more (a 409 names the contact that already exists).
 */
export function classifyIntercomResponse(
  status: number,
  error?: IntercomError,
  rateLimit: RateLimitInfo = {},
  now: number = Date.now(),
): CallOutcome {
  if (status >= 200 && status < 300) return { kind: 'ok' };
  return intercomFailure({ ...error, status }, rateLimit, now);
}

/** What a non-2xx answer (or none, `status` 0) means; see classifyIntercomResponse. */
export function intercomFailure(error: IntercomError, rateLimit: RateLimitInfo = {}, now = Date.now()): CallFailure {
  const { status } = error;
  const message = describeIntercomError(error);
  if (status === 0 || status === 408 || status >= 500)
    return { kind: 'retry_after', reason: INTERCOM_REASONS.unavailable, message };
  if (status === 429) {
    const delayMs = rateLimit.resetAt
      ? Math.max(rateLimit.resetAt - now, RATE_LIMIT_MIN_WAIT_MS)
      : RATE_LIMIT_DEFAULT_WAIT_MS;
    return { kind: 'retry_after', reason: INTERCOM_REASONS.rateLimited, delayMs, message };
  }
  if (status === 401 && isAuthRevoked(error)) return { kind: 'auth_revoked', message };
  if (status === 404 || status === 410) return { kind: 'not_found', message };
  if (status === 422 && isEventTypeLimit(error))
    return { kind: 'rejected', reason: INTERCOM_REASONS.eventTypeLimit, message };
  return { kind: 'rejected', reason: INTERCOM_REASONS.rejected, message };
}

/** `Intercom answered 409: conflict A contact matching…`, or what went wrong when there was no answer. */
export function describeIntercomError(error: IntercomError): string {
  if (error.status === 0) return `Intercom did not answer: ${error.message ?? 'no response'}`;
  return `Intercom answered ${error.status}: ${error.code ?? ''} ${error.message ?? ''}`.trim();
}
