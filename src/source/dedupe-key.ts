import { createHash } from 'node:crypto';
import { boundedKey } from '../db/storable';
import type { IntercomNotification } from '../intercom/webhook-envelope';
import { normalizeIntercomEventName } from '../intercom/event-names';
import { addedTagIds, conversationView } from './conversation';
import { dataEventPerson } from './data-event';
import { field, textAt, type JsonObject } from './item-fields';
import { taggedPersonObject } from './tag';
import { parseIntercomTimeSeconds } from './time';
import { normalizeTopic, topicGroup } from './topics';

/**
 * Dedupe keys name the underlying *fact*, not the delivery, so that a redelivered notification
 * and a later historical backfill of the same fact collapse into one inbox row and one Amplitude
 * insert_id. `T` is the normalised (2.x) topic, so legacy and 2.x deliveries match too.
 * Times are whole Unix seconds, so ISO webhook values equal REST integers.
 *
 * | topics                                                            | key                                       |
 * |-------------------------------------------------------------------|-------------------------------------------|
 * | contact/user/visitor `*.created`, `*.signed_up`, `contact.deleted` | `T:<item.id>`                             |
 * | other contact/user/visitor topics (updated, email, merged, …)     | `T:<item.id>:<updated_at>`                |
 * | contact/user tag topics                                           | `T:<contact or user id>:<tag.id>`         |
 * | `conversation.user.created`, `.admin.single.created`, `.deleted`  | `T:<conversation.id>`                     |
 * | `conversation.rating.added`                                       | `T:<conversation.id>[:<rating.created_at>]` |
 * | `conversation_part.tag.created`                                   | `T:<conversation.id>:<part.id>:<tag ids>` |
 * | other conversation topics (replies, notes, assign, close, …)      | `T:<conversation.id>:<newest part id>`, else `T:<conversation.id>:<updated_at>` |
 * | `event.created`                                                   | `T:<item.id>`, else `T:<event name>:<created_at>:<user key>` |
 * | anything else, or a fact missing the fields above                 | `notification:<notification id>`, else `content:<sha256 of topic, created_at, item>` |
 *
 * Ids are Intercom's own (`id`), which the REST API returns too; a tag fact keys on the tagged
 * contact's id, not its external_id, since leads may have none. A re-tag after an untag is the
 * same key as the first tag: neither the 2.x payload nor the REST API carries when a tag was
 * applied, so there is nothing to tell them apart by.
 */
export function dedupeKeyFor(notification: IntercomNotification): string {
  // Keys are indexed (source_inbox_dedupe_uq): a long one (names, emails, ids are the workspace's data) is
  // kept as its hash, the same for the live copy and the backfilled one.
  const natural = dedupeKeyForFact(notification.topic, notification.data.item);
  if (natural) return boundedKey(natural);
  if (notification.id) return boundedKey(`notification:${notification.id}`);
  const content = { topic: notification.topic, created_at: notification.created_at, item: notification.data.item };
  return `content:${createHash('sha256').update(stableJson(content)).digest('hex')}`;
}

/**
 * The natural key of the fact `item` represents under `topic` (legacy or 2.x name), or null
 * when the item lacks what the rule needs. Backfill calls this with REST objects; for a
 * conversation part, pass the conversation with `conversation_parts` narrowed to that part,
 * which is exactly the shape of the webhook for it.
 */
export function dedupeKeyForFact(topic: string, item: JsonObject): string | null {
  const t = normalizeTopic(topic);
  switch (topicGroup(t)) {
    case 'contact':
    case 'user':
    case 'visitor':
      return contactKey(t, item);
    case 'contact_tag':
    case 'user_tag':
      return join(t, textAt(taggedPersonObject(item), 'id'), textAt(item, 'tag', 'id'));
    case 'conversation':
      return conversationKey(t, item);
    case 'event':
      return dataEventKey(t, item);
    case 'unsupported':
      return null;
  }
}

/** A stable Amplitude insert_id: same key, same id, on every retry and every replay. */
export function insertIdFor(dedupeKey: string): string {
  return `intercom-${createHash('sha256').update(dedupeKey).digest('hex').slice(0, 32)}`;
}

const ONE_SHOT_CONTACT_TOPIC = /\.(created|signed_up)$/;

function contactKey(t: string, item: JsonObject): string | null {
  const id = textAt(item, 'id');
  if (ONE_SHOT_CONTACT_TOPIC.test(t) || t === 'contact.deleted') return join(t, id);
  return join(t, id, secondsText(item.updated_at));
}

const ONE_SHOT_CONVERSATION_TOPICS = new Set([
  'conversation.user.created',
  'conversation.admin.single.created',
  'conversation.deleted',
]);

function conversationKey(t: string, item: JsonObject): string | null {
  const view = conversationView(item);
  if (ONE_SHOT_CONVERSATION_TOPICS.has(t)) return join(t, view.id);
  if (t === 'conversation.rating.added') {
    const ratedAt = secondsText(field(view.conversation, 'conversation_rating', 'created_at'));
    return ratedAt ? join(t, view.id, ratedAt) : join(t, view.id);
  }
  const partId = textAt(view.newestPart, 'id');
  if (t === 'conversation_part.tag.created') {
    const tags = addedTagIds(view);
    return tags.length > 0 ? join(t, view.id, partId, tags.join(',')) : join(t, view.id, partId);
  }
  return partId ? join(t, view.id, partId) : join(t, view.id, secondsText(view.conversation.updated_at));
}

function dataEventKey(t: string, item: JsonObject): string | null {
  const id = textAt(item, 'id');
  if (id) return join(t, id);
  const name = textAt(item, 'event_name');
  const person = dataEventPerson(item);
  const user = person?.userId
    ? `external_id:${person.userId}`
    : person?.email
      ? `email:${person.email}`
      : person?.intercomId && `contact:${person.intercomId}`;
  return join(t, name && normalizeIntercomEventName(name), secondsText(item.created_at), user);
}

/** Null unless every part is present: a partial key could merge unrelated facts. */
function join(...parts: Array<string | undefined>): string | null {
  return parts.every((p): p is string => p !== undefined && p !== '') ? parts.join(':') : null;
}

function secondsText(value: unknown): string | undefined {
  const seconds = parseIntercomTimeSeconds(value);
  return seconds === null ? undefined : String(seconds);
}

/** JSON with object keys sorted, so equal content hashes equally whatever the key order. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
