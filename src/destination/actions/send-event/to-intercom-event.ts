import { normalizeIntercomEventName } from '../../../intercom/event-names';
import type { IngestedEvent } from '../../ingested-event';
import { resolveIntercomUser, type IntercomUser } from '../../intercom-user';
import type { DestinationSettings } from '../../settings';
import { matchesEventFilter } from './event-filter';
import { IDENTIFY_EVENT_TYPES, RESERVED_STREAMING_EVENT_TYPES } from './fields';
import { buildMetadata, type DroppedKey, type IntercomMetadataValue } from './metadata';

/**
 * The transform of "Send Events": an Amplitude event → an Intercom data event. Pure: no I/O and no clock;
 * the caller passes the time an event was received.
 */

/** Body of Intercom's POST /events; `user_id` there is the contact's external_id. */
export type IntercomEventBody = {
  event_name: string;
  /** Unix seconds: Intercom dedupes on (user, event_name, created_at) at this granularity. */
  created_at: number;
  metadata?: Record<string, IntercomMetadataValue>;
} & ({ user_id: string } | { email: string });

export type EventSkipReason =
  'reserved_event_type' | 'send_events_disabled' | 'filtered_out' | 'missing_identity' | 'invalid_email';

export type IntercomEventResult =
  | {
      ok: true;
      body: IntercomEventBody;
      /** The contact the event belongs to; it must exist in Intercom before the event is sent. */
      user: IntercomUser;
      /** The name as Intercom keeps it, for the 120-name registry and the echo ledger. */
      eventTypeKey: string;
      cutKeys: string[];
      droppedKeys: DroppedKey[];
    }
  | { ok: false; reason: EventSkipReason };

export interface EventTransformOptions {
  /** Metadata keys Intercom keeps per event (its API reference says 10, its help center 20). */
  metadataKeyLimit: number;
  /** When our endpoint accepted the event (ms); stands in for a missing event time, as Amplitude does. */
  receivedAtMs: number;
}

/**
 * One Amplitude event → one Intercom data event, or the reason it isn't sent. The checks run from
 * the event itself outwards: reserved types, the Send Events toggle, the filter, then identity.
 * The destination's status is the caller's to check: a disabled sync transforms nothing.
 */
export function toIntercomEvent(
  event: IngestedEvent,
  settings: DestinationSettings,
  options: EventTransformOptions,
): IntercomEventResult {
  if (isReservedEventType(event.event_type)) return { ok: false, reason: 'reserved_event_type' };
  if (!settings.sendEvents.enabled) return { ok: false, reason: 'send_events_disabled' };
  if (!matchesEventFilter(event, settings.sendEvents.eventFilter)) return { ok: false, reason: 'filtered_out' };
  const user = resolveIntercomUser(event, settings.mapping);
  if ('error' in user) return { ok: false, reason: user.error };

  const { metadata, cutKeys, droppedKeys } = buildMetadata(
    event.event_properties,
    settings.sendEvents.eventProperties,
    options.metadataKeyLimit,
  );
  const body: IntercomEventBody = {
    event_name: event.event_type,
    created_at: createdAtSeconds(event.time, options.receivedAtMs),
    ...(user.field === 'external_id' ? { user_id: user.value } : { email: user.value }),
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
  };
  return { ok: true, body, user, eventTypeKey: normalizeIntercomEventName(event.event_type), cutKeys, droppedKeys };
}

/** Identifies travel as events in Amplitude but are user updates; `_all`/`_identify` are streaming's own names. */
function isReservedEventType(eventType: string): boolean {
  return IDENTIFY_EVENT_TYPES.includes(eventType) || RESERVED_STREAMING_EVENT_TYPES.includes(eventType);
}

function createdAtSeconds(timeMs: number | null | undefined, receivedAtMs: number): number {
  const ms = typeof timeMs === 'number' && Number.isFinite(timeMs) && timeMs > 0 ? timeMs : receivedAtMs;
  return Math.floor(ms / 1000);
}
