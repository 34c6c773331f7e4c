/**
 * Intercom webhook topics, as documented for API 1.x (legacy) and 2.x (current).
 *
 * Amplitude's Intercom source imports "all conversation, contact, contact tag, user, user tag,
 * all visitor and event topics"; everything else (company, ticket, admin, content_stat, job,
 * granular, call, ...) is dropped and counted. Which group a topic belongs to, and what each
 * group sends, is the table in topic-groups.ts.
 */

export const LEGACY_TOPICS = [
  'conversation.user.created',
  'conversation.user.replied',
  'conversation.admin.replied',
  'conversation.admin.single.created',
  'conversation.admin.assigned',
  'conversation.admin.noted',
  'conversation.admin.closed',
  'conversation.admin.opened',
  'conversation.admin.snoozed',
  'conversation.admin.unsnoozed',
  'conversation_part.tag.created',
  'conversation.deleted',
  'user.created',
  'user.deleted',
  'user.unsubscribed',
  'user.email.updated',
  'user.tag.created',
  'user.tag.deleted',
  'contact.created',
  'contact.signed_up',
  'contact.added_email',
  'contact.tag.created',
  'contact.tag.deleted',
  'visitor.signed_up',
  'company.created',
  'event.created',
  'ping',
] as const;

export const CURRENT_TOPICS = [
  'contact.user.created',
  'contact.user.updated',
  'contact.lead.created',
  'contact.lead.updated',
  'contact.lead.signed_up',
  'contact.lead.added_email',
  'contact.email.updated',
  'contact.merged',
  'contact.archived',
  'contact.unarchive',
  'contact.unarchived',
  'contact.deleted',
  'contact.subscribed',
  'contact.unsubscribed',
  'contact.user.tag.created',
  'contact.user.tag.deleted',
  'contact.lead.tag.created',
  'contact.lead.tag.deleted',
  'conversation.user.created',
  'conversation.user.replied',
  'conversation.admin.replied',
  'conversation.admin.single.created',
  'conversation.admin.assigned',
  'conversation.admin.open.assigned',
  'conversation.admin.noted',
  'conversation.admin.closed',
  'conversation.admin.opened',
  'conversation.admin.snoozed',
  'conversation.admin.unsnoozed',
  'conversation.operator.replied',
  'conversation.read',
  'conversation.rating.added',
  'conversation.priority.updated',
  'conversation.contact.attached',
  'conversation.contact.detached',
  'conversation.deleted',
  'conversation_part.tag.created',
  'conversation_part.redacted',
  'visitor.signed_up',
  'event.created',
  'company.created',
  'company.updated',
  'company.deleted',
  'company.contact.attached',
  'company.contact.detached',
  'job.completed',
  'granular.subscribe',
  'granular.unsubscribe',
  'ping',
] as const;

/**
 * The 1.x → 2.x renames, for connections that choose `eventNaming: "normalized"` (so an app pinned
 * to 1.x and one on 2.x produce the same event types) and for dedupe keys, which always use them
 * so a legacy and a 2.x delivery of one fact collapse. In 1.x `user.deleted` meant *archived*
 * (Intercom's 1.0 webhook models), so it becomes `contact.archived`, not `contact.deleted`.
 */
export const LEGACY_TOPIC_RENAMES: Readonly<Record<string, string>> = {
  'contact.created': 'contact.lead.created',
  'contact.signed_up': 'contact.lead.signed_up',
  'contact.added_email': 'contact.lead.added_email',
  'contact.tag.created': 'contact.lead.tag.created',
  'contact.tag.deleted': 'contact.lead.tag.deleted',
  'user.created': 'contact.user.created',
  'user.deleted': 'contact.archived',
  'user.unsubscribed': 'contact.unsubscribed',
  'user.email.updated': 'contact.email.updated',
  'user.tag.created': 'contact.user.tag.created',
  'user.tag.deleted': 'contact.user.tag.deleted',
};

/** Legacy names become their 2.x names; 2.x and unknown names pass through unchanged. */
export function normalizeTopic(topic: string): string {
  return Object.hasOwn(LEGACY_TOPIC_RENAMES, topic) ? LEGACY_TOPIC_RENAMES[topic]! : topic;
}

export function isPing(topic: string): boolean {
  return topic === 'ping';
}
