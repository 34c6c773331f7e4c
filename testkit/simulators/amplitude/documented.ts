import documented from '../../fixtures/amplitude/documented.json';

/**
 * What Amplitude documents, read from testkit/fixtures/amplitude/documented.json (each entry names its
 * source): limits, refused values and the exact answers. The simulator builds every answer from these,
 * never from the service's own protocol code, so a misreading on our side shows up as a disagreement.
 */
export const DOCUMENTED = documented;

const limit = (name: keyof typeof documented.limits): number => documented.limits[name].value;

export const LIMITS = {
  maxEventsPerRequest: limit('maxEventsPerRequest'),
  maxBodyBytes: { httpapi: limit('httpapiMaxBodyBytes'), batch: limit('batchMaxBodyBytes') },
  epsThreshold: { httpapi: limit('httpapiEpsThreshold'), batch: limit('batchEpsThreshold') },
  maxStringLength: limit('maxStringLength'),
  maxObjectDepth: limit('maxObjectDepth'),
  defaultMinIdLength: limit('defaultMinIdLength'),
  epsAveragingWindowMs: limit('epsAveragingWindowMs'),
  batchDailyQuota: limit('batchDailyQuota'),
  dailyQuotaWindowMs: limit('dailyQuotaWindowMs'),
  dailyQuotaStepMs: limit('dailyQuotaStepMs'),
  dedupeWindowMs: limit('dedupeWindowMs'),
} as const;

export const INVALID_IDS: ReadonlySet<string> = new Set(documented.invalidIds.values);
export const RESERVED_EVENT_TYPES: ReadonlySet<string> = new Set(documented.reservedEventTypes.values);
export const ALL_ZERO_IDFA = documented.allZeroIdfa.value;
export const IDENTIFY_EVENT_TYPE = documented.identifyEventType.value;
export const GROUP_IDENTIFY_EVENT_TYPE = documented.groupIdentifyEventType.value;
export const EVENT_KEY_TYPES: Readonly<Record<string, string>> = documented.eventKeyTypes.types;
export const CONTEXT_KEYS: readonly string[] = documented.identificationContextKeys.values;
export const IDENTIFY_SUCCESS_TEXT = documented.responses.identifySuccess.text;

export type UploadEndpoint = 'httpapi' | 'batch';

/** An answer: status and JSON body. */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

type FixedResponse = Exclude<
  keyof typeof documented.responses,
  'success' | 'identifySuccess' | 'invalidEvents' | 'invalidIdLength' | 'silenced' | 'throttled' | 'throttledBatch'
>;

/** One of the documented answers whose body never varies. */
export function documentedAnswer(name: FixedResponse): Answer {
  const response = documented.responses[name];
  return { status: response.status, body: structuredClone(response.body) as Record<string, unknown> };
}

export function successAnswer(eventsIngested: number, payloadSizeBytes: number, serverUploadTime: number): Answer {
  return {
    status: 200,
    body: {
      code: 200,
      events_ingested: eventsIngested,
      payload_size_bytes: payloadSizeBytes,
      server_upload_time: serverUploadTime,
    },
  };
}

/** field → event indexes, as in `events_with_invalid_fields: {"time": [3]}`. */
export type IndexesByField = Record<string, number[]>;

export function invalidEventsAnswer(
  invalid: IndexesByField,
  missing: IndexesByField,
  idLengths: IndexesByField,
): Answer {
  const onlyIdLengths = isEmpty(invalid) && isEmpty(missing) && !isEmpty(idLengths);
  const error = onlyIdLengths
    ? documented.responses.invalidIdLength.body.error
    : documented.responses.invalidEvents.body.error;
  return {
    status: 400,
    body: {
      code: 400,
      error,
      events_with_invalid_fields: invalid,
      events_with_missing_fields: missing,
      events_with_invalid_id_lengths: idLengths,
    },
  };
}

export function silencedAnswer(silencedDevices: string[], silencedEvents: number[], epsThreshold: number): Answer {
  return {
    status: 400,
    body: {
      ...documented.responses.silenced.body,
      eps_threshold: epsThreshold,
      silenced_devices: silencedDevices,
      silenced_events: silencedEvents,
    },
  };
}

export interface Throttled {
  epsThreshold: number;
  users: Record<string, number>;
  devices: Record<string, number>;
  events: number[];
  /** Batch only: the HTTP V2 429 documents no daily-quota maps. */
  overQuota?: { users: Record<string, number>; devices: Record<string, number> };
}

export function throttledAnswer(t: Throttled): Answer {
  return {
    status: 429,
    body: {
      code: 429,
      error: documented.responses.throttled.body.error,
      eps_threshold: t.epsThreshold,
      throttled_devices: t.devices,
      throttled_users: t.users,
      throttled_events: t.events,
      ...(t.overQuota && {
        exceeded_daily_quota_users: t.overQuota.users,
        exceeded_daily_quota_devices: t.overQuota.devices,
      }),
    },
  };
}

/** The body for any status a fault injects: the documented one where there is one, else `{code, error}`. */
export function bodyForStatus(status: number): Record<string, unknown> {
  if (status === 403) return documentedAnswer('forbidden').body;
  if (status === 413) return documentedAnswer('tooLarge').body;
  // A bare 429 lists nobody: senders treat the whole request as throttled.
  if (status === 429) return throttledAnswer({ epsThreshold: 0, users: {}, devices: {}, events: [] }).body;
  const known = (documented.serverErrors.bodies as Record<string, Record<string, unknown>>)[String(status)];
  return known ? { ...known } : { code: status, error: `HTTP ${status}` };
}

function isEmpty(map: IndexesByField): boolean {
  return Object.keys(map).length === 0;
}
