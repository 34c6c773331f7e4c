/**
 * Intercom timestamps arrive in two forms: REST and most webhook items use Unix seconds, but some
 * webhook items (e.g. `contact.user.created`) carry ISO-8601 strings such as
 * `"2026-01-10T04:22:28.240+00:00"`. Both must compare equal when they name the same instant.
 */

// Unix seconds stay below 1e11 until the year 5138, so anything larger is already milliseconds.
const MILLISECONDS_THRESHOLD = 1e11;

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * Parses an Intercom timestamp to epoch milliseconds (lossless for ISO fractions).
 * Accepts Unix seconds (number or digit string), epoch milliseconds, and ISO-8601 strings; an
 * ISO date-time without an offset is read as UTC so the result never depends on the host's
 * time zone. Returns null for missing, unparseable, and non-positive values (Intercom writes 0
 * for "never").
 */
export function parseIntercomTime(value: unknown): number | null {
  if (typeof value === 'number') return fromNumber(value);
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return fromNumber(Number(text));
  return fromIso(text);
}

/** Whole Unix seconds (floored), the resolution Intercom's REST API uses. */
export function parseIntercomTimeSeconds(value: unknown): number | null {
  const ms = parseIntercomTime(value);
  return ms === null ? null : Math.floor(ms / 1000);
}

/** ISO-8601 UTC string, the form we hand Amplitude for date-valued properties. */
export function intercomTimeToIso(value: unknown): string | null {
  const ms = parseIntercomTime(value);
  return ms === null ? null : new Date(ms).toISOString();
}

function fromNumber(n: number): number | null {
  if (!Number.isFinite(n) || n <= 0) return null;
  return n >= MILLISECONDS_THRESHOLD ? Math.floor(n) : Math.round(n * 1000);
}

// Built from the parts with Date.UTC rather than Date.parse, whose handling of offsets and of
// strings without one varies with engine and host time zone.
function fromIso(text: string): number | null {
  const m = ISO_8601.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((part) =>
    part === undefined ? 0 : Number(part),
  ) as [number, number, number, number, number, number];
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (new Date(local).getUTCDate() !== day) return null; // e.g. 2026-02-30
  const ms = local - offsetMinutes(m[8]) * 60_000;
  return ms > 0 ? ms : null;
}

function offsetMinutes(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
}
