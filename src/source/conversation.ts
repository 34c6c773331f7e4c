import { isCustomer, mergePersonRefs, personFrom, type PersonRef } from './identity';
import {
  booleanAt,
  field,
  listEntries,
  newestConversationPart,
  numberAt,
  objectAt,
  textAt,
  type JsonObject,
} from './item-fields';
import { joinKey, secondsText } from './key-parts';
import { intercomTimeToIso, parseIntercomTimeSeconds } from './time';

/**
 * Conversation items come in three shapes:
 * - 1.x: `{type:'conversation', id, user, assignee, conversation_message, conversation_parts, tags, tags_added}`;
 * - 2.x: `{type:'conversation', id, source{author}, contacts{contacts[]}, admin_assignee_id, priority, …}`;
 * - `conversation.contact.attached/detached`: `{conversation:{model{id,…}, parts[]}, contact{…}}`.
 * `ConversationView` irons those out for identity, properties and dedupe keys.
 */
export interface ConversationView {
  id: string | undefined;
  /** The object carrying state, tags, assignee etc. (the item, or `conversation.model`). */
  conversation: JsonObject;
  newestPart: JsonObject | undefined;
  /** The contact attached or detached, for the `conversation.contact.*` shape. */
  contact: JsonObject | undefined;
}

export function conversationView(item: JsonObject): ConversationView {
  const wrapped = objectAt(item, 'conversation');
  if (wrapped && !textAt(item, 'id')) {
    const model = objectAt(wrapped, 'model') ?? wrapped;
    return {
      id: textAt(model, 'id'),
      conversation: model,
      newestPart: newestConversationPart({ conversation_parts: field(wrapped, 'parts') }),
      contact: objectAt(item, 'contact'),
    };
  }
  return { id: textAt(item, 'id'), conversation: item, newestPart: newestConversationPart(item), contact: undefined };
}

/**
 * The customer a conversation notification is about, most specific reference first: the contact
 * attached/detached; the author of the newest part when a customer wrote it (replies); the 2.x
 * `source.author`; the 1.x `user`; the 1.x opening message's author; then the 2.x `contacts` list,
 * which is where 2.x keeps `external_id` and so completes the references above by Intercom id.
 */
export function conversationPerson(view: ConversationView): PersonRef | undefined {
  const c = view.conversation;
  const customerOnly = (o: JsonObject | undefined) => (isCustomer(o) ? personFrom(o) : undefined);
  return mergePersonRefs([
    personFrom(view.contact),
    customerOnly(objectAt(view.newestPart, 'author')),
    customerOnly(objectAt(c, 'source', 'author')),
    personFrom(objectAt(c, 'user')),
    customerOnly(objectAt(c, 'conversation_message', 'author')),
    ...listEntries(field(c, 'contacts'), 'contacts').map(personFrom),
  ]);
}

/** Operational facts only: no message bodies, subjects or titles (privacy and size). */
export function conversationProperties(view: ConversationView): Record<string, unknown> {
  const c = view.conversation;
  const part = view.newestPart;
  const legacyAssignee = objectAt(c, 'assignee');
  const legacyAssigneeType = textAt(legacyAssignee, 'type');
  return {
    conversation_id: view.id,
    conversation_state: textAt(c, 'state'),
    conversation_open: booleanAt(c, 'open'),
    conversation_read: booleanAt(c, 'read'),
    conversation_priority: textAt(c, 'priority'),
    conversation_created_at: intercomTimeToIso(field(c, 'created_at')),
    snoozed_until: intercomTimeToIso(field(c, 'snoozed_until')),
    admin_assignee_id:
      textAt(c, 'admin_assignee_id') ?? (legacyAssigneeType === 'admin' ? textAt(legacyAssignee, 'id') : undefined),
    team_assignee_id:
      textAt(c, 'team_assignee_id') ?? (legacyAssigneeType === 'team' ? textAt(legacyAssignee, 'id') : undefined),
    tags: tagNames(field(c, 'tags')),
    tags_added: tagNames(field(c, 'tags_added')),
    source_type: textAt(c, 'source', 'type'),
    source_delivered_as: textAt(c, 'source', 'delivered_as'),
    rating: numberAt(c, 'conversation_rating', 'rating'),
    ai_agent_participated: booleanAt(c, 'ai_agent_participated'),
    time_to_admin_reply: numberAt(c, 'statistics', 'time_to_admin_reply'),
    time_to_first_close: numberAt(c, 'statistics', 'time_to_first_close'),
    count_reopens: numberAt(c, 'statistics', 'count_reopens'),
    part_id: textAt(part, 'id'),
    part_type: textAt(part, 'part_type'),
    part_author_type: textAt(part, 'author', 'type'),
    part_author_id: textAt(part, 'author', 'id'),
    attached_contact_id: textAt(view.contact, 'id'),
  };
}

function tagNames(tags: unknown): string[] {
  return listEntries(tags, 'tags')
    .map((t) => textAt(t, 'name'))
    .filter((n): n is string => n !== undefined);
}

/** Ids of the tags a `conversation_part.tag.created` notification added, sorted for stable keys. */
export function addedTagIds(view: ConversationView): string[] {
  const fromPart = listEntries(field(view.newestPart, 'tags'), 'tags');
  const added = listEntries(field(view.conversation, 'tags_added'), 'tags');
  return [...added, ...fromPart]
    .map((t) => textAt(t, 'id'))
    .filter((id): id is string => id !== undefined)
    .filter((id, i, all) => all.indexOf(id) === i)
    .sort();
}

const ONE_SHOT_CONVERSATION_TOPICS = new Set([
  'conversation.user.created',
  'conversation.admin.single.created',
  'conversation.deleted',
]);

/**
 * Created and deleted: `T:<conversation.id>`. Rating: `T:<conversation.id>[:<rating.created_at>]`.
 * Part tagging: `T:<conversation.id>:<part.id>:<tag ids>`. Everything else (replies, notes,
 * assignments, close, …): `T:<conversation.id>:<newest part id>`, else `T:<conversation.id>:<updated_at>`.
 */
export function conversationDedupeKey(topic: string, item: JsonObject): string | null {
  const view = conversationView(item);
  if (ONE_SHOT_CONVERSATION_TOPICS.has(topic)) return joinKey(topic, view.id);
  if (topic === 'conversation.rating.added') {
    const ratedAt = secondsText(field(view.conversation, 'conversation_rating', 'created_at'));
    return ratedAt ? joinKey(topic, view.id, ratedAt) : joinKey(topic, view.id);
  }
  const partId = textAt(view.newestPart, 'id');
  if (topic === 'conversation_part.tag.created') {
    const tags = addedTagIds(view);
    return tags.length > 0 ? joinKey(topic, view.id, partId, tags.join(',')) : joinKey(topic, view.id, partId);
  }
  return partId ? joinKey(topic, view.id, partId) : joinKey(topic, view.id, secondsText(view.conversation.updated_at));
}

/** The conversation's created_at for `*.created`, the rating's time, else the newest part's (or updated_at). */
export function conversationFactTime(topic: string, item: JsonObject): number | null {
  const view = conversationView(item);
  if (topic.endsWith('.created')) return parseIntercomTimeSeconds(view.conversation.created_at);
  if (topic === 'conversation.rating.added') {
    return parseIntercomTimeSeconds(field(view.conversation, 'conversation_rating', 'created_at'));
  }
  return parseIntercomTimeSeconds(view.newestPart?.created_at ?? view.conversation.updated_at);
}
