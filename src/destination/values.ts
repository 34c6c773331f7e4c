/**
 * Value shaping shared by event metadata and contact attributes: Intercom takes flat keys with
 * scalar values (plus two object shapes on events), strings up to 255 characters, and dates as
 * Unix seconds.
 */

export const MAX_INTERCOM_STRING_LENGTH = 255;
/** Separator between the parts of a flattened key: `{plan: {name}}` becomes `plan_name`. */
export const FLATTEN_SEPARATOR = '_';
/** Arrays become one string; a comma and space reads well in Intercom's UI and filters by "contains". */
export const ARRAY_SEPARATOR = ', ';

export type Scalar = string | number | boolean;

export interface FlatEntry {
  /** Key parts from the top-level property down to the leaf, not yet sanitised. */
  path: string[];
  /** A scalar, a joined array, or an object the caller asked to keep whole. */
  value: unknown;
}

/**
 * Walks nested objects down to their leaves. Arrays are joined into a string (objects inside them
 * as JSON); null, undefined and empty arrays yield nothing. `keepWhole` stops the walk at objects
 * Intercom understands as a unit.
 */
export function flatten(
  path: string[],
  value: unknown,
  keepWhole: (value: object) => boolean = () => false,
): FlatEntry[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) {
    const joined = joinArray(value);
    return joined === undefined ? [] : [{ path, value: joined }];
  }
  if (typeof value === 'object' && !keepWhole(value)) {
    return Object.entries(value).flatMap(([key, child]) => flatten([...path, key], child, keepWhole));
  }
  return [{ path, value }];
}

function joinArray(items: unknown[]): string | undefined {
  const parts = items
    .filter((item) => item !== null && item !== undefined)
    .map((item) => (typeof item === 'object' ? JSON.stringify(item) : String(item)));
  return parts.length === 0 ? undefined : parts.join(ARRAY_SEPARATOR);
}

/** Cuts to Intercom's 255 characters without splitting a surrogate pair. */
export function truncateString(value: string, max = MAX_INTERCOM_STRING_LENGTH): string {
  if (value.length <= max) return value;
  const cut = value.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/**
 * A property's own value: keys like `constructor` must not reach Object.prototype, since
 * property names come straight from senders.
 */
export function ownValue(record: Record<string, unknown> | null | undefined, key: string): unknown {
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}

export { setEntry } from '../safe-object';

export function isScalar(value: unknown): value is Scalar {
  return (
    typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
  );
}

/** Numbers from this size up are read as milliseconds (year 1973 in ms, year 5138 in seconds). */
const MILLISECONDS_THRESHOLD = 100_000_000_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Unix seconds for a value meant as a date: epoch seconds or milliseconds, or an ISO-8601 string
 * (a time without zone is UTC, as in Amplitude's export format). Undefined when it isn't a date.
 */
export function toUnixSeconds(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    return Math.floor(value >= MILLISECONDS_THRESHOLD ? value / 1000 : value);
  }
  if (typeof value !== 'string') return undefined;
  const match = ISO_DATE.exec(value.trim());
  if (!match) return undefined;
  const hasTime = value.trim().length > 10;
  const iso = value.trim().replace(' ', 'T') + (hasTime && match[1] === undefined ? 'Z' : '');
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}
