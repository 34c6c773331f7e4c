import { describe, expect, it } from 'vitest';
import { dedupeKeyFor, dedupeKeyForFact, insertIdFor } from '../../../src/source/dedupe-key';
import { factTimeSeconds } from '../../../src/source/topic-groups';
import { toAmplitudeEvent } from '../../../src/source/transform';
import {
  ADMIN_AUTHOR,
  contactAttachedItem,
  contactRest,
  contactTagV1,
  contactTagV2,
  contactV2,
  conversationV1,
  conversationV2,
  dataEvent,
  leadV1,
  notification,
  part,
  userTagV1,
  userV1,
} from './fixtures';

/** What a redelivery looks like: same notification id, later attempt. */
const redelivered = (n: ReturnType<typeof notification>) => ({
  ...n,
  delivery_attempts: 2,
  first_sent_at: n.created_at + 60,
});
/** What backfill hands the transform: a REST object wrapped without a notification id. */
const backfilled = (topic: string, item: Record<string, unknown>) =>
  notification(topic, item, { id: null, created_at: 1768090000 });

describe('insertIdFor', () => {
  it('is a stable, prefixed 32-hex-char id', () => {
    const id = insertIdFor('contact.user.created:6961d43b372591e999b3ea56');
    expect(id).toMatch(/^intercom-[0-9a-f]{32}$/);
    expect(insertIdFor('contact.user.created:6961d43b372591e999b3ea56')).toBe(id);
    expect(insertIdFor('contact.user.created:6961d43b372591e999b3ea57')).not.toBe(id);
  });

  it('is what toAmplitudeEvent puts on the event, identical across redeliveries', () => {
    const n = notification('contact.user.updated', contactV2());
    const first = toAmplitudeEvent(n, { identityMapping: 'email' });
    const again = toAmplitudeEvent(redelivered(n), { identityMapping: 'email' });
    expect(first).toMatchObject({ kind: 'event', event: { insert_id: insertIdFor(dedupeKeyFor(n)) } });
    expect(again).toEqual(first);
  });
});

describe('dedupe keys: contacts, users, visitors', () => {
  it('created and signed-up topics key on the item id', () => {
    expect(dedupeKeyFor(notification('contact.user.created', contactV2()))).toBe(
      'contact.user.created:6961d43b372591e999b3ea56',
    );
    expect(dedupeKeyFor(notification('visitor.signed_up', userV1()))).toBe(
      'visitor.signed_up:5c9ab3e78cd7330140ce5033',
    );
  });

  it('a legacy topic and its 2.x rename produce the same key', () => {
    const legacy = dedupeKeyFor(notification('contact.created', leadV1()));
    expect(legacy).toBe('contact.lead.created:5c96b122177026171b401e20');
    expect(dedupeKeyFor(notification('contact.lead.created', leadV1(), { id: 'notif_other' }))).toBe(legacy);
  });

  it('updated topics add updated_at in whole seconds, so the ISO webhook matches the REST object', () => {
    const live = notification('contact.user.updated', contactV2());
    expect(dedupeKeyFor(live)).toBe('contact.user.updated:6961d43b372591e999b3ea56:1768019995');
    expect(dedupeKeyForFact('contact.user.updated', contactRest())).toBe(dedupeKeyFor(live));
    expect(dedupeKeyFor(backfilled('contact.user.updated', contactRest()))).toBe(dedupeKeyFor(live));
    expect(dedupeKeyFor(redelivered(live))).toBe(dedupeKeyFor(live));
  });

  it('a later update of the same contact is a different fact', () => {
    const later = contactV2({ updated_at: '2026-01-10T05:00:00.000+00:00' });
    expect(dedupeKeyFor(notification('contact.user.updated', later))).not.toBe(
      dedupeKeyFor(notification('contact.user.updated', contactV2())),
    );
  });

  it('deletion keys on the id alone', () => {
    const minimal = { type: 'contact', id: '696122fb2591e0cadd20073a', external_id: '1', deleted: true };
    expect(dedupeKeyFor(notification('contact.deleted', minimal))).toBe('contact.deleted:696122fb2591e0cadd20073a');
  });

  it('1.x user.deleted is an archival (as in API 1.x), keyed like 2.x contact.archived', () => {
    const user = userV1({ updated_at: 1553640416 });
    expect(dedupeKeyFor(notification('user.deleted', user))).toBe(
      'contact.archived:5c9ab3e78cd7330140ce5033:1553640416',
    );
    expect(dedupeKeyForFact('contact.archived', user)).toBe(dedupeKeyFor(notification('user.deleted', user)));
  });

  it('falls back to the notification id when the fact lacks what its rule needs', () => {
    const n = notification('contact.user.updated', contactV2({ updated_at: null }), { id: 'notif_abc' });
    expect(dedupeKeyFor(n)).toBe('notification:notif_abc');
  });
});

describe('dedupe keys: tags', () => {
  it('key on the tagged contact id and tag id; legacy and 2.x agree', () => {
    const v2 = dedupeKeyFor(
      notification('contact.lead.tag.created', contactTagV2(contactV2({ id: '5c96b122177026171b401e20' }))),
    );
    expect(v2).toBe('contact.lead.tag.created:5c96b122177026171b401e20:12934044');
    expect(dedupeKeyFor(notification('contact.tag.created', contactTagV1()))).toBe(v2);
  });

  it('user tags key on the user sub-object', () => {
    expect(dedupeKeyFor(notification('user.tag.created', userTagV1()))).toBe(
      'contact.user.tag.created:5c9ab3e78cd7330140ce5033:12934044',
    );
  });

  it('adding and removing a tag are different facts', () => {
    expect(dedupeKeyFor(notification('contact.user.tag.created', contactTagV2()))).not.toBe(
      dedupeKeyFor(notification('contact.user.tag.deleted', contactTagV2())),
    );
  });
});

describe('dedupe keys: conversations', () => {
  const reply = part({ id: '2824391734', created_at: 1553291307 });
  const close = part({ id: '2824395628', part_type: 'close', author: ADMIN_AUTHOR, created_at: 1553291389 });

  it('created topics key on the conversation id', () => {
    expect(dedupeKeyFor(notification('conversation.user.created', conversationV1()))).toBe(
      'conversation.user.created:21322009097',
    );
    expect(dedupeKeyForFact('conversation.admin.single.created', conversationV2())).toBe(
      'conversation.admin.single.created:215472621202693',
    );
  });

  it('reply/close/assign topics key on the newest part', () => {
    expect(dedupeKeyFor(notification('conversation.user.replied', conversationV1([reply])))).toBe(
      'conversation.user.replied:21322009097:2824391734',
    );
    expect(dedupeKeyFor(notification('conversation.admin.closed', conversationV1([reply, close])))).toBe(
      'conversation.admin.closed:21322009097:2824395628',
    );
  });

  it('the REST conversation narrowed to the part matches the webhook', () => {
    const live = notification('conversation.user.replied', conversationV1([reply]));
    const rest = conversationV1([reply], { updated_at: 1553299999 });
    expect(dedupeKeyForFact('conversation.user.replied', rest)).toBe(dedupeKeyFor(live));
  });

  it('two replies in one conversation are different facts', () => {
    const second = part({ id: '2824400000', created_at: 1553291500 });
    expect(dedupeKeyFor(notification('conversation.user.replied', conversationV1([second])))).not.toBe(
      dedupeKeyFor(notification('conversation.user.replied', conversationV1([reply]))),
    );
  });

  it('without parts, the conversation updated_at stands in', () => {
    expect(dedupeKeyFor(notification('conversation.read', conversationV2()))).toBe(
      'conversation.read:215472621202693:1768032534',
    );
  });

  it('part tagging includes the added tag ids', () => {
    const item = conversationV1([reply], {
      tags_added: { type: 'tag.list', tags: [{ id: '2525085', name: 'developer' }] },
    });
    expect(dedupeKeyFor(notification('conversation_part.tag.created', item))).toBe(
      'conversation_part.tag.created:21322009097:2824391734:2525085',
    );
  });

  it('rating keys on the conversation and the rating time', () => {
    const item = conversationV2([], { conversation_rating: { rating: 5, created_at: 1768033000 } });
    expect(dedupeKeyFor(notification('conversation.rating.added', item))).toBe(
      'conversation.rating.added:215472621202693:1768033000',
    );
  });

  it('the contact.attached shape keys on the model id and its part', () => {
    expect(dedupeKeyFor(notification('conversation.contact.attached', contactAttachedItem()))).toBe(
      'conversation.contact.attached:215472621202693:37358461336',
    );
  });
});

describe('dedupe keys: data events', () => {
  it('event.created keys on the event id, which REST events carry too', () => {
    const live = notification('event.created', dataEvent());
    expect(dedupeKeyFor(live)).toBe('event.created:84ca8d44-8f2e-11e3-bbc6-6d72c14baf72');
    expect(dedupeKeyFor(backfilled('event.created', dataEvent({ email: null })))).toBe(dedupeKeyFor(live));
  });

  it('without an id: normalised name, created_at and the user', () => {
    const item = dataEvent({ id: undefined, event_name: 'Invited.Friend' });
    expect(dedupeKeyFor(notification('event.created', item))).toBe(
      'event.created:invited-friend:1391691571:external_id:12345',
    );
    expect(dedupeKeyForFact('event.created', { ...item, user_id: null })).toBe(
      'event.created:invited-friend:1391691571:email:jerryguitarist@gmail.com',
    );
  });
});

describe('dedupe keys: fallbacks', () => {
  it('unsupported topics key on the notification id', () => {
    expect(dedupeKeyFor(notification('company.created', { type: 'company', id: 'c1' }, { id: 'notif_x' }))).toBe(
      'notification:notif_x',
    );
    expect(dedupeKeyForFact('company.created', { type: 'company', id: 'c1' })).toBeNull();
  });

  it('without a notification id, equal content gives an equal key whatever the key order', () => {
    const a = notification('ping', { type: 'ping', message: 'hi' }, { id: null });
    const b = { ...a, data: { item: { message: 'hi', type: 'ping' }, type: 'notification_event_data' } };
    const c = notification('ping', { type: 'ping', message: 'hello' }, { id: null });
    expect(dedupeKeyFor(a)).toMatch(/^content:[0-9a-f]{64}$/);
    expect(dedupeKeyFor(b)).toBe(dedupeKeyFor(a));
    expect(dedupeKeyFor(c)).not.toBe(dedupeKeyFor(a));
  });
});

describe('factTimeSeconds (the time backfill stamps on its synthetic envelope)', () => {
  it('reads the moment of the fact from the item, ISO or Unix', () => {
    expect(factTimeSeconds('contact.user.created', contactV2())).toBe(1768019003);
    expect(factTimeSeconds('contact.user.updated', contactRest())).toBe(1768019995);
    expect(factTimeSeconds('contact.user.updated', contactV2())).toBe(1768019995);
    expect(factTimeSeconds('visitor.signed_up', userV1())).toBe(1392731331);
    expect(factTimeSeconds('user.tag.created', userTagV1())).toBe(1553640416);
    expect(factTimeSeconds('event.created', dataEvent())).toBe(1391691571);
  });

  it('uses the newest part for conversation activity and the conversation for its creation', () => {
    const close = part({ id: '2824395628', part_type: 'close', author: ADMIN_AUTHOR, created_at: 1553291389 });
    expect(factTimeSeconds('conversation.admin.closed', conversationV1([part(), close]))).toBe(1553291389);
    expect(factTimeSeconds('conversation.user.created', conversationV1([part()]))).toBe(1553290933);
    expect(factTimeSeconds('conversation.read', conversationV2())).toBe(1768032534);
  });

  it('is null when the item does not say, and for unsupported topics', () => {
    expect(factTimeSeconds('contact.lead.tag.created', contactTagV2())).toBeNull();
    expect(factTimeSeconds('company.created', { type: 'company', created_at: 1 })).toBeNull();
  });
});
