import { describe, expect, it } from 'vitest';
import { toAmplitudeEvent, type TransformResult } from '../../../src/source/transform';
import { type IdentityMapping } from '../../../src/source/identity';
import {
  ADMIN_AUTHOR,
  NOTIFIED_AT,
  contactAttachedItem,
  conversationV1,
  conversationV2,
  notification,
  part,
} from './fixtures';

// The captured conversations' customers are leads, who have no user id of their own: email mapping by default.
function transformed(topic: string, item: Record<string, unknown>, identityMapping: IdentityMapping = 'email') {
  const result: TransformResult = toAmplitudeEvent(notification(topic, item), { identityMapping });
  if (result.kind !== 'event') throw new Error(`expected an event, got dropped: ${result.reason}`);
  return result;
}

describe('conversation topics, 1.x shape', () => {
  it('conversation.user.created: the customer is the legacy `user` object', () => {
    const { event, identity } = transformed('conversation.user.created', conversationV1());
    expect(event.event_type).toBe('[Intercom] conversation.user.created');
    expect(identity).toEqual({ userId: 'jerryguitarist@gmail.com', source: 'email' });
    expect(event.time).toBe(NOTIFIED_AT * 1000);
    expect(event).not.toHaveProperty('device_id');
    expect(event.event_properties).toMatchObject({
      intercom_topic: 'conversation.user.created',
      intercom_item_type: 'conversation',
      intercom_item_id: '21322009097',
      intercom_contact_id: '5c9553cb27e377f24eed49f7',
      conversation_id: '21322009097',
      conversation_state: 'open',
      conversation_open: true,
      admin_assignee_id: '1957471',
      conversation_created_at: '2019-03-22T21:42:13.000Z',
    });
  });

  it("a 1.x lead's user_id is Intercom's anonymous UUID: never a user id", () => {
    const lead = conversationV1();
    expect(toAmplitudeEvent(notification('conversation.user.created', lead), { identityMapping: 'user_id' })).toEqual({
      kind: 'dropped',
      reason: 'no_identity',
    });
    const user = conversationV1([], { user: { type: 'user', id: '5c9553cb27e377f24eed49f7', user_id: '25' } });
    expect(transformed('conversation.user.created', user, 'user_id').identity).toEqual({
      userId: '25',
      source: 'user_id',
    });
  });

  it('conversation.user.replied: the reply author is matched to the conversation user by Intercom id', () => {
    const { event } = transformed('conversation.user.replied', conversationV1([part()]), 'email');
    expect(event.user_id).toBe('jerryguitarist@gmail.com');
    expect(event.event_properties).toMatchObject({
      part_id: '2824391734',
      part_type: 'comment',
      part_author_type: 'user',
      part_author_id: '5c9553cb27e377f24eed49f7',
    });
  });

  it('conversation.admin.closed: an admin-authored part still attributes the event to the customer', () => {
    const closed = part({
      id: '2824395628',
      part_type: 'close',
      body: null,
      author: ADMIN_AUTHOR,
      created_at: 1553291389,
    });
    const { event } = transformed(
      'conversation.admin.closed',
      conversationV1([closed], { open: false, state: 'closed' }),
    );
    expect(event.user_id).toBe('jerryguitarist@gmail.com');
    expect(event.event_properties).toMatchObject({
      conversation_state: 'closed',
      conversation_open: false,
      part_type: 'close',
      part_author_type: 'admin',
      part_author_id: '1957471',
    });
  });

  it('conversation.admin.assigned to a team reports the team assignee', () => {
    const item = conversationV1([part({ part_type: 'assignment', author: ADMIN_AUTHOR })], {
      assignee: { type: 'team', id: '814860' },
    });
    const { event } = transformed('conversation.admin.assigned', item);
    expect(event.event_properties.team_assignee_id).toBe('814860');
    expect(event.event_properties).not.toHaveProperty('admin_assignee_id');
  });

  it('conversation_part.tag.created lists the tag names added and the conversation tags', () => {
    const developer = { type: 'tag', id: '2525085', name: 'developer' };
    const item = conversationV1([part()], {
      tags: { type: 'tag.list', tags: [developer] },
      tags_added: { type: 'tag.list', tags: [developer] },
    });
    const { event } = transformed('conversation_part.tag.created', item);
    expect(event.event_properties).toMatchObject({ tags: ['developer'], tags_added: ['developer'] });
  });
});

describe('conversation topics, 2.x shape', () => {
  const reply = part({
    id: '37358121213',
    created_at: 1768032450,
    author: { type: 'lead', id: '696205460674dbb9050aa7fd', name: null, email: '' },
  });

  it('takes external_id from the contacts list and email (as sent) from source.author', () => {
    const author = { type: 'user', id: '696205460674dbb9050aa7fd', name: null, email: 'Visitor@Example.com' };
    const item = conversationV2([part({ id: '37358121213', created_at: 1768032450, author })], {
      source: { type: 'conversation', id: '3381828792', delivered_as: 'customer_initiated', author },
    });
    expect(transformed('conversation.user.replied', item, 'user_id').identity).toEqual({
      userId: '5e68ece4-0ec8-4792-baac-02deba39e7fe',
      source: 'user_id',
    });
    expect(transformed('conversation.user.replied', item, 'email').identity).toEqual({
      userId: 'Visitor@Example.com',
      source: 'email',
    });
  });

  it("a lead author's external_id in the contacts list is Intercom's, never a user id", () => {
    const item = conversationV2([reply]);
    expect(toAmplitudeEvent(notification('conversation.user.replied', item), { identityMapping: 'user_id' })).toEqual({
      kind: 'dropped',
      reason: 'no_identity',
    });
    expect(transformed('conversation.user.replied', item, 'email').identity).toEqual({
      userId: 'Visitor@Example.com',
      source: 'email',
    });
  });

  it('conversation.operator.replied: a bot part author is not the customer', () => {
    const botPart = part({
      id: '37358121214',
      part_type: 'comment',
      author: { type: 'bot', id: '9608808', name: 'Fin' },
    });
    const { event } = transformed('conversation.operator.replied', conversationV2([botPart]));
    expect(event.user_id).toBe('Visitor@Example.com');
    expect(event.event_properties).toMatchObject({ part_author_type: 'bot', source_type: 'conversation' });
  });

  it('in a group conversation, a reply is attributed to the contact who wrote it', () => {
    const second = { type: 'contact', id: '6961cf78fb9d13be07871c78', external_id: '22' };
    const item = conversationV2([part({ author: { type: 'user', id: second.id, email: 'Second@Example.com' } })], {
      contacts: {
        type: 'contact.list',
        contacts: [{ type: 'contact', id: '696205460674dbb9050aa7fd', external_id: 'first' }, second],
      },
    });
    expect(transformed('conversation.user.replied', item, 'user_id').event.user_id).toBe('22');
    expect(transformed('conversation.user.replied', item, 'email').event.user_id).toBe('Second@Example.com');
  });

  it('does not swap a reply author missing from the contacts list for another contact', () => {
    const stranger = part({ author: { type: 'user', id: '5c9553cb27e377f24eed49f7', email: 'Stranger@Example.com' } });
    const item = conversationV2([stranger]);
    expect(toAmplitudeEvent(notification('conversation.user.replied', item), { identityMapping: 'user_id' })).toEqual({
      kind: 'dropped',
      reason: 'no_identity',
    });
    expect(transformed('conversation.user.replied', item, 'email').event.user_id).toBe('Stranger@Example.com');
  });

  it('reports state, priority, assignees, tags, source, statistics and rating', () => {
    const item = conversationV2([part({ part_type: 'priority_changed', author: ADMIN_AUTHOR })], {
      conversation_rating: { rating: 4, remark: 'Slow but helpful', created_at: 1768033000 },
    });
    const { event } = transformed('conversation.rating.added', item);
    expect(event.event_properties).toMatchObject({
      conversation_id: '215472621202693',
      conversation_state: 'open',
      conversation_priority: 'priority',
      conversation_read: true,
      admin_assignee_id: '9608799',
      tags: ['billing'],
      source_type: 'conversation',
      source_delivered_as: 'customer_initiated',
      time_to_admin_reply: 211,
      count_reopens: 0,
      rating: 4,
      ai_agent_participated: false,
    });
    expect(event.event_properties).not.toHaveProperty('team_assignee_id');
  });

  it('never copies message bodies, subjects, titles or rating remarks', () => {
    const item = conversationV2([reply], { conversation_rating: { rating: 1, remark: 'Terrible service' } });
    const serialized = JSON.stringify(transformed('conversation.admin.replied', item).event);
    for (const secret of ['<p>', 'developer account', 'Refund for order', 'Terrible service']) {
      expect(serialized).not.toContain(secret);
    }
  });

  it('conversation.contact.attached: the attached contact is the user, the model gives the conversation id', () => {
    const { event } = transformed('conversation.contact.attached', contactAttachedItem(), 'user_id');
    expect(event.user_id).toBe('22');
    expect(event.event_properties).toMatchObject({
      conversation_id: '215472621202693',
      attached_contact_id: '6961d43b372591e999b3ea56',
      part_id: '37358461336',
    });
  });

  it('conversation.deleted carries only identifiers, so there is no one to attribute it to', () => {
    const result = toAmplitudeEvent(
      notification('conversation.deleted', { type: 'conversation', id: '215472621202693' }),
      {
        identityMapping: 'email',
      },
    );
    expect(result).toEqual({ kind: 'dropped', reason: 'no_identity' });
  });
});
