import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ADMIN } from '../../../testkit/simulators/intercom/topics';
import { startIntercom, type Harness } from './helpers';

let h: Harness;
afterEach(async () => {
  await h?.sim.close();
});

describe('Intercom simulator: conversations for backfill', () => {
  it('lists conversations as a conversation.list with cursors, without parts', async () => {
    h = await startIntercom();
    const seeded = h.sim.seedConversations('ws1', 5);
    const first = await h.call('GET', '/conversations?per_page=2');
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({
      type: 'conversation.list',
      total_count: 5,
      pages: { page: 1, per_page: 2, total_pages: 3 },
    });
    expect(first.json.conversations[0].conversation_parts).toBeUndefined();

    const ids: string[] = first.json.conversations.map((c: { id: string }) => c.id);
    let cursor: string | undefined = first.json.pages.next?.starting_after;
    while (cursor) {
      const page = await h.call('GET', `/conversations?per_page=2&starting_after=${encodeURIComponent(cursor)}`);
      ids.push(...page.json.conversations.map((c: { id: string }) => c.id));
      cursor = page.json.pages.next?.starting_after;
    }
    expect(ids).toEqual(seeded.map((c) => c.id));
  });

  it('shapes conversations like Intercom 2.x, linking the contact by id and external_id', async () => {
    h = await startIntercom();
    const [contact] = h.sim.seedContacts('ws1', [{ externalId: 'u-7', email: 'u7@acme.io', name: 'Una' }]);
    const [conversation] = h.sim.seedConversations('ws1', [{ contactId: contact!.id, parts: 2, state: 'closed' }]);
    const res = await h.call('GET', `/conversations/${conversation!.id}`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      type: 'conversation',
      id: conversation!.id,
      state: 'closed',
      open: false,
      priority: 'not_priority',
      source: {
        type: 'conversation',
        delivered_as: 'customer_initiated',
        author: { type: 'user', id: contact!.id, email: 'u7@acme.io' },
      },
      contacts: { type: 'contact.list', contacts: [{ type: 'contact', id: contact!.id, external_id: 'u-7' }] },
      tags: { type: 'tag.list', tags: [] },
      statistics: { type: 'conversation_statistics', count_conversation_parts: 3 },
      conversation_parts: { type: 'conversation_part.list', total_count: 2 },
    });
    expect(res.json.conversation_parts.conversation_parts[0]).toMatchObject({
      type: 'conversation_part',
      part_type: 'comment',
      author: { type: 'admin', id: DEFAULT_ADMIN.id },
    });
    expect((await h.call('GET', '/conversations/999')).status).toBe(404);
  });

  it('GET /conversations/{id} returns at most the 500 most recent parts, oldest first', async () => {
    h = await startIntercom();
    const [conversation] = h.sim.seedConversations('ws1', [{ parts: 502 }]);
    const res = await h.call('GET', `/conversations/${conversation!.id}`);
    const parts = res.json.conversation_parts.conversation_parts as { body: string; created_at: number }[];
    expect(parts).toHaveLength(500);
    expect(res.json.conversation_parts.total_count).toBe(502);
    expect(parts[0]!.body).toContain('Reply 3 ');
    expect(parts[499]!.body).toContain('Reply 502 ');
    expect(parts[0]!.created_at).toBeLessThan(parts[499]!.created_at);
  });

  it('searches conversations by updated_at, state, open and contact_ids with pagination', async () => {
    h = await startIntercom();
    const day = Date.UTC(2026, 0, 10) / 1000;
    const [ann, bob] = h.sim.seedContacts('ws1', [{ externalId: 'ann' }, { externalId: 'bob' }]);
    h.sim.seedConversations('ws1', [
      { createdAt: day - 86400, updatedAt: day - 86400, state: 'closed', contactId: ann!.id, parts: 0 },
      { createdAt: day - 86400, updatedAt: day + 3600, state: 'open', contactId: bob!.id, parts: 0 },
      { createdAt: day, updatedAt: day + 2 * 86400, state: 'snoozed', contactId: bob!.id, parts: 0 },
    ]);
    const search = async (body: unknown) => {
      const res = await h.call('POST', '/conversations/search', { body });
      expect(res.status).toBe(200);
      return res.json;
    };
    // Day granularity: '>' a time on Jan 10 starts at Jan 11, so the one updated at 01:00 on Jan 10 is out.
    const updatedSince = await search({ query: { field: 'updated_at', operator: '>', value: day + 60 } });
    expect(updatedSince.conversations.map((c: { state: string }) => c.state)).toEqual(['snoozed']);
    const open = await search({ query: { field: 'open', operator: '=', value: true } });
    expect(open.total_count).toBe(2);
    const annOnly = await search({ query: { field: 'contact_ids', operator: '=', value: ann!.id } });
    expect(annOnly.conversations.map((c: { state: string }) => c.state)).toEqual(['closed']);
    const paged = await search({
      query: { field: 'state', operator: 'IN', value: ['open', 'closed', 'snoozed'] },
      pagination: { per_page: 2 },
      sort: { field: 'updated_at', order: 'descending' },
    });
    expect(paged.conversations.map((c: { state: string }) => c.state)).toEqual(['snoozed', 'open']);
    const rest = await search({
      query: { field: 'state', operator: 'IN', value: ['open', 'closed', 'snoozed'] },
      pagination: { per_page: 2, starting_after: paged.pages.next.starting_after },
      sort: { field: 'updated_at', order: 'descending' },
    });
    expect(rest.conversations.map((c: { state: string }) => c.state)).toEqual(['closed']);
    expect(
      (await h.call('POST', '/conversations/search', { body: { query: { field: 'nope', operator: '=', value: 1 } } }))
        .status,
    ).toBe(400);
  });
});
