import type { AmplitudeEvent, Identification } from '../amplitude/protocol';
import { isIdentifyEvent, toUserPropertyUpdate } from '../amplitude/protocol';
import { insertIdForAmplitudeEvent, type NormalizedIdentify } from './transform';
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
      insertId: insertIdForAmplitudeEvent(event),
      kind: identify ? 'identify' : 'event',
      payload: identify ? normalizedIdentify(event) : event,
      userKey: userKeyOf(event),
      eventTime: typeof event.time === 'number' && event.time > 0 ? new Date(event.time) : receivedAt,
    };
  });
}

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
      insertId: insertIdForAmplitudeEvent({
        event_type: '$identify',
        user_id: identify.userId,
        device_id: identify.deviceId,
        event_properties: { set: identify.set, setOnce: identify.setOnce, unset: identify.unset },
      }),
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

/** Rows of one user are delivered in order, and an identify releases that user's parked events. */
export function userKeyOf(ids: { user_id?: string | null; device_id?: string | null }): string {
  return ids.user_id ? `user:${ids.user_id}` : `device:${ids.device_id ?? ''}`;
}
