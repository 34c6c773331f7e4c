import { describe, expect, it } from 'vitest';
import {
  CURRENT_TOPICS,
  LEGACY_TOPIC_RENAMES,
  LEGACY_TOPICS,
  isPing,
  normalizeTopic,
  topicGroup,
} from '../../../src/source/topics';

describe('normalizeTopic', () => {
  it.each([
    ['contact.created', 'contact.lead.created'],
    ['contact.signed_up', 'contact.lead.signed_up'],
    ['contact.added_email', 'contact.lead.added_email'],
    ['contact.tag.created', 'contact.lead.tag.created'],
    ['contact.tag.deleted', 'contact.lead.tag.deleted'],
    ['user.created', 'contact.user.created'],
    ['user.deleted', 'contact.deleted'],
    ['user.unsubscribed', 'contact.unsubscribed'],
    ['user.email.updated', 'contact.email.updated'],
    ['user.tag.created', 'contact.user.tag.created'],
    ['user.tag.deleted', 'contact.user.tag.deleted'],
  ])('renames legacy %s to %s (Amplitude 2023 table)', (legacy, current) => {
    expect(normalizeTopic(legacy)).toBe(current);
  });

  it('leaves every 2.x name unchanged', () => {
    for (const topic of CURRENT_TOPICS) expect(normalizeTopic(topic)).toBe(topic);
  });

  it('maps every renamed legacy topic onto a documented 2.x topic', () => {
    for (const target of Object.values(LEGACY_TOPIC_RENAMES)) expect(CURRENT_TOPICS).toContain(target);
  });

  it('passes unknown topics through', () => {
    expect(normalizeTopic('call.started')).toBe('call.started');
  });
});

describe('topicGroup', () => {
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
    expect(topicGroup(topic)).toBe(group);
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
  ])('%s is unsupported', (topic) => {
    expect(topicGroup(topic)).toBe('unsupported');
  });

  it('puts a legacy topic and its 2.x rename in the same group', () => {
    for (const [legacy, current] of Object.entries(LEGACY_TOPIC_RENAMES)) {
      expect(topicGroup(legacy)).toBe(topicGroup(current));
    }
  });

  it('supports every legacy topic except company.created and ping', () => {
    const unsupported = LEGACY_TOPICS.filter((t) => topicGroup(t) === 'unsupported');
    expect(unsupported).toEqual(['company.created', 'ping']);
  });
});

describe('isPing', () => {
  it('is true only for ping', () => {
    expect(isPing('ping')).toBe(true);
    expect(isPing('event.created')).toBe(false);
  });
});
