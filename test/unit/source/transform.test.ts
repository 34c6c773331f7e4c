import { describe, expect, it } from 'vitest';
import { CURRENT_TOPICS, LEGACY_TOPIC_RENAMES, LEGACY_TOPICS } from '../../../src/source/topics';
import { topicGroupOf } from '../../../src/source/topic-groups';
import { eventTypeFor, toAmplitudeEvent } from '../../../src/source/transform';
import { contactV2, notification, userV1 } from './fixtures';

const supported = [...new Set([...LEGACY_TOPICS, ...CURRENT_TOPICS])].filter((t) => topicGroupOf(t));

describe('event naming', () => {
  it.each(supported)("%s: by default Amplitude's own name, [Intercom] + the topic as sent", (topic) => {
    expect(eventTypeFor(topic)).toBe(`[Intercom] ${topic}`);
    expect(eventTypeFor(topic, 'as_sent')).toBe(`[Intercom] ${topic}`);
  });

  it.each(Object.entries(LEGACY_TOPIC_RENAMES))('normalized: legacy %s → [Intercom] %s', (legacy, current) => {
    expect(eventTypeFor(legacy, 'normalized')).toBe(`[Intercom] ${current}`);
  });

  it('normalized leaves 2.x names alone', () => {
    for (const topic of CURRENT_TOPICS) expect(eventTypeFor(topic, 'normalized')).toBe(`[Intercom] ${topic}`);
  });

  it('intercom_topic keeps the topic as sent under both namings', () => {
    for (const eventNaming of ['as_sent', 'normalized'] as const) {
      const result = toAmplitudeEvent(notification('user.created', userV1()), {
        identityMapping: 'user_id',
        eventNaming,
      });
      expect(result).toMatchObject({ kind: 'event', event: { event_properties: { intercom_topic: 'user.created' } } });
    }
  });

  it('the insert_id does not depend on the naming, so switching it never re-imports a fact', () => {
    const n = notification('user.created', userV1());
    const ids = (['as_sent', 'normalized'] as const).map((eventNaming) => {
      const result = toAmplitudeEvent(n, { identityMapping: 'user_id', eventNaming });
      return result.kind === 'event' ? result.event.insert_id : undefined;
    });
    expect(ids[0]).toBeDefined();
    expect(ids[0]).toBe(ids[1]);
  });
});

describe('an identity resolved elsewhere (identity memory)', () => {
  const minimal = { type: 'contact', id: '696122fb2591e0cadd20073a', external_id: null, deleted: true };

  it('is used instead of the payload', () => {
    const result = toAmplitudeEvent(notification('contact.deleted', minimal), {
      identityMapping: 'email',
      identity: { userId: 'Fay@Example.com', source: 'email' },
    });
    expect(result).toMatchObject({ kind: 'event', event: { user_id: 'Fay@Example.com' } });
  });

  it('null means none was found: the event is dropped even if the payload has a fallback', () => {
    const result = toAmplitudeEvent(notification('contact.user.updated', contactV2({ email: null })), {
      identityMapping: 'email',
      identity: null,
    });
    expect(result).toEqual({ kind: 'dropped', reason: 'no_identity' });
  });
});
