import { describe, expect, it } from 'vitest';
import { CURRENT_TOPICS, LEGACY_TOPIC_RENAMES, isPing, normalizeTopic } from '../../../src/source/topics';

describe('normalizeTopic', () => {
  it.each([
    ['contact.created', 'contact.lead.created'],
    ['contact.signed_up', 'contact.lead.signed_up'],
    ['contact.added_email', 'contact.lead.added_email'],
    ['contact.tag.created', 'contact.lead.tag.created'],
    ['contact.tag.deleted', 'contact.lead.tag.deleted'],
    ['user.created', 'contact.user.created'],
    ['user.deleted', 'contact.archived'],
    ['user.unsubscribed', 'contact.unsubscribed'],
    ['user.email.updated', 'contact.email.updated'],
    ['user.tag.created', 'contact.user.tag.created'],
    ['user.tag.deleted', 'contact.user.tag.deleted'],
  ])('renames legacy %s to %s', (legacy, current) => {
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
    expect(normalizeTopic('toString')).toBe('toString');
  });

  it('maps 1.x user.deleted to archival: in API 1.x it meant archived, not deleted', () => {
    expect(normalizeTopic('user.deleted')).toBe('contact.archived');
    expect(normalizeTopic('user.deleted')).not.toBe('contact.deleted');
  });
});

describe('isPing', () => {
  it('is true only for ping', () => {
    expect(isPing('ping')).toBe(true);
    expect(isPing('event.created')).toBe(false);
  });
});
