import type { IntercomNotification } from '../intercom/webhook-envelope';
import { contactDedupeKey, contactFactTime, contactPerson, contactProperties, contactUserProperties } from './contact';
import {
  conversationDedupeKey,
  conversationFactTime,
  conversationPerson,
  conversationProperties,
  conversationView,
} from './conversation';
import { dataEventDedupeKey, dataEventFactTime, dataEventPerson, dataEventProperties } from './data-event';
import type { PersonRef } from './identity';
import type { JsonObject } from './item-fields';
import { tagDedupeKey, tagFactTime, tagPerson, tagProperties } from './tag';
import { normalizeTopic } from './topics';

export type TopicGroupName = 'conversation' | 'contact' | 'contact_tag' | 'user' | 'user_tag' | 'visitor' | 'event';

/**
 * Everything the source knows about one group of Intercom topics, in one record. Every function
 * takes the *normalised* (2.x) topic, so a legacy and a 2.x delivery of one fact are read alike,
 * and is pure.
 */
export interface TopicGroup {
  name: TopicGroupName;
  /** As Amplitude's page lists the group. */
  label: string;
  /** Normalised-topic prefixes; across all groups the longest matching prefix wins. */
  prefixes: readonly string[];
  /** Who the notification is about. */
  person(item: JsonObject): PersonRef | undefined;
  /** Event properties specific to the group. They list every key (undefined when absent), which the data contract reads. */
  eventProperties(item: JsonObject): Record<string, unknown>;
  /** Amplitude user properties to set, if the group sets any. */
  userProperties?(item: JsonObject, topic: string): Record<string, unknown> | undefined;
  /** The natural key of the fact (see dedupe-key.ts), or null when the item lacks what it needs. */
  dedupeKey(topic: string, item: JsonObject): string | null;
  /** When the fact happened, in Unix seconds, read from the item; null when the item does not say. */
  factTime(topic: string, item: JsonObject): number | null;
  /** For the README's data contract (npm run docs:data-contract). */
  docs: {
    person: string;
    dedupeKey: string;
    factTime: string;
    eventPropertiesNote?: string;
    userPropertiesNote?: string;
  };
}

const CONTACT_DOCS: TopicGroup['docs'] = {
  person: 'the item itself (2.x contact, 1.x user or lead, or a minimal `{type, id, external_id}` state payload)',
  dedupeKey:
    '`T:<id>` for `*.created`, `*.signed_up` and `contact.deleted`; `T:<id>:<updated_at>` for the rest (they recur)',
  factTime: '`created_at` for `*.created`, `signed_up_at` for `*.signed_up`, else `updated_at`',
  userPropertiesNote:
    'none for `contact.deleted` and `contact.archived` (1.x `user.deleted`): their payloads carry identifiers only',
};

/** Contact, user and visitor items share one shape (2.x contact, 1.x user/lead). */
const contactShape = {
  person: contactPerson,
  eventProperties: contactProperties,
  userProperties: contactUserProperties,
  dedupeKey: contactDedupeKey,
  factTime: contactFactTime,
  docs: CONTACT_DOCS,
};

const tagShape = {
  person: tagPerson,
  eventProperties: tagProperties,
  dedupeKey: tagDedupeKey,
  factTime: tagFactTime,
  docs: {
    person: 'the tagged `contact` (2.x, and 1.x leads) or `user` (1.x)',
    dedupeKey: '`T:<tagged contact id>:<tag id>`',
    factTime: "the item's `created_at` (1.x; 2.x tag items carry none)",
  },
};

/** In the order of Amplitude's page: conversation, contact, contact tag, user, user tag, visitor, event. */
export const TOPIC_GROUPS: readonly TopicGroup[] = [
  {
    name: 'conversation',
    label: 'Conversation topics',
    prefixes: ['conversation.', 'conversation_part.'],
    person: (item) => conversationPerson(conversationView(item)),
    eventProperties: (item) => conversationProperties(conversationView(item)),
    dedupeKey: conversationDedupeKey,
    factTime: conversationFactTime,
    docs: {
      person:
        'the contact attached or detached; else the customer who wrote the newest part; else 2.x `source.author`, ' +
        "1.x `user`, the opening message's customer author; completed from the 2.x `contacts` list by Intercom id",
      dedupeKey:
        '`T:<conversation id>` for created and deleted; `T:<id>:<rating time>` for ratings; ' +
        '`T:<id>:<part id>:<tag ids>` for part tagging; else `T:<id>:<newest part id>` (or `:<updated_at>`)',
      factTime: "the conversation's `created_at` for `*.created`, the rating's time, else the newest part's",
    },
  },
  { name: 'contact', label: 'Contact topics', prefixes: ['contact.'], ...contactShape },
  { name: 'contact_tag', label: 'Contact tag topics', prefixes: ['contact.lead.tag.'], ...tagShape },
  { name: 'user', label: 'User topics', prefixes: ['contact.user.'], ...contactShape },
  { name: 'user_tag', label: 'User tag topics', prefixes: ['contact.user.tag.'], ...tagShape },
  { name: 'visitor', label: 'Visitor topics', prefixes: ['visitor.'], ...contactShape },
  {
    name: 'event',
    label: 'Event topics',
    prefixes: ['event.'],
    person: dataEventPerson,
    eventProperties: dataEventProperties,
    dedupeKey: dataEventDedupeKey,
    factTime: dataEventFactTime,
    docs: {
      person: "the item's `user_id` (the customer's id), `email` and `intercom_user_id` (Intercom's contact id)",
      dedupeKey: '`T:<event id>`, else `T:<event name>:<created_at>:<user key>`',
      factTime: "the item's `created_at`",
      eventPropertiesNote: 'plus `metadata_<key>` for each key of the event’s metadata',
    },
  },
];

const BY_PREFIX = TOPIC_GROUPS.flatMap((group) => group.prefixes.map((prefix) => ({ prefix, group }))).sort(
  (a, b) => b.prefix.length - a.prefix.length,
);

/**
 * The group of a topic (legacy or 2.x name), or undefined for topics Amplitude's source does not
 * import (company, ticket, admin, content_stat, job, granular, call, ping, …).
 */
export function topicGroupOf(topic: string): TopicGroup | undefined {
  const normalized = normalizeTopic(topic);
  return BY_PREFIX.find((entry) => normalized.startsWith(entry.prefix))?.group;
}

/** Who a notification is about, or undefined for unsupported topics and items naming nobody. */
export function personOf(notification: IntercomNotification): PersonRef | undefined {
  return topicGroupOf(notification.topic)?.person(notification.data.item);
}

/**
 * The natural key of the fact `item` represents under `topic` (legacy or 2.x name), or null
 * when the item lacks what the rule needs. Backfill calls this with REST objects; for a
 * conversation part, pass the conversation with `conversation_parts` narrowed to that part,
 * which is exactly the shape of the webhook for it.
 */
export function dedupeKeyForFact(topic: string, item: JsonObject): string | null {
  return topicGroupOf(topic)?.dedupeKey(normalizeTopic(topic), item) ?? null;
}

/**
 * When the fact behind `topic` + `item` happened, in Unix seconds, read from the item itself.
 * A live notification's `created_at` is (about) this moment; backfill has no notification, so it
 * stamps its synthetic envelope with this value to give backfilled events their true time.
 * Null when the item does not say (e.g. 2.x tag items, minimal `*.deleted` payloads).
 */
export function factTimeSeconds(topic: string, item: JsonObject): number | null {
  return topicGroupOf(topic)?.factTime(normalizeTopic(topic), item) ?? null;
}
