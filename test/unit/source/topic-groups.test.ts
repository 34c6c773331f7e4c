import { describe, expect, it } from 'vitest';
import { TOPIC_GROUPS, topicGroupOf } from '../../../src/source/topic-groups';
import { LEGACY_TOPIC_RENAMES, LEGACY_TOPICS } from '../../../src/source/topics';

const groupName = (topic: string) => topicGroupOf(topic)?.name ?? 'unsupported';

describe('topic table: which group a topic belongs to', () => {
  it.each([
    ['conversation.user.created', 'conversation'],
    ['conversation.admin.open.assigned', 'conversation'],
    ['conversation_part.tag.created', 'conversation'],
    ['conversation.rating.added', 'conversation'],
    ['contact.lead.created', 'contact'],
    ['contact.created', 'contact'],
    ['contact.email.updated', 'contact'],
    ['user.email.updated', 'contact'],
    ['user.deleted', 'contact'],
    ['user.unsubscribed', 'contact'],
    ['contact.merged', 'contact'],
    ['contact.user.created', 'user'],
    ['contact.user.updated', 'user'],
    ['user.created', 'user'],
    ['contact.lead.tag.created', 'contact_tag'],
    ['contact.tag.deleted', 'contact_tag'],
    ['contact.user.tag.created', 'user_tag'],
    ['user.tag.created', 'user_tag'],
    ['visitor.signed_up', 'visitor'],
    ['event.created', 'event'],
  ] as const)('%s → %s', (topic, group) => {
    expect(groupName(topic)).toBe(group);
  });

  it.each([
    'company.created',
    'company.contact.attached',
    'ticket.created',
    'admin.logged_in',
    'content_stat.email',
    'job.completed',
    'granular.subscribe',
    'ping',
    'contact',
    'constructor',
  ])('%s is unsupported', (topic) => {
    expect(topicGroupOf(topic)).toBeUndefined();
  });

  it('the longest prefix wins, whatever the order of the table', () => {
    // contact.user.tag.* matches the contact, user and user_tag prefixes.
    expect(groupName('contact.user.tag.deleted')).toBe('user_tag');
    expect(TOPIC_GROUPS.map((g) => g.name)).toEqual([
      'conversation',
      'contact',
      'contact_tag',
      'user',
      'user_tag',
      'visitor',
      'event',
    ]);
  });

  it('puts a legacy topic and its 2.x rename in the same group', () => {
    for (const [legacy, current] of Object.entries(LEGACY_TOPIC_RENAMES)) {
      expect(groupName(legacy)).toBe(groupName(current));
    }
  });

  it('supports every legacy topic except company.created and ping', () => {
    const unsupported = LEGACY_TOPICS.filter((t) => topicGroupOf(t) === undefined);
    expect(unsupported).toEqual(['company.created', 'ping']);
  });

  it('every record reads an empty item without throwing and lists its event properties', () => {
    for (const group of TOPIC_GROUPS) {
      const topic = `${group.prefixes[0]}created`;
      expect(group.person({})).toBeUndefined();
      expect(Object.keys(group.eventProperties({})).length).toBeGreaterThanOrEqual(3);
      expect(group.dedupeKey(topic, {})).toBeNull();
      expect(group.factTime(topic, {})).toBeNull();
    }
  });
});
