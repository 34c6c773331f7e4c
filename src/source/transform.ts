import type { IntercomNotification } from '../intercom/webhook-envelope';
import { contactPerson, contactProperties, contactUserProperties } from './contact';
import { conversationPerson, conversationProperties, conversationView } from './conversation';
import { dataEventPerson, dataEventProperties } from './data-event';
import { dedupeKeyFor, insertIdFor } from './dedupe-key';
import { resolveIdentity, type IdentityMapping, type IdentitySource, type PersonRef } from './identity';
import { textAt, type JsonObject } from './item-fields';
import { cleanProperties, type Properties } from './properties';
import { tagPerson, tagProperties } from './tag';
import { isPing, normalizeTopic, topicGroup, type TopicGroup } from './topics';

export type { IdentityMapping, IdentitySource } from './identity';
export { dedupeKeyFor, dedupeKeyForFact, insertIdFor } from './dedupe-key';
export { echoCandidate, type EchoCandidate } from './echo';
export { factTimeSeconds } from './fact-time';
export { parseIntercomTime, parseIntercomTimeSeconds } from './time';

/**
 * The event we send to Amplitude's HTTP V2 / Batch APIs: a strict subset of the general
 * `AmplitudeEvent` (src/amplitude/event.ts), with the fields this source always sets required.
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
      identity: { userId: string; source: IdentitySource };
      dedupeKey: string;
    }
  | { kind: 'dropped'; reason: DropReason };

export interface TransformOptions {
  identityMapping: IdentityMapping;
}

export const EVENT_TYPE_PREFIX = '[Intercom] ';

/**
 * One Intercom notification → at most one Amplitude event, as Amplitude's own Intercom source
 * does: `[Intercom] <2.x topic>`, user_id per the chosen mapping, dropped without identity.
 * Pure and deterministic: the same notification always yields the same event and insert_id.
 *
 * No device_id: Amplitude derives one from user_id, which also scopes insert_id dedup per user.
 * `time` is when Intercom created the notification; the item's own times are in properties.
 */
export function toAmplitudeEvent(notification: IntercomNotification, options: TransformOptions): TransformResult {
  if (isPing(notification.topic)) return { kind: 'dropped', reason: 'ping' };
  const group = topicGroup(notification.topic);
  if (group === 'unsupported') return { kind: 'dropped', reason: 'unsupported_topic' };

  const item = notification.data.item;
  const facts = groupFacts(group, normalizeTopic(notification.topic), item);
  const identity = resolveIdentity(facts.person, options.identityMapping);
  if (!identity) return { kind: 'dropped', reason: 'no_identity' };

  const dedupeKey = dedupeKeyFor(notification);
  const eventProperties = cleanProperties({
    intercom_topic: notification.topic,
    intercom_app_id: notification.app_id,
    intercom_notification_id: notification.id,
    intercom_item_id: textAt(item, 'id'),
    intercom_item_type: textAt(item, 'type'),
    intercom_contact_id: facts.person?.intercomId,
    ...facts.properties,
  });
  const userProperties = facts.userProperties && cleanProperties(facts.userProperties);

  const event: IntercomSourceEvent = {
    event_type: `${EVENT_TYPE_PREFIX}${normalizeTopic(notification.topic)}`,
    user_id: identity.userId,
    time: notification.created_at * 1000,
    insert_id: insertIdFor(dedupeKey),
    event_properties: eventProperties,
    ...(userProperties && Object.keys(userProperties).length > 0 ? { user_properties: userProperties } : {}),
  };
  return { kind: 'event', event, identity, dedupeKey };
}

interface GroupFacts {
  person: PersonRef | undefined;
  properties: Record<string, unknown>;
  userProperties?: Record<string, unknown>;
}

function groupFacts(group: Exclude<TopicGroup, 'unsupported'>, topic: string, item: JsonObject): GroupFacts {
  switch (group) {
    case 'conversation': {
      const view = conversationView(item);
      return { person: conversationPerson(view), properties: conversationProperties(view) };
    }
    case 'contact':
    case 'user':
    case 'visitor':
      return {
        person: contactPerson(item),
        properties: contactProperties(item),
        // A deletion is not a profile update: its payload carries identifiers only.
        userProperties: topic === 'contact.deleted' ? undefined : contactUserProperties(item),
      };
    case 'contact_tag':
    case 'user_tag':
      return { person: tagPerson(item), properties: tagProperties(item) };
    case 'event':
      return { person: dataEventPerson(item), properties: dataEventProperties(item) };
  }
}
