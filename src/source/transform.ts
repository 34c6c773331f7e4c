import type { IntercomNotification } from '../intercom/webhook-envelope';
import { DEFAULT_EVENT_NAMING, type EventNaming } from './connection-settings';
import { dedupeKeyFor, insertIdFor } from './dedupe-key';
import { resolveIdentity, type IdentityMapping, type PersonRef, type ResolvedIdentity } from './identity';
import { textAt } from './item-fields';
import { cleanProperties, type Properties } from './properties';
import { topicGroupOf } from './topic-groups';
import { isPing, normalizeTopic } from './topics';

/**
 * The event we send to Amplitude's HTTP V2 / Batch APIs: a strict subset of the general
 * `AmplitudeEvent` (src/amplitude/protocol/event.ts), with the fields this source always sets required.
 * A type alias, not an interface, so it stays assignable to that open (index-signature) type.
 */
export type IntercomSourceEvent = {
  event_type: string;
  user_id: string;
  /** Epoch milliseconds. */
  time: number;
  insert_id: string;
  event_properties: Properties;
  user_properties?: Properties;
};

export type DropReason = 'ping' | 'unsupported_topic' | 'no_identity';

export type TransformResult =
  | {
      kind: 'event';
      event: IntercomSourceEvent;
      identity: ResolvedIdentity;
      dedupeKey: string;
    }
  | { kind: 'dropped'; reason: DropReason };

export interface TransformOptions {
  identityMapping: IdentityMapping;
  /** Defaults to `as_sent`, Amplitude's own naming. */
  eventNaming?: EventNaming;
  /**
   * The identity already resolved for this notification (by identity memory, which may know more
   * than the payload says); null means none could be found. Omitted: resolved from the payload alone.
   */
  identity?: ResolvedIdentity | null;
}

export const EVENT_TYPE_PREFIX = '[Intercom] ';

/** The Amplitude event type of a topic under a connection's naming. */
export function eventTypeFor(topic: string, naming: EventNaming = DEFAULT_EVENT_NAMING): string {
  return `${EVENT_TYPE_PREFIX}${naming === 'normalized' ? normalizeTopic(topic) : topic}`;
}

/**
 * One Intercom notification → at most one Amplitude event, as Amplitude's own Intercom source
 * does: `[Intercom] <topic>`, user_id per the chosen mapping, dropped without identity. What each
 * topic group reads and sends is its record in the topic table (topic-groups.ts).
 * Pure and deterministic: the same notification always yields the same event and insert_id.
 *
 * No device_id: Amplitude derives one from user_id, which also scopes insert_id dedup per user.
 * `time` is when Intercom created the notification; the item's own times are in properties.
 */
export function toAmplitudeEvent(notification: IntercomNotification, options: TransformOptions): TransformResult {
  if (isPing(notification.topic)) return { kind: 'dropped', reason: 'ping' };
  const group = topicGroupOf(notification.topic);
  if (!group) return { kind: 'dropped', reason: 'unsupported_topic' };

  const item = notification.data.item;
  const person = group.person(item);
  const identity = options.identity !== undefined ? options.identity : resolveIdentity(person, options.identityMapping);
  if (!identity) return { kind: 'dropped', reason: 'no_identity' };

  const dedupeKey = dedupeKeyFor(notification);
  const eventProperties = cleanProperties(commonEventProperties(notification, person), group.eventProperties(item));
  const groupUserProperties = group.userProperties?.(item, normalizeTopic(notification.topic));
  const userProperties = groupUserProperties && cleanProperties(groupUserProperties);

  const event: IntercomSourceEvent = {
    event_type: eventTypeFor(notification.topic, options.eventNaming),
    user_id: identity.userId,
    time: notification.created_at * 1000,
    insert_id: insertIdFor(dedupeKey),
    event_properties: eventProperties,
    ...(userProperties && Object.keys(userProperties).length > 0 ? { user_properties: userProperties } : {}),
  };
  return { kind: 'event', event, identity, dedupeKey };
}

/** Properties every event carries, whatever its group; `intercom_topic` is the topic as Intercom sent it. */
export function commonEventProperties(
  notification: IntercomNotification,
  person: PersonRef | undefined,
): Record<string, unknown> {
  const item = notification.data.item;
  return {
    intercom_topic: notification.topic,
    intercom_app_id: notification.app_id,
    intercom_notification_id: notification.id,
    intercom_item_id: textAt(item, 'id'),
    intercom_item_type: textAt(item, 'type'),
    intercom_contact_id: person?.intercomId,
  };
}
