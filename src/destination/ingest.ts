import type { AmplitudeEvent, ExtraEventCheck, Identification } from '../amplitude/protocol';
import { isIdentifyEvent, MAX_STRING_LENGTH, toUserPropertyUpdate } from '../amplitude/protocol';
import { boundedKey, pathToNul } from '../db/storable';
import { insertIdForAmplitudeEvent } from './insert-id';
import type { NormalizedIdentify } from './ingested-event';
import type { NewOutboxRow } from './outbox';

/**
 * Turns what an Amplitude client uploaded into outbox rows: `$identify` events and /identify
 * calls become identify rows (user-property changes, as "Create & Update Users" reads them),
 * everything else event rows. Pure.
 */
export function outboxRowsForEvents(
  connectionId: string,
  events: readonly AmplitudeEvent[],
  receivedAt: Date,
): NewOutboxRow[] {
  return events.map((event) => {
    const identify = isIdentifyEvent(event);
    return {
      connectionId,
      insertId: boundedKey(insertIdForAmplitudeEvent(event)),
      kind: identify ? 'identify' : 'event',
      payload: identify ? normalizedIdentify(event) : event,
      userKey: userKeyOf(event),
      eventTime: typeof event.time === 'number' && event.time > 0 ? new Date(event.time) : receivedAt,
    };
  });
}

// Alike in shape to outboxRowsForEvents, but an /identify call has no insert_id or event time: kept apart.
export function outboxRowsForIdentifications(
  connectionId: string,
  identifications: readonly Identification[],
  receivedAt: Date,
): NewOutboxRow[] {
  return identifications.map((identification) => {
    const identify = normalizedIdentify(identification);
    return {
      connectionId,
      // The same change sent twice is one change; /identify carries no insert_id of its own.
      insertId: boundedKey(
        insertIdForAmplitudeEvent({
          event_type: '$identify',
          user_id: identify.userId,
          device_id: identify.deviceId,
          event_properties: { set: identify.set, setOnce: identify.setOnce, unset: identify.unset },
        }),
      ),
      kind: 'identify',
      payload: identify,
      userKey: userKeyOf({ user_id: identify.userId, device_id: identify.deviceId }),
      eventTime: receivedAt,
    };
  });
}

function normalizedIdentify(source: AmplitudeEvent | Identification): NormalizedIdentify {
  const update = toUserPropertyUpdate(source);
  return {
    ...(update.userId ? { userId: update.userId } : {}),
    ...(update.deviceId ? { deviceId: update.deviceId } : {}),
    set: update.set,
    setOnce: update.setOnce,
    unset: update.unset,
  };
}

/**
 * Rows of one user are delivered in order, and an identify releases that user's parked events. The key is
 * indexed and only ever compared, so a long id (1,024 characters may be 4 kB) is kept as its hash.
 */
export function userKeyOf(ids: { user_id?: string | null; device_id?: string | null }): string {
  return boundedKey(ids.user_id ? `user:${ids.user_id}` : `device:${ids.device_id ?? ''}`);
}

/**
 * Intercom documents no limit on event names; we refuse names longer than its limit on string values
 * (255), which also keeps them within the btree of the event-type registry they are recorded in.
 */
export const MAX_EVENT_NAME_LENGTH = 255;

/**
 * Our rules on top of Amplitude's, checked before anything is stored so that an event we could never
 * store or deliver is refused in Amplitude's 400 (its index listed under the field) instead of failing
 * the whole request with a 503 the SDK would retry forever: no U+0000 in any key or string (Postgres
 * text cannot hold it), an event name Intercom can take, an insert_id no longer than any other id.
 */
export const storableEventCheck: ExtraEventCheck = (event, invalid) => {
  for (const [key, value] of Object.entries(event)) {
    if (key.includes('\u0000')) invalid(key.replace(/\u0000/g, '\\u0000'));
    else if (pathToNul(value)) invalid(key);
  }
  if (typeof event.event_type === 'string' && event.event_type.length > MAX_EVENT_NAME_LENGTH) invalid('event_type');
  if (typeof event.insert_id === 'string' && event.insert_id.length > MAX_STRING_LENGTH) invalid('insert_id');
};
