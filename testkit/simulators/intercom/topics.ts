import catalogue from '../../fixtures/intercom/webhook-topics.json';
import { newContactId, newNumericId } from './ids';
import {
  buildCompany,
  buildContact,
  buildContactStateItem,
  buildContactTag,
  buildConversation,
  buildEventItem,
  buildLegacyLead,
  buildLegacyUser,
  buildPingItem,
  buildUserTag,
  contactFields,
  type Author,
  type ContactFields,
  type ConversationInput,
  type ConversationPartFields,
  type ConversationState,
  type EventItemFields,
  type LegacyPersonFields,
  type TagRef,
  type Timestamps,
} from './items';

/** Intercom's documented topics, 1.x and 2.x (testkit/fixtures/intercom/webhook-topics.json). */
const DOCUMENTED_TOPICS: readonly string[] = [...new Set([...catalogue.current.topics, ...catalogue.legacy.topics])];

/** Documented topics the simulator has no captured payload for, so builds no item. */
const WITHOUT_ITEM: readonly string[] = [
  'contact.unarchive',
  'company.contact.attached',
  'company.contact.detached',
  'job.completed',
  'granular.subscribe',
  'granular.unsubscribe',
];

export type WebhookTopic = string;

/**
 * Webhook topics by the shape of their `data.item`: the groups Amplitude's Intercom source consumes plus
 * company and ping. Unlike the source's topicGroup this goes by the name as sent, not normalised: legacy
 * `user.*` topics carry a 1.x user, `contact.user.*` ones a 2.x contact.
 */
export type WebhookTopicGroup =
  'conversation' | 'contact' | 'contact_tag' | 'user' | 'user_tag' | 'visitor' | 'event' | 'company' | 'ping';

function shapeOf(topic: WebhookTopic): WebhookTopicGroup {
  if (topic === 'ping') return 'ping';
  if (topic.startsWith('company.')) return 'company';
  if (topic.startsWith('conversation.') || topic.startsWith('conversation_part.')) return 'conversation';
  if (topic.startsWith('visitor.')) return 'visitor';
  if (topic.startsWith('event.')) return 'event';
  if (topic.startsWith('user.tag.')) return 'user_tag';
  if (topic.startsWith('user.')) return 'user';
  if (topic.startsWith('contact.') && topic.includes('.tag.')) return 'contact_tag';
  if (topic.startsWith('contact.')) return 'contact'; // 1.x `contact.*` meant lead
  // Fails at load, so a topic added to the fixture gets a builder or a place in WITHOUT_ITEM.
  throw new Error(`No item shape for Intercom topic "${topic}"`);
}

/** Every documented topic (2.x names first) that the simulator builds an item for, by group. */
export const WEBHOOK_TOPIC_GROUPS: Readonly<Record<WebhookTopicGroup, readonly WebhookTopic[]>> = (() => {
  const groups: Record<WebhookTopicGroup, WebhookTopic[]> = {
    conversation: [],
    contact: [],
    contact_tag: [],
    user: [],
    user_tag: [],
    visitor: [],
    event: [],
    company: [],
    ping: [],
  };
  for (const topic of DOCUMENTED_TOPICS) {
    if (!WITHOUT_ITEM.includes(topic)) groups[shapeOf(topic)].push(topic);
  }
  return groups;
})();

export const ALL_WEBHOOK_TOPICS: readonly WebhookTopic[] = Object.values(WEBHOOK_TOPIC_GROUPS).flat();

const GROUP_OF = new Map<string, WebhookTopicGroup>(ALL_WEBHOOK_TOPICS.map((topic) => [topic, shapeOf(topic)]));

export function topicGroup(topic: string): WebhookTopicGroup | undefined {
  return GROUP_OF.get(topic);
}

export interface TopicItemContext {
  /** Workspace id (`app_id`). */
  appId: string;
  /** Unix seconds the change happened; defaults to now. */
  now?: number;
  /** The contact the item is about (or the conversation's contact). */
  contact?: Partial<ContactFields>;
  conversation?: Partial<ConversationInput>;
  tag?: TagRef;
  event?: Partial<EventItemFields>;
  /** Override how contact/person dates are written (captured payloads use ISO strings). */
  timestamps?: Timestamps;
}

export const DEFAULT_ADMIN: Author = { type: 'admin', id: '991267460', name: 'Ciaran Lee', email: 'admin@example.com' };

/** The conversation part each topic is about, as Intercom includes it in `conversation_parts`. */
const TOPIC_PARTS: Record<string, { partType: string; by: 'contact' | 'admin' | 'bot'; state?: ConversationState }> = {
  'conversation.user.replied': { partType: 'comment', by: 'contact' },
  'conversation.admin.replied': { partType: 'comment', by: 'admin' },
  'conversation.operator.replied': { partType: 'comment', by: 'bot' },
  'conversation.admin.assigned': { partType: 'assignment', by: 'admin' },
  'conversation.admin.open.assigned': { partType: 'assign_and_reopen', by: 'admin', state: 'open' },
  'conversation.admin.noted': { partType: 'note', by: 'admin' },
  'conversation.admin.closed': { partType: 'close', by: 'admin', state: 'closed' },
  'conversation.admin.opened': { partType: 'open', by: 'admin', state: 'open' },
  'conversation.admin.snoozed': { partType: 'snoozed', by: 'admin', state: 'snoozed' },
  'conversation.admin.unsnoozed': { partType: 'timer_unsnooze', by: 'bot', state: 'open' },
  'conversation.contact.attached': { partType: 'participant_added', by: 'admin' },
  'conversation.contact.detached': { partType: 'participant_removed', by: 'admin' },
  'conversation_part.tag.created': { partType: 'comment', by: 'contact' },
  'conversation_part.redacted': { partType: 'comment', by: 'contact' },
};

function conversationItem(topic: string, ctx: TopicItemContext, now: number, contact: ContactFields) {
  if (topic === 'conversation.deleted') {
    return { type: 'conversation' as const, conversation_id: ctx.conversation?.id ?? newNumericId() };
  }
  const contactAuthor: Author = { type: contact.role, id: contact.id, name: contact.name, email: contact.email };
  const bot: Author = { type: 'bot', id: '9608808', name: 'Fin', email: `operator+${ctx.appId}@intercom.io` };
  const spec = TOPIC_PARTS[topic];
  const tag = ctx.tag ?? { id: '12934044', name: 'Feature Request' };
  const parts: (Partial<ConversationPartFields> & { author: Author })[] = spec
    ? [
        {
          partType: spec.partType,
          author: spec.by === 'admin' ? DEFAULT_ADMIN : spec.by === 'bot' ? bot : contactAuthor,
          body: spec.partType === 'comment' || spec.partType === 'note' ? '<p>Thanks for reaching out</p>' : null,
          createdAt: now,
          assignedTo: spec.partType.startsWith('assign') ? { type: 'admin', id: DEFAULT_ADMIN.id } : null,
          redacted: topic === 'conversation_part.redacted',
        },
      ]
    : [];
  const state = spec?.state ?? ctx.conversation?.state ?? 'open';
  const input: ConversationInput = {
    workspaceId: ctx.appId,
    createdAt: now - 120,
    contacts: [{ id: contact.id, externalId: contact.externalId }],
    source: { author: topic === 'conversation.admin.single.created' ? DEFAULT_ADMIN : contactAuthor },
    ...ctx.conversation,
    updatedAt: now,
    state,
    snoozedUntil: state === 'snoozed' ? now + 3600 : null,
    read: topic === 'conversation.read' ? true : (ctx.conversation?.read ?? false),
    priority: topic === 'conversation.priority.updated' ? 'priority' : (ctx.conversation?.priority ?? 'not_priority'),
    adminAssigneeId: spec?.partType.startsWith('assign')
      ? Number(DEFAULT_ADMIN.id)
      : (ctx.conversation?.adminAssigneeId ?? null),
    tagsAdded: topic === 'conversation_part.tag.created' ? [tag] : ctx.conversation?.tagsAdded,
    rating: topic === 'conversation.rating.added' ? { rating: 5, remark: 'Great help', createdAt: now } : null,
    // A webhook carries only the part the topic is about (total_count counts what is included).
    parts,
  };
  return buildConversation(input, { newest: parts.length });
}

const legacyPerson = (contact: ContactFields, appId: string): LegacyPersonFields => ({
  id: contact.id,
  appId,
  userId: contact.externalId,
  email: contact.email,
  name: contact.name,
  phone: contact.phone,
  createdAt: contact.createdAt,
  updatedAt: contact.updatedAt,
  signedUpAt: contact.signedUpAt,
  lastRequestAt: contact.lastSeenAt,
  customAttributes: contact.customAttributes,
  tags: contact.tags,
});

/** A realistic `data.item` for `topic`; throws for topics outside WEBHOOK_TOPIC_GROUPS. */
export function itemForTopic(topic: string, ctx: TopicItemContext): unknown {
  const group = topicGroup(topic);
  if (!group) throw new Error(`No item builder for topic "${topic}"; known: ${ALL_WEBHOOK_TOPICS.join(', ')}`);
  const now = ctx.now ?? Math.floor(Date.now() / 1000);
  const tag = ctx.tag ?? { id: '12934044', name: 'Feature Request' };
  const roleFromTopic = topic.startsWith('contact.lead.') && topic !== 'contact.lead.signed_up' ? 'lead' : undefined;
  const contact = contactFields({
    createdAt: now,
    updatedAt: now,
    ...ctx.contact,
    workspaceId: ctx.appId,
    role: roleFromTopic ?? (topic === 'contact.lead.signed_up' ? 'user' : (ctx.contact?.role ?? 'user')),
    tags: topic.endsWith('tag.created') ? [...(ctx.contact?.tags ?? []), tag] : (ctx.contact?.tags ?? []),
  });
  const iso = ctx.timestamps ?? 'iso';

  switch (group) {
    case 'ping':
      return buildPingItem();
    case 'event':
      return buildEventItem({
        eventName: 'invited-friend',
        createdAt: now,
        intercomUserId: contact.id,
        userId: contact.externalId,
        email: contact.email,
        ...ctx.event,
      });
    case 'conversation':
      return conversationItem(topic, ctx, now, contact);
    case 'contact':
      if (topic === 'contact.archived') return buildContactStateItem(contact, 'archived');
      if (topic === 'contact.deleted') return buildContactStateItem(contact, 'deleted');
      if (topic === 'contact.created' || topic === 'contact.added_email') {
        return buildLegacyLead({ ...legacyPerson(contact, ctx.appId), userId: undefined }, iso);
      }
      if (topic === 'contact.signed_up') return buildLegacyUser(legacyPerson(contact, ctx.appId), iso);
      return buildContact(contact, iso);
    case 'contact_tag': {
      const legacy = topic.startsWith('contact.tag.');
      const tagged = legacy
        ? buildLegacyLead({ ...legacyPerson(contact, ctx.appId), userId: undefined }, iso)
        : buildContact(contact, iso);
      return buildContactTag({ tag, contact: tagged, createdAt: now });
    }
    case 'user':
    case 'visitor':
      // visitor.signed_up carries the user the visitor became, as captured.
      return buildLegacyUser(legacyPerson(contact, ctx.appId), iso);
    case 'user_tag':
      return buildUserTag({ tag, user: buildLegacyUser(legacyPerson(contact, ctx.appId), iso), createdAt: now });
    case 'company':
      return topic === 'company.deleted'
        ? { type: 'company', id: newContactId(now * 1000), deleted: true }
        : buildCompany({ appId: ctx.appId, createdAt: now });
  }
}
