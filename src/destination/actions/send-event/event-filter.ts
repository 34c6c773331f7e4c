import type { IngestedEvent } from '../../ingested-event';
import { isScalar, ownValue } from '../../values';
import type { EventFilter, PropertyCondition } from './fields';

/**
 * Events our own Intercom source wrote into Amplitude. "All events" leaves them out: sending them
 * back would only echo Intercom's activity into Intercom and spend its 120 event-name slots.
 * Selecting one by name still sends it.
 */
export const INTERCOM_SOURCE_EVENT_PREFIX = '[Intercom] ';

/**
 * Amplitude's "Select and filter events": the event type must be selected (or "all events" on)
 * and every property condition must hold. An empty selection matches nothing.
 */
export function matchesEventFilter(event: IngestedEvent, filter: EventFilter): boolean {
  const selected = filter.allEvents
    ? !event.event_type.startsWith(INTERCOM_SOURCE_EVENT_PREFIX)
    : filter.eventTypes.includes(event.event_type);
  return selected && filter.conditions.every((condition) => conditionHolds(event, condition));
}

/**
 * Values compare as strings, so `5` is `"5"` and `true` is `"true"`; `is` is exact and
 * case-sensitive, `contains` is a case-insensitive substring test. An array property matches when
 * any element does. A missing property satisfies only the negative operators.
 */
function conditionHolds(event: IngestedEvent, condition: PropertyCondition): boolean {
  const properties = condition.scope === 'event' ? event.event_properties : event.user_properties;
  const value = ownValue(properties, condition.property);
  const wanted = (condition.values ?? []).map(String);
  switch (condition.operator) {
    case 'exists':
      return value !== undefined && value !== null;
    case 'not_exists':
      return value === undefined || value === null;
    case 'is':
      return comparable(value).some((actual) => wanted.includes(actual));
    case 'is_not':
      return !comparable(value).some((actual) => wanted.includes(actual));
    case 'contains':
      return containsAny(value, wanted);
    case 'does_not_contain':
      return !containsAny(value, wanted);
    case 'greater_than':
      return compareNumber(value, condition.values?.[0], (actual, limit) => actual > limit);
    case 'less_than':
      return compareNumber(value, condition.values?.[0], (actual, limit) => actual < limit);
  }
}

function comparable(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.filter(isScalar).map(String);
}

function containsAny(value: unknown, wanted: string[]): boolean {
  const needles = wanted.map((needle) => needle.toLowerCase());
  return comparable(value).some((actual) => needles.some((needle) => actual.toLowerCase().includes(needle)));
}

function compareNumber(value: unknown, limit: unknown, compare: (actual: number, limit: number) => boolean): boolean {
  const actual = toFiniteNumber(value);
  return actual !== undefined && typeof limit === 'number' && compare(actual, limit);
}

/** Amplitude stores many numbers as strings ("42"), so numeric strings compare as numbers. */
function toFiniteNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}
