import type { EventIssues, IndexesByField } from './bodies';
import { setEntry } from '../../safe-object';
import { DEVICE_FIELDS, isPlainObject, type AmplitudeEvent } from './event';
import { ALL_ZERO_IDFA, isInvalidIdValue, MAX_OBJECT_DEPTH, MAX_STRING_LENGTH, RESERVED_EVENT_TYPES } from './limits';

/**
 * Per-event checks of HTTP V2 / Batch (https://amplitude.com/docs/apis/analytics/http-v2). A failing event is reported by index in one of
 * the three 400 maps. Every index is listed (the older docs' reading; the newer ones say "the first"):
 * a sender that drops the listed events then succeeds on its next try instead of learning one per round.
 */

type IdField = 'user_id' | 'device_id';
const ID_FIELDS: readonly IdField[] = ['user_id', 'device_id'];

type FieldKind = 'string' | 'integer' | 'number' | 'timestamp' | 'object' | 'boolean';

/** Documented keys and the JSON type Amplitude expects; null counts as absent. */
const FIELD_KINDS: Readonly<Record<string, FieldKind>> = {
  time: 'timestamp',
  session_id: 'integer',
  event_id: 'integer',
  quantity: 'integer',
  price: 'number',
  revenue: 'number',
  location_lat: 'number',
  location_lng: 'number',
  event_properties: 'object',
  user_properties: 'object',
  groups: 'object',
  group_properties: 'object',
  plan: 'object',
  ingestion_metadata: 'object',
  $skip_user_properties_sync: 'boolean',
  ...Object.fromEntries(
    [
      'insert_id',
      'ip',
      'user_agent',
      ...DEVICE_FIELDS,
      'productId',
      'revenueType',
      'currency',
      'idfa',
      'idfv',
      'adid',
      'android_id',
      'android_app_set_id',
      'partner_id',
      'library',
    ].map((key) => [key, 'string' as const]),
  ),
};

/** Keys that identify something: truncating them would merge distinct users or events, so overlong is invalid. */
const UNTRUNCATED_KEYS = new Set(['user_id', 'device_id', 'insert_id']);

export interface StrippedId {
  index: number;
  field: IdField;
}

export interface EventsValidation {
  issues: EventIssues;
  hasIssues: boolean;
  /** The events as Amplitude keeps them: too-short ids removed, long strings truncated (none when hasIssues). */
  events: AmplitudeEvent[];
  /** Ids removed for being shorter than min_id_length (silently, unless no id was left). */
  strippedIds: StrippedId[];
}

/**
 * A receiver's own rule on top of Amplitude's (what it can store or deliver): it calls `invalid(field)`
 * for each field of the event it refuses, reported like Amplitude's own invalid fields.
 */
export type ExtraEventCheck = (event: Record<string, unknown>, invalid: (field: string) => void) => void;

export interface ValidateOptions {
  /** Index of events[0] in the request, when a long request is validated in slices. */
  indexOffset?: number;
  extraCheck?: ExtraEventCheck;
}

export function validateEvents(
  events: readonly Record<string, unknown>[],
  minIdLength: number,
  options: ValidateOptions = {},
): EventsValidation {
  const issues = emptyIssues();
  const strippedIds: StrippedId[] = [];
  const offset = options.indexOffset ?? 0;
  const tooShortIds = events.map((event, position) => {
    const index = offset + position;
    const report = (map: IndexesByField, field: string) => {
      const indexes = (map[field] ??= []);
      if (indexes[indexes.length - 1] !== index) indexes.push(index);
    };
    checkEventType(
      event.event_type,
      (field) => report(issues.missingFields, field),
      (field) => report(issues.invalidFields, field),
    );
    checkTypedFields(event, (field) => report(issues.invalidFields, field));
    options.extraCheck?.(event, (field) => report(issues.invalidFields, field));
    const ids = checkIds(event, minIdLength);
    ids.invalid.forEach((field) => report(issues.invalidFields, field));
    ids.tooShort.forEach((field) => strippedIds.push({ index, field }));
    if (!ids.remaining && ids.invalid.length === 0) {
      if (ids.tooShort.length > 0) ids.tooShort.forEach((field) => report(issues.invalidIdLengths, field));
      else ID_FIELDS.forEach((field) => report(issues.missingFields, field));
    }
    return ids.tooShort;
  });
  const hasIssues = [issues.invalidFields, issues.missingFields, issues.invalidIdLengths].some(
    (map) => Object.keys(map).length > 0,
  );
  // Nothing of a request with issues is kept; only checked events (nesting within the limit) are normalised.
  const normalised = hasIssues ? [] : events.map((event, index) => normaliseEvent(event, tooShortIds[index]!));
  return { issues, hasIssues, events: normalised, strippedIds };
}

function checkEventType(value: unknown, missing: (field: string) => void, invalid: (field: string) => void): void {
  if (value === undefined || value === null || value === '') missing('event_type');
  else if (typeof value !== 'string' || RESERVED_EVENT_TYPES.has(value)) invalid('event_type');
}

function checkTypedFields(event: Record<string, unknown>, invalid: (field: string) => void): void {
  for (const [field, kind] of Object.entries(FIELD_KINDS)) {
    const value = event[field];
    if (value === undefined || value === null) continue;
    if (!hasKind(value, kind) || (kind === 'object' && exceedsDepth(value, MAX_OBJECT_DEPTH))) invalid(field);
  }
  // An all-zero IDFA is what iOS sends under Limit Ad Tracking; Amplitude drops it and errors.
  if (event.idfa === ALL_ZERO_IDFA) invalid('idfa');
  // Other keys are kept as sent, so they obey the same nesting limit (and nothing unbounded is walked later).
  for (const [field, value] of Object.entries(event)) {
    if (!Object.hasOwn(FIELD_KINDS, field) && !UNCHECKED_DEPTH.has(field) && exceedsDepth(value, MAX_OBJECT_DEPTH))
      invalid(field);
  }
}

/** The latest instant a JavaScript Date (and so a Postgres timestamptz we write) can hold. */
const MAX_TIME_MS = 8.64e15;

/** Field → indexes maps keyed by what the sender wrote (`__proto__` included), so without a prototype. */
export function emptyIssues(): EventIssues {
  return {
    invalidFields: Object.create(null),
    missingFields: Object.create(null),
    invalidIdLengths: Object.create(null),
  };
}

/** Checked on their own (they must be strings). */
const UNCHECKED_DEPTH = new Set(['event_type', 'user_id', 'device_id']);

function hasKind(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isSafeInteger(value);
    case 'timestamp':
      // Within the range of a date (±8.64e15 ms): a larger `time` is no moment at all.
      return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_TIME_MS;
    case 'object':
      return isPlainObject(value);
  }
}

function checkIds(
  event: Record<string, unknown>,
  minIdLength: number,
): { invalid: IdField[]; tooShort: IdField[]; remaining: boolean } {
  const invalid: IdField[] = [];
  const tooShort: IdField[] = [];
  let remaining = false;
  for (const field of ID_FIELDS) {
    const id = event[field];
    if (id === undefined || id === null) continue;
    // Invalid values are checked first: '0' and '-1' are a 400 even though they are also too short.
    if (typeof id !== 'string' || isInvalidIdValue(id) || id.length > MAX_STRING_LENGTH) invalid.push(field);
    else if (id.length < minIdLength) tooShort.push(field);
    else remaining = true;
  }
  return { invalid, tooShort, remaining };
}

function normaliseEvent(event: Record<string, unknown>, stripped: readonly IdField[]): AmplitudeEvent {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (stripped.includes(key as IdField)) continue;
    setEntry(copy, key, UNTRUNCATED_KEYS.has(key) ? value : truncateStrings(value));
  }
  return copy as AmplitudeEvent;
}

/** Amplitude truncates string values at 1024 characters, nested property values included. */
export function truncateStrings(value: unknown): unknown {
  if (typeof value === 'string') return value.length > MAX_STRING_LENGTH ? value.slice(0, MAX_STRING_LENGTH) : value;
  // Copy only what changes: a large request is mostly left as it came, and copying it all would double
  // the memory (and the garbage collector's pauses) for nothing.
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i += 1) {
      const inner = truncateStrings(value[i]);
      if (inner !== value[i]) (copy ??= value.slice())[i] = inner;
    }
    return copy ?? value;
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    const truncated = entries.map(([key, inner]) => [key, truncateStrings(inner)] as const);
    return truncated.some(([, inner], i) => inner !== entries[i]![1]) ? Object.fromEntries(truncated) : value;
  }
  return value;
}

/** True when objects/arrays nest deeper than `limit` levels (`{a: 1}` is one level). */
export function exceedsDepth(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit === 0) return true;
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.some((child) => exceedsDepth(child, limit - 1));
}
