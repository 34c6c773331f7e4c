import { MAX_OBJECT_DEPTH, MAX_STRING_LENGTH } from '../amplitude/protocol';
import { truncateString } from '../destination/values';

/**
 * What Amplitude posts when it syncs a cohort to us, parsed into membership changes. Pure.
 *
 * Two shapes are accepted, both documented by Amplitude (amplitude/amplitude-docs @ 6e7e48e, 2026-03-13):
 *
 * 1. The Cohort Webhooks destination's default payload
 *    (https://amplitude.com/docs/data/destination-catalog/cohort-webhooks):
 *    `{"cohort_name","cohort_id","in_cohort","computed_time","message_id","users":[{"user_id"}]}`, one POST per
 *    batch of users entering (`in_cohort: true`) or leaving (`false`) one cohort. `computed_time` is Unix seconds
 *    as a string; `message_id` identifies the batch and stays the same on Amplitude's retries ("When a retry
 *    happens, you can use this value to de-duplicate"). A sync may carry up to 50 selected user properties per
 *    user as `users[].user_properties`.
 * 2. The property-based shape of Amplitude's cohort-sync partner contract
 *    (https://amplitude.com/docs/partners/receiving-behavioral-cohorts, "Property-based cohort integration"):
 *    `{"type":"identify","userId","traits":{"[Amplitude] <cohort name>: <cohort id>": true|false},"context"}`
 *    ("Single update") or `{"batch":[…those…]}` ("Batch update"). It has no message id and no computed time, so
 *    Amplitude's retries of it cannot be told from new requests (see outbox-rows.ts). The page's examples are not
 *    valid JSON (single quotes, Python `True`); the shape above is what they describe. Its "Testing" example with a
 *    bare `"cohort name:123"` trait is not the documented trait name, and is refused.
 *
 * Amplitude's other FreeMarker examples (a bare array of `{"user_id", "amplitude_<name>_<id>": true}`) are templates a
 * customer writes, not formats we could recognise reliably; they get a 400 naming the accepted shapes.
 *
 * Hostile input gets an error, never an exception: sizes and lengths are capped, every string (keys included) must
 * be well-formed UTF-16 without NUL (Postgres text cannot hold NUL), nesting is bounded, and objects handed on are
 * null-prototype copies, so keys such as `__proto__` stay data.
 */

/** Raw bodies above this are refused before parsing: Amplitude's default 1,000-user batch with 50 properties each fits. */
export const MAX_COHORT_BODY_BYTES = 5_000_000;
/** Users (or identifies) per request: ten times Amplitude's default batch of 1,000, whose size is configurable. */
export const MAX_COHORT_USERS_PER_REQUEST = 10_000;
/** "Select up to 50 user properties to carry along with the user." */
export const MAX_USER_PROPERTIES = 50;
export const MAX_USER_ID_LENGTH = MAX_STRING_LENGTH;
export const MAX_COHORT_NAME_LENGTH = MAX_STRING_LENGTH;
/** Amplitude's cohort ids are short (`7khm89cz`); anything this long is not one. */
export const MAX_COHORT_ID_LENGTH = 128;
/** Amplitude's are like `9baaa88f-9d46-4ee5-a946-be0c6aea0046::enter::0`. */
export const MAX_MESSAGE_ID_LENGTH = 256;
/** Payload nesting: Amplitude's own 40 levels for property values, plus the envelope around them. */
const MAX_PAYLOAD_DEPTH = MAX_OBJECT_DEPTH + 4;
/** The largest plausible Unix-seconds value (year 2286); larger values are milliseconds. */
const MAX_UNIX_SECONDS = 9_999_999_999;

/** The trait a property-based sync sets: `[Amplitude] <cohort name>: <cohort id>` (the name may contain ": "). */
const COHORT_TRAIT = /^\[Amplitude\] (.+): ([^\s:]+)$/s;

export type CohortPayloadFormat = 'cohort_webhook' | 'property_identify' | 'property_batch';

/** One user entering or leaving one cohort. */
export interface MembershipChange {
  cohortId: string;
  cohortName: string;
  /** The Amplitude user_id, as sent. */
  userId: string;
  inCohort: boolean;
  /** Amplitude's id of the batch, the same on its retries; null for the property-based shape, which has none. */
  messageId: string | null;
  /** Unix seconds when Amplitude computed the change; null for the property-based shape. */
  computedTime: number | null;
  /** User properties the sync carries along (null-prototype); only on the Cohort Webhooks shape, when selected. */
  userProperties?: Record<string, unknown>;
}

export type SkipReason = 'missing_user_id';

/** A user entry that names nobody: left out, counted, and the rest of the batch still applies. */
export interface SkippedMember {
  /** Where it was: `users[3]` or `batch[3]`. */
  path: string;
  reason: SkipReason;
}

export interface ParsedCohortPayload {
  format: CohortPayloadFormat;
  /** One per distinct (cohort, user, direction), in the order sent. */
  changes: MembershipChange[];
  skipped: SkippedMember[];
}

export type CohortPayloadResult = ({ ok: true } & ParsedCohortPayload) | { ok: false; error: string };

/** Parses a raw request body: size first, then JSON, then the shape. */
export function parseCohortWebhookBody(raw: Buffer | string): CohortPayloadResult {
  const bytes = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (bytes === 0) return { ok: false, error: 'body is empty' };
  if (bytes > MAX_COHORT_BODY_BYTES) return { ok: false, error: `body is larger than ${MAX_COHORT_BODY_BYTES} bytes` };
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return { ok: false, error: 'body is not valid JSON' };
  }
  return parseCohortPayload(value);
}

/** Parses a JSON value already decoded from a request body. */
export function parseCohortPayload(value: unknown): CohortPayloadResult {
  try {
    const body = sanitize(value, '', 0);
    if (!isRecord(body)) throw new PayloadError('', `expected a JSON object; ${ACCEPTED_SHAPES}`);
    if (has(body, 'cohort_id') || has(body, 'users')) return { ok: true, ...parseCohortWebhook(body) };
    if (has(body, 'batch')) return { ok: true, ...parsePropertyBatch(body) };
    if (has(body, 'type') || has(body, 'traits')) return { ok: true, ...parsePropertyIdentify(body) };
    throw new PayloadError('', ACCEPTED_SHAPES);
  } catch (error) {
    if (error instanceof PayloadError) return { ok: false, error: error.message };
    throw error;
  }
}

const ACCEPTED_SHAPES =
  'expected a Cohort Webhooks payload {"cohort_id","cohort_name","in_cohort","computed_time","message_id","users"} ' +
  'or a property-based {"type":"identify","userId","traits"} or {"batch":[…]}';

// A NUL, or a surrogate half without its partner (JSON's \ud800 escapes allow them; UTF-8 cannot carry them).
const UNSAFE_CHARACTER = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Paths quote keys from the sender: shown cut short and with unsafe characters replaced. */
const MAX_QUOTED_LENGTH = 120;

function quoted(text: string): string {
  const safe = text.replace(new RegExp(UNSAFE_CHARACTER.source, 'g'), '\ufffd');
  return safe.length > MAX_QUOTED_LENGTH ? `${truncateString(safe, MAX_QUOTED_LENGTH)}…` : safe;
}

class PayloadError extends Error {
  constructor(path: string, message: string) {
    super(path ? `${quoted(path)}: ${message}` : message);
  }
}

type JsonRecord = Record<string, unknown>;

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function has(record: JsonRecord, key: string): boolean {
  return Object.hasOwn(record, key) && record[key] !== undefined;
}

const join = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;

function checkString(value: string, path: string, what = 'string'): string {
  if (UNSAFE_CHARACTER.test(value))
    throw new PayloadError(path, `${what} contains a NUL character or an unpaired surrogate`);
  return value;
}

/**
 * Validates every string (keys too) and the nesting, and copies objects into null-prototype objects. One walk
 * over the whole payload, bounded by its depth, before any field is read.
 */
function sanitize(value: unknown, path: string, depth: number): unknown {
  if (typeof value === 'string') return checkString(value, path || 'body');
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_PAYLOAD_DEPTH) throw new PayloadError(path, `nested deeper than ${MAX_PAYLOAD_DEPTH} levels`);
  if (Array.isArray(value)) return value.map((item, index) => sanitize(item, join(path, index), depth + 1));
  const copy: JsonRecord = Object.create(null) as JsonRecord;
  for (const [key, child] of Object.entries(value)) {
    checkString(key, join(path, key), 'key');
    copy[key] = sanitize(child, join(path, key), depth + 1);
  }
  return copy;
}

function requiredString(record: JsonRecord, key: string, path: string, maxLength: number): string {
  const value = record[key];
  const at = join(path, key);
  if (value === undefined || value === null) throw new PayloadError(at, 'is required');
  if (typeof value !== 'string') throw new PayloadError(at, `expected a string, got ${typeName(value)}`);
  if (value.trim() === '') throw new PayloadError(at, 'must not be empty');
  if (value.length > maxLength) throw new PayloadError(at, `is longer than ${maxLength} characters`);
  return value;
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

function boundedList(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) throw new PayloadError(path, 'is required');
  if (!Array.isArray(value)) throw new PayloadError(path, `expected an array, got ${typeName(value)}`);
  if (value.length > MAX_COHORT_USERS_PER_REQUEST) {
    throw new PayloadError(path, `has ${value.length} entries; at most ${MAX_COHORT_USERS_PER_REQUEST} per request`);
  }
  return value;
}

/** A user id, or undefined when the entry names nobody (absent, null or blank). */
function optionalUserId(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new PayloadError(path, `expected a string, got ${typeName(value)}`);
  if (value.trim() === '') return undefined;
  if (value.length > MAX_USER_ID_LENGTH)
    throw new PayloadError(path, `is longer than ${MAX_USER_ID_LENGTH} characters`);
  return value;
}

/** `"1692206763"` as documented; an integer is accepted too (a template may leave out the quotes). */
function unixSeconds(value: unknown, path: string): number {
  if (value === undefined || value === null) throw new PayloadError(path, 'is required');
  const seconds =
    typeof value === 'string' && /^\d{1,11}$/.test(value) ? Number(value) : typeof value === 'number' ? value : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new PayloadError(path, 'expected Unix seconds, as a string of digits (e.g. "1692206763")');
  }
  if (seconds > MAX_UNIX_SECONDS) throw new PayloadError(path, 'looks like milliseconds; expected Unix seconds');
  return seconds;
}

function parseCohortWebhook(body: JsonRecord): ParsedCohortPayload {
  const cohortId = requiredString(body, 'cohort_id', '', MAX_COHORT_ID_LENGTH);
  const cohortName = requiredString(body, 'cohort_name', '', MAX_COHORT_NAME_LENGTH);
  const messageId = requiredString(body, 'message_id', '', MAX_MESSAGE_ID_LENGTH);
  if (typeof body.in_cohort !== 'boolean') {
    throw new PayloadError('in_cohort', `expected true or false, got ${typeName(body.in_cohort)}`);
  }
  const inCohort = body.in_cohort;
  const computedTime = unixSeconds(body.computed_time, 'computed_time');
  const users = boundedList(body.users, 'users');

  const changes: MembershipChange[] = [];
  const skipped: SkippedMember[] = [];
  const seen = new Set<string>();
  users.forEach((entry, index) => {
    const path = join('users', index);
    if (!isRecord(entry)) throw new PayloadError(path, `expected an object, got ${typeName(entry)}`);
    const userId = optionalUserId(entry.user_id, join(path, 'user_id'));
    const userProperties = optionalUserProperties(entry.user_properties, join(path, 'user_properties'));
    if (userId === undefined) {
      skipped.push({ path, reason: 'missing_user_id' });
      return;
    }
    if (seen.has(userId)) return;
    seen.add(userId);
    changes.push({
      cohortId,
      cohortName,
      userId,
      inCohort,
      messageId,
      computedTime,
      ...(userProperties ? { userProperties } : {}),
    });
  });
  return { format: 'cohort_webhook', changes, skipped };
}

function optionalUserProperties(value: unknown, path: string): JsonRecord | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw new PayloadError(path, `expected an object, got ${typeName(value)}`);
  const count = Object.keys(value).length;
  if (count > MAX_USER_PROPERTIES) {
    throw new PayloadError(path, `has ${count} properties; a cohort sync carries at most ${MAX_USER_PROPERTIES}`);
  }
  return value;
}

// Alike in shape to the users loop of the cohort webhook above, but each entry is a whole identify: kept apart.
function parsePropertyBatch(body: JsonRecord): ParsedCohortPayload {
  const entries = boundedList(body.batch, 'batch');
  const changes: MembershipChange[] = [];
  const skipped: SkippedMember[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const path = join('batch', index);
    if (!isRecord(entry)) throw new PayloadError(path, `expected an object, got ${typeName(entry)}`);
    collectIdentify(entry, path, changes, skipped, seen);
  });
  return { format: 'property_batch', changes, skipped };
}

function parsePropertyIdentify(body: JsonRecord): ParsedCohortPayload {
  const changes: MembershipChange[] = [];
  const skipped: SkippedMember[] = [];
  collectIdentify(body, '', changes, skipped, new Set());
  return { format: 'property_identify', changes, skipped };
}

/** One `{"type":"identify","userId","traits"}`: a change per `[Amplitude] <name>: <id>` trait. */
function collectIdentify(
  entry: JsonRecord,
  path: string,
  changes: MembershipChange[],
  skipped: SkippedMember[],
  seen: Set<string>,
): void {
  if (entry.type !== 'identify') {
    const got = typeof entry.type === 'string' ? `"${quoted(entry.type)}"` : typeName(entry.type);
    throw new PayloadError(join(path, 'type'), `expected "identify", got ${got}`);
  }
  const traitsPath = join(path, 'traits');
  const traits = entry.traits;
  if (!isRecord(traits)) throw new PayloadError(traitsPath, `expected an object, got ${typeName(traits)}`);
  const cohortTraits: { cohortId: string; cohortName: string; inCohort: boolean }[] = [];
  for (const [key, value] of Object.entries(traits)) {
    const match = COHORT_TRAIT.exec(key);
    if (!match) continue; // other traits are not ours to read
    const [, cohortName = '', cohortId = ''] = match;
    const at = join(traitsPath, key);
    if (typeof value !== 'boolean') throw new PayloadError(at, `expected true or false, got ${typeName(value)}`);
    if (cohortName.trim() === '') throw new PayloadError(at, 'names no cohort');
    if (cohortName.length > MAX_COHORT_NAME_LENGTH) {
      throw new PayloadError(at, `cohort name is longer than ${MAX_COHORT_NAME_LENGTH} characters`);
    }
    if (cohortId.length > MAX_COHORT_ID_LENGTH) {
      throw new PayloadError(at, `cohort id is longer than ${MAX_COHORT_ID_LENGTH} characters`);
    }
    cohortTraits.push({ cohortId, cohortName, inCohort: value });
  }
  if (cohortTraits.length === 0) {
    throw new PayloadError(traitsPath, 'has no "[Amplitude] <cohort name>: <cohort id>" trait');
  }
  const userId = optionalUserId(entry.userId, join(path, 'userId'));
  if (userId === undefined) {
    skipped.push({ path: path || 'userId', reason: 'missing_user_id' });
    return;
  }
  for (const trait of cohortTraits) {
    const key = JSON.stringify([trait.cohortId, userId, trait.inCohort]);
    if (seen.has(key)) continue;
    seen.add(key);
    changes.push({ ...trait, userId, messageId: null, computedTime: null });
  }
}
