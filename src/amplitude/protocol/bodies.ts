/**
 * Response bodies exactly as Amplitude sends them (https://amplitude.com/docs/apis/analytics/http-v2, "Responses"). Every answer is non-empty JSON whose
 * `code` equals the HTTP status: the official SDK routes on `body.code` and never settles on an empty body.
 * The one exception is a 200 from /identify, which is the text `success`.
 */

export interface AmplitudeErrorBody {
  code: number;
  error: string;
  [key: string]: unknown;
}

export interface SuccessBody {
  code: 200;
  events_ingested: number;
  payload_size_bytes: number;
  server_upload_time: number;
}

/** field → event indexes, as in `events_with_invalid_fields: {"time": [3]}`. */
export type IndexesByField = Record<string, number[]>;

export interface EventIssues {
  invalidFields: IndexesByField;
  missingFields: IndexesByField;
  invalidIdLengths: IndexesByField;
}

export const IDENTIFY_SUCCESS_TEXT = 'success';

export const ERROR_MESSAGES = {
  invalidRequestPath: 'Invalid request path',
  missingBody: 'Missing request body',
  invalidJson: 'Invalid JSON request body',
  missingField: 'Request missing required field',
  invalidEventJson: 'Invalid event JSON',
  invalidApiKey: 'Invalid API key',
  invalidEvents: 'Invalid field values on some events',
  invalidIdLength: 'Invalid id length for user_id or device_id',
  silenced: 'Events silenced for device_id',
  tooLarge: 'Payload too large',
  throttled: 'Too many requests for some devices and users',
  forbidden: 'Forbidden',
  missingEvent: 'missing_event',
} as const;

export function successBody(eventsIngested: number, payloadSizeBytes: number, serverUploadTime: number): SuccessBody {
  return {
    code: 200,
    events_ingested: eventsIngested,
    payload_size_bytes: payloadSizeBytes,
    server_upload_time: serverUploadTime,
  };
}

export function invalidRequestPathBody(): AmplitudeErrorBody {
  return { code: 400, error: ERROR_MESSAGES.invalidRequestPath };
}

export function missingBodyBody(): AmplitudeErrorBody {
  return { code: 400, error: ERROR_MESSAGES.missingBody };
}

export function invalidJsonBody(): AmplitudeErrorBody {
  return { code: 400, error: ERROR_MESSAGES.invalidJson };
}

export function missingFieldBody(field: 'api_key' | 'events'): AmplitudeErrorBody {
  return { code: 400, error: ERROR_MESSAGES.missingField, missing_field: field };
}

export function invalidEventJsonBody(): AmplitudeErrorBody {
  return { code: 400, error: ERROR_MESSAGES.invalidEventJson };
}

/** The SDK fails the whole batch when `error` starts with "Invalid API key". */
export function invalidApiKeyBody(): AmplitudeErrorBody {
  return { code: 400, error: ERROR_MESSAGES.invalidApiKey };
}

/**
 * 400 naming the events to drop. All three maps are always present (possibly empty) so every SDK
 * parser finds them. A request failing only on id lengths gets the message seen in production.
 */
export function invalidEventsBody(issues: EventIssues): AmplitudeErrorBody {
  const onlyIdLengths =
    isEmpty(issues.invalidFields) && isEmpty(issues.missingFields) && !isEmpty(issues.invalidIdLengths);
  return {
    code: 400,
    error: onlyIdLengths ? ERROR_MESSAGES.invalidIdLength : ERROR_MESSAGES.invalidEvents,
    events_with_invalid_fields: issues.invalidFields,
    events_with_missing_fields: issues.missingFields,
    events_with_invalid_id_lengths: issues.invalidIdLengths,
  };
}

export function silencedBody(input: {
  silencedDevices: string[];
  silencedEvents: number[];
  epsThreshold: number;
}): AmplitudeErrorBody {
  return {
    code: 400,
    error: ERROR_MESSAGES.silenced,
    eps_threshold: input.epsThreshold,
    exceeded_daily_quota_devices: {},
    silenced_devices: input.silencedDevices,
    silenced_events: input.silencedEvents,
    throttled_devices: {},
    throttled_events: [],
  };
}

export function tooLargeBody(): AmplitudeErrorBody {
  return { code: 413, error: ERROR_MESSAGES.tooLarge };
}

export interface ThrottleDetails {
  epsThreshold: number;
  /** user_id → its current events per second. */
  throttledUsers: Record<string, number>;
  throttledDevices: Record<string, number>;
  throttledEvents: number[];
  /** Batch only; the documented HTTP V2 429 has no daily-quota maps, so leave these out there. */
  exceededDailyQuotaUsers?: Record<string, number>;
  exceededDailyQuotaDevices?: Record<string, number>;
}

export function throttledBody(details: ThrottleDetails): AmplitudeErrorBody {
  return {
    code: 429,
    error: ERROR_MESSAGES.throttled,
    eps_threshold: details.epsThreshold,
    throttled_devices: details.throttledDevices,
    throttled_users: details.throttledUsers,
    throttled_events: details.throttledEvents,
    ...(details.exceededDailyQuotaUsers && { exceeded_daily_quota_users: details.exceededDailyQuotaUsers }),
    ...(details.exceededDailyQuotaDevices && { exceeded_daily_quota_devices: details.exceededDailyQuotaDevices }),
  };
}

/** WAF block: a filtered value in header, body or URI, or a sanctioned region. */
export function forbiddenBody(): AmplitudeErrorBody {
  return { code: 403, error: ERROR_MESSAGES.forbidden };
}

/** /identify: identification missing or malformed. */
export function missingEventBody(): AmplitudeErrorBody {
  return { code: 400, error: ERROR_MESSAGES.missingEvent };
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  408: 'Request Timeout',
  414: 'URI Too Long',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * The body for any status in Amplitude's shape, for faults and our own failures. Amplitude does not document
 * 5xx bodies; we answer `{code, error: <status text>}` so SDK clients still get parseable JSON.
 * A bare 429 lists no users or devices: senders then treat the whole request as throttled.
 */
export function errorBodyFor(status: number): AmplitudeErrorBody {
  if (status === 403) return forbiddenBody();
  if (status === 413) return tooLargeBody();
  if (status === 429) {
    return throttledBody({ epsThreshold: 0, throttledUsers: {}, throttledDevices: {}, throttledEvents: [] });
  }
  return { code: status, error: STATUS_TEXT[status] ?? `HTTP ${status}` };
}

function isEmpty(map: IndexesByField): boolean {
  return Object.keys(map).length === 0;
}
