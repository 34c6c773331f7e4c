/**
 * Intercom webhook topics, as documented for API 1.x (legacy) and 2.x (current).
 *
 * Amplitude's Intercom source imports "all conversation, contact, contact tag, user, user tag,
 * all visitor and event topics"; everything else (company, ticket, admin, content_stat, job,
 * granular, call, ...) is dropped and counted.
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
 * Amplitude's April 2023 upgrade of its Intercom source renamed legacy topics to their 2.x names.
 * We apply the same table so an app pinned to 1.x and one on 2.x produce identical event types.
 */
export const LEGACY_TOPIC_RENAMES: Readonly<Record<string, string>> = {
  'contact.created': 'contact.lead.created',
  'contact.signed_up': 'contact.lead.signed_up',
  'contact.added_email': 'contact.lead.added_email',
  'contact.tag.created': 'contact.lead.tag.created',
  'contact.tag.deleted': 'contact.lead.tag.deleted',
  'user.created': 'contact.user.created',
  'user.deleted': 'contact.deleted',
  'user.unsubscribed': 'contact.unsubscribed',
  'user.email.updated': 'contact.email.updated',
  'user.tag.created': 'contact.user.tag.created',
  'user.tag.deleted': 'contact.user.tag.deleted',
};

export type TopicGroup =
  'conversation' | 'contact' | 'contact_tag' | 'user' | 'user_tag' | 'visitor' | 'event' | 'unsupported';

/** Legacy names become their 2.x names; 2.x and unknown names pass through unchanged. */
export function normalizeTopic(topic: string): string {
  return LEGACY_TOPIC_RENAMES[topic] ?? topic;
}

export function isPing(topic: string): boolean {
  return topic === 'ping';
}

/**
 * The group is decided on the *normalised* topic, so a legacy and a 2.x delivery of the same
 * fact always land in the same group:
 * - `contact.user.tag.*` → user_tag, `contact.lead.tag.*` → contact_tag (legacy `user.tag.*`,
 *   `contact.tag.*`);
 * - `contact.user.*` → user (legacy `user.created`);
 * - every other `contact.*` → contact: lead topics (legacy `contact.*` meant lead) and the
 *   role-agnostic lifecycle topics, which is where Amplitude's rename table sends legacy
 *   `user.deleted`, `user.unsubscribed` and `user.email.updated`;
 * - `conversation.*` and `conversation_part.*` → conversation ("all conversation topics");
 * - `visitor.*` → visitor ("all visitor topics"); `event.*` → event.
 * Anything else, ping included, is unsupported.
 */
export function topicGroup(topic: string): TopicGroup {
  const t = normalizeTopic(topic);
  if (t.startsWith('contact.user.tag.')) return 'user_tag';
  if (t.startsWith('contact.lead.tag.')) return 'contact_tag';
  if (t.startsWith('contact.user.')) return 'user';
  if (t.startsWith('contact.')) return 'contact';
  if (t.startsWith('conversation.') || t.startsWith('conversation_part.')) return 'conversation';
  if (t.startsWith('visitor.')) return 'visitor';
  if (t.startsWith('event.')) return 'event';
  return 'unsupported';
}
