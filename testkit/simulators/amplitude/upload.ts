import {
  ALL_ZERO_IDFA,
  documentedAnswer,
  EVENT_KEY_TYPES,
  INVALID_IDS,
  invalidEventsAnswer,
  LIMITS,
  RESERVED_EVENT_TYPES,
  type Answer,
  type IndexesByField,
  type UploadEndpoint,
} from './documented';
import { decodeBody, isJson } from './request-body';

/** An event as the simulator keeps it: whatever keys were sent, short ids removed, long strings cut. */
export interface ReceivedEvent {
  event_type: string;
  user_id?: string;
  device_id?: string;
  insert_id?: string;
  time?: number;
  event_id?: number;
  event_properties?: Record<string, unknown>;
  user_properties?: Record<string, unknown>;
  [key: string]: unknown;
}

export type UploadResult =
  { ok: true; apiKey: string; events: ReceivedEvent[]; payloadSizeBytes: number } | { ok: false; answer: Answer };

/**
 * Reads POST /2/httpapi or /batch as Amplitude documents it (testkit/fixtures/amplitude/documented.json):
 * the first failing check answers, in this order: body present, JSON Content-Type, gzip and size, a JSON
 * object, api_key present and valid, events present and a list, at most 2,000 of them, each an object,
 * then every event's fields. One bad event refuses the whole request, listing every bad index.
 */
export function readUpload(
  raw: Buffer,
  headers: { contentType?: string; contentEncoding?: string },
  endpoint: UploadEndpoint,
  isApiKeyValid: (apiKey: string) => boolean,
): UploadResult {
  const refuse = (answer: Answer): UploadResult => ({ ok: false, answer });
  if (raw.length === 0) return refuse(documentedAnswer('missingBody'));
  if (!isJson(headers.contentType)) return refuse(documentedAnswer('invalidJson'));
  const decoded = decodeBody(raw, headers.contentEncoding, LIMITS.maxBodyBytes[endpoint]);
  if (decoded === 'too_large') return refuse(documentedAnswer('tooLarge'));
  if (decoded === 'unreadable') return refuse(documentedAnswer('invalidJson'));
  if (decoded.length === 0) return refuse(documentedAnswer('missingBody'));
  let body: unknown;
  try {
    body = JSON.parse(decoded.toString('utf8'));
  } catch {
    return refuse(documentedAnswer('invalidJson'));
  }
  if (!isObject(body)) return refuse(documentedAnswer('invalidJson'));
  const { api_key: apiKey, events } = body;
  if (typeof apiKey !== 'string' || apiKey === '') return refuse(documentedAnswer('missingApiKey'));
  if (!isApiKeyValid(apiKey)) return refuse(documentedAnswer('invalidApiKey'));
  if (events === undefined || events === null || (Array.isArray(events) && events.length === 0)) {
    return refuse(documentedAnswer('missingEvents'));
  }
  if (!Array.isArray(events)) return refuse(documentedAnswer('invalidEventJson'));
  if (events.length > LIMITS.maxEventsPerRequest) return refuse(documentedAnswer('tooLarge'));
  if (!events.every(isObject)) return refuse(documentedAnswer('invalidEventJson'));

  const options = isObject(body.options) ? body.options : {};
  const minIdLength =
    Number.isSafeInteger(options.min_id_length) && (options.min_id_length as number) > 0
      ? (options.min_id_length as number)
      : LIMITS.defaultMinIdLength;
  const invalid: IndexesByField = {};
  const missing: IndexesByField = {};
  const idLengths: IndexesByField = {};
  const note = (map: IndexesByField, field: string, index: number) => (map[field] ??= []).push(index);
  const kept = events.map((event, index) => {
    for (const field of eventTypeProblems(event.event_type, 'missing')) note(missing, field, index);
    for (const field of eventTypeProblems(event.event_type, 'invalid')) note(invalid, field, index);
    for (const field of fieldProblems(event)) note(invalid, field, index);
    const ids = checkIds(event, minIdLength);
    for (const field of ids.invalid) note(invalid, field, index);
    if (ids.invalid.length === 0 && ids.kept.length === 0) {
      if (ids.tooShort.length > 0) for (const field of ids.tooShort) note(idLengths, field, index);
      else for (const field of ID_FIELDS) note(missing, field, index);
    }
    return ids.tooShort;
  });
  if ([invalid, missing, idLengths].some((map) => Object.keys(map).length > 0)) {
    return refuse(invalidEventsAnswer(invalid, missing, idLengths));
  }
  return {
    ok: true,
    apiKey,
    events: events.map((event, index) => keep(event, kept[index]!)),
    payloadSizeBytes: decoded.length,
  };
}

const ID_FIELDS = ['user_id', 'device_id'] as const;
type IdField = (typeof ID_FIELDS)[number];

function eventTypeProblems(value: unknown, kind: 'missing' | 'invalid'): string[] {
  const absent = value === undefined || value === null || value === '';
  if (kind === 'missing') return absent ? ['event_type'] : [];
  return !absent && (typeof value !== 'string' || RESERVED_EVENT_TYPES.has(value)) ? ['event_type'] : [];
}

/** Documented keys of the wrong type, objects nested too deep anywhere, an all-zero IDFA. */
function fieldProblems(event: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [field, value] of Object.entries(event)) {
    if (field === 'event_type' || field === 'user_id' || field === 'device_id') continue;
    const type = EVENT_KEY_TYPES[field];
    if (value === null || value === undefined) continue;
    const wrongType = type !== undefined && !hasType(value, type);
    if (wrongType || deeperThan(value, LIMITS.maxObjectDepth)) problems.push(field);
  }
  if (event.idfa === ALL_ZERO_IDFA && !problems.includes('idfa')) problems.push('idfa');
  return problems;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'timestamp':
      return Number.isSafeInteger(value) && (value as number) >= 0;
    case 'integer':
      return Number.isSafeInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'object':
      return isObject(value);
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return typeof value === 'string';
  }
}

/**
 * user_id and device_id: a non-string, a refused value or one past the string limit (ids are not truncated)
 * is invalid; one shorter than min_id_length is removed, and only an event left with no id is refused.
 */
function checkIds(event: Record<string, unknown>, minIdLength: number) {
  const result = { invalid: [] as IdField[], tooShort: [] as IdField[], kept: [] as IdField[] };
  for (const field of ID_FIELDS) {
    const id = event[field];
    if (id === undefined || id === null) continue;
    if (typeof id !== 'string' || INVALID_IDS.has(id.toLowerCase()) || id.length > LIMITS.maxStringLength) {
      result.invalid.push(field);
    } else if (id.length < minIdLength) result.tooShort.push(field);
    else result.kept.push(field);
  }
  return result;
}

/** The event as stored: too-short ids dropped, strings cut at the documented length (ids and insert_id kept). */
function keep(event: Record<string, unknown>, tooShort: readonly IdField[]): ReceivedEvent {
  const kept: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(event)) {
    if ((tooShort as readonly string[]).includes(field)) continue;
    kept[field] = field === 'user_id' || field === 'device_id' || field === 'insert_id' ? value : cut(value);
  }
  return kept as ReceivedEvent;
}

function cut(value: unknown): unknown {
  if (typeof value === 'string') return value.slice(0, LIMITS.maxStringLength);
  if (Array.isArray(value)) return value.map(cut);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cut(v)]));
  return value;
}

/** More than `levels` levels of objects or arrays (`{a: 1}` is one level), walked without recursion. */
export function deeperThan(value: unknown, levels: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= levels) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
