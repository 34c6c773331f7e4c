import { createHash } from 'node:crypto';
import type { IngestedEvent } from './ingested-event';

/**
 * The outbox key of an ingested event: its `insert_id` (Amplitude's own dedupe key), or when the
 * sender gave none, a hash of what identifies the event, so a retried upload collapses into the
 * row already stored. Two events identical in all these fields are treated as one, as Amplitude does
 * without an insert_id (event_id + time + device_id).
 */
export function insertIdForAmplitudeEvent(event: IngestedEvent): string {
  if (typeof event.insert_id === 'string' && event.insert_id.trim() !== '') return event.insert_id;
  const identity = [
    event.device_id ?? null,
    event.user_id ?? null,
    event.event_type,
    event.time ?? null,
    event.event_id ?? null,
    event.event_properties ?? null,
  ];
  return `derived-${createHash('sha256').update(canonicalJson(identity)).digest('hex')}`;
}

/** JSON with object keys sorted, so the same properties in another order hash the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    // Only objects need their keys sorted: a list of plain values is its own JSON (and cheap to write).
    if (value.every((item) => item === null || typeof item !== 'object')) return JSON.stringify(value);
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, child]) => child !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${canonicalJson(child)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
