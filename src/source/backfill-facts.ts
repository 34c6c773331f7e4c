import type { IntercomNotification } from '../intercom/webhook-envelope';
import { factTimeSeconds } from './topic-groups';
import { isCustomer } from './identity';
import { listEntries, objectAt, textAt, type JsonObject } from './item-fields';
import { parseIntercomTimeSeconds } from './time';

/**
 * Historical backfill turns REST objects into the facts the live webhooks would have carried,
 * under the same topics and in the same item shapes, so their dedupe keys (and so their Amplitude
 * insert_ids) are the live stream's: a fact imported live and again by a backfill is one row.
 * Pure.
 */
export interface Fact {
  topic: string;
  item: JsonObject;
}

export interface TimeWindow {
  /** Unix seconds, inclusive. */
  since: number;
  /** Unix seconds, exclusive. */
  until: number;
}

const inWindow = (seconds: number | null, window: TimeWindow) =>
  seconds !== null && seconds >= window.since && seconds < window.until;

/** A contact created in the window: `contact.user.created` or `contact.lead.created`. */
export function contactFacts(contact: JsonObject, window: TimeWindow): Fact[] {
  if (!inWindow(parseIntercomTimeSeconds(contact.created_at), window)) return [];
  const topic = textAt(contact, 'role') === 'lead' ? 'contact.lead.created' : 'contact.user.created';
  return [{ topic, item: contact }];
}

/** Which live topic announced a conversation part, by its type and author. */
export function topicForPart(part: JsonObject): string | undefined {
  const type = textAt(part, 'part_type');
  const authorType = textAt(part, 'author', 'type');
  const byCustomer = isCustomer(objectAt(part, 'author'));
  switch (type) {
    case 'comment':
      if (byCustomer) return 'conversation.user.replied';
      return authorType === 'bot' ? 'conversation.operator.replied' : 'conversation.admin.replied';
    case 'note':
      return 'conversation.admin.noted';
    case 'assignment':
    case 'default_assignment':
      return 'conversation.admin.assigned';
    case 'assign_and_reopen':
      return 'conversation.admin.open.assigned';
    case 'close':
      return 'conversation.admin.closed';
    case 'open':
      return 'conversation.admin.opened';
    case 'snoozed':
      return 'conversation.admin.snoozed';
    case 'timer_unsnooze':
    case 'unsnoozed':
      return 'conversation.admin.unsnoozed';
    default:
      return undefined; // parts no webhook announces one by one (e.g. participant changes, away mode)
  }
}

/**
 * A conversation (as GET /conversations/{id} returns it, parts included) → its creation, if in the
 * window, and each part created in the window, each as the webhook for it would carry it: the
 * conversation with `conversation_parts` narrowed to that one part.
 */
export function conversationFacts(conversation: JsonObject, window: TimeWindow): Fact[] {
  const facts: Fact[] = [];
  const { conversation_parts: _parts, ...withoutParts } = conversation;
  const opener = isCustomer(objectAt(conversation, 'source', 'author'))
    ? 'conversation.user.created'
    : 'conversation.admin.single.created';
  const opening: JsonObject = {
    ...withoutParts,
    conversation_parts: { type: 'conversation_part.list', conversation_parts: [], total_count: 0 },
  };
  if (inWindow(factTimeSeconds(opener, opening), window)) facts.push({ topic: opener, item: opening });

  for (const part of listEntries(conversation.conversation_parts, 'conversation_parts')) {
    const topic = topicForPart(part);
    if (!topic || !inWindow(parseIntercomTimeSeconds(part.created_at), window)) continue;
    facts.push({
      topic,
      item: {
        ...withoutParts,
        conversation_parts: { type: 'conversation_part.list', conversation_parts: [part], total_count: 1 },
      },
    });
  }
  return facts;
}

/** The envelope a live webhook would have had; `id` is null because no notification ever existed. */
export function syntheticNotification(appId: string, fact: Fact): IntercomNotification {
  return {
    type: 'notification_event',
    app_id: appId,
    id: null,
    topic: fact.topic,
    created_at: factTimeSeconds(fact.topic, fact.item) ?? 0,
    data: { type: 'notification_event_data', item: fact.item },
  };
}
