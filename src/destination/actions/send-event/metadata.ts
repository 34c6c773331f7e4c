import { flatten, FLATTEN_SEPARATOR, setEntry, toUnixSeconds, truncateString } from '../../values';

/** Intercom's monetary amount metadata: an integer number of cents and a currency code. */
export interface MonetaryAmount {
  amount: number;
  currency: string;
}

/** Intercom's rich link metadata: shown as `value`, linking to `url`. */
export interface RichLink {
  url: string;
  value: string;
}

/**
 * Booleans are sent as "true"/"false": Intercom documents string, number, date, link, rich link
 * and monetary metadata, not booleans.
 */
export type IntercomMetadataValue = string | number | MonetaryAmount | RichLink;

export type MetadataDropReason =
  /** The property is null, an empty array or an empty object. */
  | 'empty'
  /** A value Intercom can't hold, such as a non-finite number. */
  | 'unsupported_value'
  /** Another selected property already produced this key after flattening and sanitising. */
  | 'key_collision';

export interface DroppedKey {
  key: string;
  reason: MetadataDropReason;
}

export interface MetadataResult {
  metadata: Record<string, IntercomMetadataValue>;
  /** Keys past `limit`, in the order they would have been sent, so the caller can count them. */
  cutKeys: string[];
  droppedKeys: DroppedKey[];
}

/**
 * Event properties → Intercom metadata. Only selected properties are sent, in selection order, so
 * the user decides which survive the key cap. Nested objects are flattened with `_`, except the
 * monetary-amount and rich-link shapes Intercom reads as one value. Selected properties absent
 * from the event are simply not sent.
 */
export function buildMetadata(
  eventProperties: Record<string, unknown> | null | undefined,
  selected: readonly string[],
  limit: number,
): MetadataResult {
  const result: MetadataResult = { metadata: {}, cutKeys: [], droppedKeys: [] };
  const used = new Set<string>();
  for (const name of selected) {
    if (!eventProperties || !Object.hasOwn(eventProperties, name)) continue;
    const entries = flatten([name], eventProperties[name], isIntercomObjectShape);
    if (entries.length === 0) result.droppedKeys.push({ key: sanitizeMetadataKey(name), reason: 'empty' });
    for (const entry of entries) {
      const key = sanitizeMetadataKey(entry.path.join(FLATTEN_SEPARATOR));
      const value = toMetadataValue(key, entry.value);
      if (value === undefined) {
        result.droppedKeys.push({ key, reason: 'unsupported_value' });
      } else if (used.has(key)) {
        result.droppedKeys.push({ key, reason: 'key_collision' });
      } else {
        used.add(key);
        if (used.size > limit) result.cutKeys.push(key);
        else setEntry(result.metadata, key, value);
      }
    }
  }
  return result;
}

/** Intercom rejects `.` and `$` in metadata keys. */
export function sanitizeMetadataKey(key: string): string {
  return key.replace(/[.$]/g, '_');
}

/** A key ending in `_date` is a date in Intercom when its value is Unix seconds. */
const DATE_KEY_SUFFIX = '_date';

function toMetadataValue(key: string, value: unknown): IntercomMetadataValue | undefined {
  if (isMonetaryAmount(value)) return { amount: value.amount, currency: value.currency };
  if (isRichLink(value)) return { url: value.url, value: truncateString(value.value) };
  if (key.toLowerCase().endsWith(DATE_KEY_SUFFIX)) {
    const seconds = toUnixSeconds(value);
    if (seconds !== undefined) return seconds;
  }
  if (typeof value === 'string') return truncateString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

function isIntercomObjectShape(value: object): boolean {
  return isMonetaryAmount(value) || isRichLink(value);
}

/** Exactly `{amount, currency}` with integer cents; `{amount: 9.99}` is not cents, so it is flattened. */
function isMonetaryAmount(value: unknown): value is MonetaryAmount {
  return (
    hasExactlyKeys(value, ['amount', 'currency']) &&
    Number.isInteger(value.amount) &&
    typeof value.currency === 'string' &&
    /^[A-Za-z]{3}$/.test(value.currency)
  );
}

/** Exactly `{url, value}` with an http(s) URL. */
function isRichLink(value: unknown): value is RichLink {
  return (
    hasExactlyKeys(value, ['url', 'value']) &&
    typeof value.url === 'string' &&
    /^https?:\/\/\S+$/i.test(value.url) &&
    typeof value.value === 'string'
  );
}

function hasExactlyKeys<K extends string>(value: unknown, keys: K[]): value is Record<K, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const own = Object.keys(value);
  return own.length === keys.length && keys.every((key) => own.includes(key));
}
