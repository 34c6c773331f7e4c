import { afterEach, describe, expect, it } from 'vitest';
import {
  classifyIntercomResponse,
  isUserNotFound,
  parseIntercomError,
  rateLimitFromHeaders,
} from '../../../src/intercom/errors';
import { manualClock, startIntercom, startReceiver, UUID, type ApiAnswer, type Harness } from './helpers';

let h: Harness;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await h?.sim.close();
  while (closers.length > 0) await closers.pop()!();
});

function expectError(res: ApiAnswer, status: number, code: string, message?: string | RegExp) {
  expect(res.status).toBe(status);
  expect(res.json).toMatchObject({ type: 'error.list', request_id: expect.stringMatching(UUID) });
  expect(res.json.errors[0].code).toBe(code);
  if (typeof message === 'string') expect(res.json.errors[0].message).toBe(message);
  else if (message) expect(res.json.errors[0].message).toMatch(message);
}

/** Three contacts: two users and a lead. */
function seedPeople() {
  return h.sim.seedContacts('ws1', [
    { externalId: 'u-1', email: 'ann@acme.io' },
    { externalId: 'u-2', email: 'bob@acme.io' },
    { role: 'lead', email: 'lead@acme.io' },
  ]);
}

const memberIds = (tag: { id: string } | { name: string }) =>
  h.sim
    .tagMembers('ws1', tag)
    .map((c) => c.id)
    .sort();

describe('Intercom simulator: tags', () => {
  it('POST /tags creates a tag once per name, case-insensitively, and GET /tags lists it', async () => {
    h = await startIntercom();
    const created = await h.call('POST', '/tags', { body: { name: 'Amplitude: Power users' } });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({ type: 'tag', id: expect.stringMatching(/^\d+$/), name: 'Amplitude: Power users' });

    // Intercom: "If the same tag name is sent multiple times, only one tag will be created".
    const again = await h.call('POST', '/tags', { body: { name: 'amplitude: POWER users' } });
    expect(again.json).toEqual(created.json);
    const other = await h.call('POST', '/tags', { body: { name: 'Churn risk' } });
    expect(other.json.id).not.toBe(created.json.id);

    const list = await h.call('GET', '/tags');
    expect(list.status).toBe(200);
    expect(list.json).toEqual({ type: 'list', data: [created.json, other.json] });
    expect((await h.call('GET', `/tags/${created.json.id}`)).json).toEqual(created.json);
  });

  it('POST /tags with {id, name} renames; an unknown id is 404 and another tag’s name is refused', async () => {
    h = await startIntercom();
    const [ann] = seedPeople();
    const tag = await h.call('POST', '/tags', { body: { name: 'Trial' } });
    await h.call('POST', '/tags', { body: { name: 'Paid' } });
    await h.call('POST', `/contacts/${ann!.id}/tags`, { body: { id: tag.json.id } });

    const renamed = await h.call('POST', '/tags', { body: { id: tag.json.id, name: 'Trial (old)' } });
    expect(renamed.json).toEqual({ type: 'tag', id: tag.json.id, name: 'Trial (old)' });
    expect((await h.call('GET', `/contacts/${ann!.id}/tags`)).json.data[0].name).toBe('Trial (old)');

    expectError(
      await h.call('POST', '/tags', { body: { id: '1', name: 'X' } }),
      404,
      'not_found',
      'Resource Not Found',
    );
    expectError(await h.call('POST', '/tags', { body: { id: tag.json.id, name: 'PAID' } }), 400, 'parameter_invalid');
    expect(h.sim.tags('ws1').map((t) => t.name)).toEqual(['Trial (old)', 'Paid']);
  });

  it('400 parameter_invalid "invalid tag parameters" without a usable name, and for a body that is not an object', async () => {
    h = await startIntercom();
    for (const body of [{ test: 'invalid' }, { name: '' }, { name: '   ' }, { name: 42 }, {}]) {
      const res = await h.call('POST', '/tags', { body });
      expectError(res, 400, 'parameter_invalid', 'invalid tag parameters');
      expect(res.json.errors[0].field).toBe('name');
      expect(classifyIntercomResponse(res.status, parseIntercomError(res.status, res.text))).toMatchObject({
        kind: 'rejected',
        reason: 'intercom_rejected',
      });
    }
    expectError(await h.call('POST', '/tags', { body: ['Trial'] }), 400, 'parameter_invalid');
    expect(h.sim.tags('ws1')).toEqual([]);
  });

  it('GET /tags/{id} and DELETE /tags/{id} answer 404 "Resource Not Found" for an unknown tag', async () => {
    h = await startIntercom();
    expectError(await h.call('GET', '/tags/404404'), 404, 'not_found', 'Resource Not Found');
    expectError(await h.call('DELETE', '/tags/404404'), 404, 'not_found', 'Resource Not Found');
  });

  it('DELETE /tags/{id} answers 200 with no body and takes the tag off every contact', async () => {
    h = await startIntercom();
    const [ann, bob] = seedPeople();
    const tag = h.sim.seedTag('ws1', 'Beta', [ann!.id, bob!.id]);
    const deleted = await h.call('DELETE', `/tags/${tag.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.text).toBe('');
    expect(h.sim.tags('ws1')).toEqual([]);
    expect((await h.call('GET', `/contacts/${ann!.id}`)).json.tags.data).toEqual([]);
    expectError(await h.call('GET', `/tags/${tag.id}`), 404, 'not_found');
  });
});

describe('Intercom simulator: tagging one contact', () => {
  it('POST /contacts/{id}/tags tags the contact (with applied_at and applied_by); tagging again changes nothing', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 14, 12, 0, 0));
    h = await startIntercom({ now: clock.now });
    const [ann] = seedPeople();
    const tag = await h.call('POST', '/tags', { body: { name: 'VIP' } });
    const adminId: string = (await h.call('GET', '/me')).json.id;

    const tagged = await h.call('POST', `/contacts/${ann!.id}/tags`, { body: { id: tag.json.id } });
    expect(tagged.status).toBe(200);
    const applied = {
      type: 'tag',
      id: tag.json.id,
      name: 'VIP',
      applied_at: Date.UTC(2026, 0, 14, 12, 0, 0) / 1000,
      applied_by: { type: 'admin', id: adminId },
    };
    expect(tagged.json).toEqual(applied);

    clock.advance(60_000);
    // Intercom's own examples send the tag id as a number.
    const again = await h.call('POST', `/contacts/${ann!.id}/tags`, { body: { id: Number(tag.json.id) } });
    expect(again.json).toEqual(applied);

    expect((await h.call('GET', `/contacts/${ann!.id}/tags`)).json).toEqual({ type: 'list', data: [applied] });
    const contact = await h.call('GET', `/contacts/${ann!.id}`);
    expect(contact.json.tags).toMatchObject({
      type: 'list',
      data: [{ id: tag.json.id, type: 'tag', url: `/tags/${tag.json.id}` }],
      total_count: 1,
    });
    expect(memberIds({ id: tag.json.id })).toEqual([ann!.id]);
  });

  it('404 "User Not Found" for an unknown or archived contact, 404 "Resource Not Found" for an unknown tag, 400 without a tag id', async () => {
    h = await startIntercom();
    const [ann] = seedPeople();
    const [archived] = h.sim.seedContacts('ws1', [{ externalId: 'gone', archived: true }]);
    const tag = await h.call('POST', '/tags', { body: { name: 'VIP' } });

    for (const id of ['5f0000000000000000000000', archived!.id]) {
      const res = await h.call('POST', `/contacts/${id}/tags`, { body: { id: tag.json.id } });
      expectError(res, 404, 'not_found', 'User Not Found');
      expect(isUserNotFound(parseIntercomError(res.status, res.text))).toBe(true);
      expectError(await h.call('GET', `/contacts/${id}/tags`), 404, 'not_found', 'User Not Found');
      expectError(await h.call('DELETE', `/contacts/${id}/tags/${tag.json.id}`), 404, 'not_found', 'User Not Found');
    }

    const unknownTag = await h.call('POST', `/contacts/${ann!.id}/tags`, { body: { id: '123' } });
    expectError(unknownTag, 404, 'not_found', 'Resource Not Found');
    // A client can tell a missing tag (recreate it) from a missing contact (park the member).
    expect(isUserNotFound(parseIntercomError(unknownTag.status, unknownTag.text))).toBe(false);

    expectError(await h.call('POST', `/contacts/${ann!.id}/tags`, { body: {} }), 400, 'parameter_not_found');
    expectError(
      await h.call('POST', `/contacts/${ann!.id}/tags`, { body: { id: { id: '1' } } }),
      400,
      'parameter_invalid',
    );
    expect((await h.call('GET', `/contacts/${ann!.id}/tags`)).json.data).toEqual([]);
  });

  it('DELETE /contacts/{id}/tags/{tag_id} untags and answers the tag; a second untag is 404 "Resource Not Found"', async () => {
    h = await startIntercom();
    const [ann, bob] = seedPeople();
    const tag = h.sim.seedTag('ws1', 'VIP', [ann!.id, bob!.id]);

    const untagged = await h.call('DELETE', `/contacts/${ann!.id}/tags/${tag.id}`);
    expect(untagged.status).toBe(200);
    expect(untagged.json).toMatchObject({ type: 'tag', id: tag.id, name: 'VIP', applied_by: { type: 'admin' } });
    expect(memberIds(tag)).toEqual([bob!.id]);

    expectError(await h.call('DELETE', `/contacts/${ann!.id}/tags/${tag.id}`), 404, 'not_found', 'Resource Not Found');
    expectError(await h.call('DELETE', `/contacts/${ann!.id}/tags/999`), 404, 'not_found', 'Resource Not Found');
  });

  it('tags seeded on contacts are known to the tag endpoints', async () => {
    h = await startIntercom();
    const [carol] = h.sim.seedContacts('ws1', [{ externalId: 'u-9', tags: [{ id: '4242', name: 'Imported' }] }]);
    expect((await h.call('GET', '/tags')).json.data).toEqual([{ type: 'tag', id: '4242', name: 'Imported' }]);
    expect((await h.call('GET', `/contacts/${carol!.id}/tags`)).json.data).toEqual([
      {
        type: 'tag',
        id: '4242',
        name: 'Imported',
        applied_at: null,
        applied_by: { type: 'admin', id: expect.any(String) },
      },
    ]);
    expect((await h.call('DELETE', `/contacts/${carol!.id}/tags/4242`)).status).toBe(200);
  });
});

describe('Intercom simulator: a tag’s members through contact search', () => {
  it('searches contacts by tag_id with = and != only, users and leads alike, and paginates', async () => {
    h = await startIntercom();
    const [ann, bob, lead] = seedPeople();
    const tag = h.sim.seedTag('ws1', 'Cohort', [ann!.id, lead!.id]);
    h.sim.seedTag('ws1', 'Other', [bob!.id]);
    const search = (query: unknown, pagination?: unknown) =>
      h.call('POST', '/contacts/search', { body: { query, ...(pagination ? { pagination } : {}) } });

    const members = await search({ field: 'tag_id', operator: '=', value: tag.id });
    expect(members.status).toBe(200);
    expect(members.json.data.map((c: { id: string }) => c.id).sort()).toEqual([ann!.id, lead!.id].sort());
    expect(members.json.total_count).toBe(2);

    const others = await search({ field: 'tag_id', operator: '!=', value: tag.id });
    expect(others.json.data.map((c: { id: string }) => c.id)).toEqual([bob!.id]);

    const usersInTag = await search({
      operator: 'AND',
      value: [
        { field: 'tag_id', operator: '=', value: tag.id },
        { field: 'role', operator: '=', value: 'user' },
      ],
    });
    expect(usersInTag.json.data.map((c: { id: string }) => c.id)).toEqual([ann!.id]);

    const page1 = await search({ field: 'tag_id', operator: '=', value: tag.id }, { per_page: 1 });
    expect(page1.json.data).toHaveLength(1);
    const page2 = await search(
      { field: 'tag_id', operator: '=', value: tag.id },
      { per_page: 1, starting_after: page1.json.pages.next.starting_after },
    );
    expect([page1.json.data[0].id, page2.json.data[0].id].sort()).toEqual([ann!.id, lead!.id].sort());
    expect(page2.json.pages.next).toBeUndefined();

    // "Searching by tag_id supports only the = and != operators."
    for (const operator of ['IN', 'NIN', '~', '>']) {
      const value = operator === 'IN' || operator === 'NIN' ? [tag.id] : tag.id;
      expectError(await search({ field: 'tag_id', operator, value }), 400, 'parameter_invalid');
    }
    expectError(
      await h.call('POST', '/contacts/search', {
        body: { query: { field: 'tag_id', operator: '=', value: tag.id }, sort: { field: 'tag_id' } },
      }),
      400,
      'parameter_invalid',
    );
  });
});

describe('Intercom simulator: tagging many contacts with POST /tags', () => {
  it('2.14: {name, users:[{id}]} creates the tag if needed and tags users and leads by Intercom id', async () => {
    h = await startIntercom();
    const [ann, bob, lead] = seedPeople();
    const res = await h.call('POST', '/tags', {
      body: { name: 'Amplitude: Active', users: [{ id: ann!.id }, { id: lead!.id }, { id: ann!.id }] },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ type: 'tag', id: expect.any(String), name: 'Amplitude: Active' });
    expect(memberIds({ name: 'Amplitude: Active' })).toEqual([ann!.id, lead!.id].sort());

    // The same call again, and with another user: still one tag.
    await h.call('POST', '/tags', { body: { name: 'amplitude: active', users: [{ id: bob!.id }] } });
    expect(h.sim.tags('ws1')).toHaveLength(1);
    expect(memberIds({ id: res.json.id })).toEqual([ann!.id, bob!.id, lead!.id].sort());
  });

  it('2.14: an unknown user is 404 "User Not Found" and nothing changes, not even the tag', async () => {
    h = await startIntercom();
    const [ann] = seedPeople();
    const res = await h.call('POST', '/tags', {
      body: { name: 'Amplitude: Active', users: [{ id: ann!.id }, { id: '5f0000000000000000000000' }] },
    });
    expectError(res, 404, 'not_found', 'User Not Found');
    expect(h.sim.tags('ws1')).toEqual([]);
    expect((await h.call('GET', `/contacts/${ann!.id}/tags`)).json.data).toEqual([]);
  });

  it('2.x documents users by id only: user_id, email and untag are refused with 400, so nothing relies on them', async () => {
    h = await startIntercom();
    const [ann] = seedPeople();
    for (const user of [{ user_id: 'u-1' }, { email: 'ann@acme.io' }, { id: ann!.id, untag: true }]) {
      const res = await h.call('POST', '/tags', { body: { name: 'VIP', users: [user] } });
      expectError(res, 400, 'parameter_invalid', /not part of Intercom API 2\.x/);
    }
    for (const users of ['ann', [null], [{}], [{ id: 7.5 }]]) {
      expectError(await h.call('POST', '/tags', { body: { name: 'VIP', users } }), 400, 'parameter_invalid');
    }
    expect(h.sim.tags('ws1')).toEqual([]);
  });

  it('2.16 and Preview skip unknown users and list what was tagged', async () => {
    h = await startIntercom();
    const [ann, bob] = seedPeople();
    for (const [version, user] of [
      ['2.16', ann!],
      ['Preview', bob!],
    ] as const) {
      const res = await h.call('POST', '/tags', {
        headers: { 'Intercom-Version': version },
        body: { name: 'Amplitude: Active', users: [{ id: user.id }, { id: '5f0000000000000000000000' }] },
      });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({
        type: 'tag',
        id: expect.any(String),
        name: 'Amplitude: Active',
        users: [{ id: user.id, tagged: true }],
        companies: [],
      });
    }
    expect(memberIds({ name: 'Amplitude: Active' })).toEqual([ann!.id, bob!.id].sort());
  });

  it('1.x: users by id, user_id or email, and untag: true per user, mixed in one request', async () => {
    h = await startIntercom();
    const [ann, bob, lead] = seedPeople();
    const tag = h.sim.seedTag('ws1', 'Independent', [lead!.id]);
    const res = await h.call('POST', '/tags', {
      headers: { 'Intercom-Version': '1.4' },
      body: {
        name: 'independent',
        users: [{ user_id: 'u-1' }, { email: 'BOB@acme.io' }, { id: lead!.id, untag: true }],
      },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ type: 'tag', id: tag.id, name: 'Independent' });
    expect(memberIds(tag)).toEqual([ann!.id, bob!.id].sort());

    // user_id and email find users only, as everywhere in Intercom's API.
    const leadByEmail = await h.call('POST', '/tags', {
      headers: { 'Intercom-Version': '1.4' },
      body: { name: 'Independent', users: [{ email: 'lead@acme.io' }] },
    });
    expectError(leadByEmail, 404, 'not_found', 'User Not Found');
    expectError(
      await h.call('POST', '/tags', {
        headers: { 'Intercom-Version': '1.4' },
        body: { name: 'Independent', users: [{ id: ann!.id, untag: 'yes' }] },
      }),
      400,
      'parameter_invalid',
    );
  });

  it('companies: none exist in the simulator, so 2.14 answers 404 company_not_found and 2.16 skips them; users and companies never mix', async () => {
    h = await startIntercom();
    const [ann] = seedPeople();
    const companies = [{ company_id: '6' }];
    expectError(
      await h.call('POST', '/tags', { body: { name: 'Enterprise', companies } }),
      404,
      'company_not_found',
      'Company Not Found',
    );
    expect(h.sim.tags('ws1')).toEqual([]);
    const skipped = await h.call('POST', '/tags', {
      headers: { 'Intercom-Version': '2.16' },
      body: { name: 'Enterprise', companies: [{ id: '531ee472cce572a6ec000006', untag: true }] },
    });
    expect(skipped.json).toMatchObject({ type: 'tag', name: 'Enterprise', users: [], companies: [] });
    expectError(
      await h.call('POST', '/tags', { body: { name: 'Enterprise', users: [{ id: ann!.id }], companies } }),
      400,
      'parameter_invalid',
    );
    expectError(
      await h.call('POST', '/tags', { body: { name: 'Enterprise', companies: [{}] } }),
      400,
      'parameter_invalid',
    );
  });
});

describe('Intercom simulator: tags share auth and the rate limit with every endpoint', () => {
  it('401 without a valid token on every tag endpoint', async () => {
    h = await startIntercom();
    const [ann] = seedPeople();
    const calls: [string, string][] = [
      ['GET', '/tags'],
      ['POST', '/tags'],
      ['GET', '/tags/1'],
      ['DELETE', '/tags/1'],
      ['GET', `/contacts/${ann!.id}/tags`],
      ['POST', `/contacts/${ann!.id}/tags`],
      ['DELETE', `/contacts/${ann!.id}/tags/1`],
    ];
    for (const [method, path] of calls) {
      const res = await h.call(method, path, { token: null, body: method === 'POST' ? { name: 'x' } : undefined });
      expectError(res, 401, 'unauthorized', 'Access Token Invalid');
    }
    expect(h.sim.tags('ws1')).toEqual([]);
  });

  it('tag calls carry X-RateLimit-* and get 429 rate_limit_exceeded past the window budget', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 14, 12, 0, 3));
    h = await startIntercom({ rateLimitPerMinute: 12, now: clock.now });
    const [ann] = seedPeople();
    const tag = await h.call('POST', '/tags', { body: { name: 'VIP' } });
    expect(tag.headers.get('x-ratelimit-remaining')).toBe('1');
    expect((await h.call('POST', `/contacts/${ann!.id}/tags`, { body: { id: tag.json.id } })).status).toBe(200);
    const limited = await h.call('DELETE', `/contacts/${ann!.id}/tags/${tag.json.id}`);
    expectError(limited, 429, 'rate_limit_exceeded');
    expect(rateLimitFromHeaders(limited.headers)).toMatchObject({ limit: 12, remaining: 0 });
    expect(memberIds({ id: tag.json.id })).toEqual([ann!.id]);
  });
});

describe('Intercom simulator: tag webhooks', () => {
  it('fires contact.<role>.tag.created and .deleted for API tag changes, and nothing for a no-op', async () => {
    const target = await startReceiver();
    closers.push(target.close);
    h = await startIntercom({ webhookUrl: target.url });
    const [ann, , lead] = seedPeople();
    const tag = await h.call('POST', '/tags', { body: { name: 'VIP' } });
    await h.call('POST', `/contacts/${ann!.id}/tags`, { body: { id: tag.json.id } });
    await h.call('POST', `/contacts/${ann!.id}/tags`, { body: { id: tag.json.id } });
    await h.call('POST', '/tags', { body: { name: 'VIP', users: [{ id: ann!.id }, { id: lead!.id }] } });
    await h.call('DELETE', `/contacts/${ann!.id}/tags/${tag.json.id}`);
    await h.sim.flush();

    const bodies = target.received.map((r) => JSON.parse(r.raw.toString()));
    expect(bodies.map((b) => b.topic)).toEqual([
      'contact.user.tag.created',
      'contact.lead.tag.created',
      'contact.user.tag.deleted',
    ]);
    expect(bodies[0]).toMatchObject({ type: 'notification_event', app_id: 'ws1' });
    expect(bodies[0].data.item).toMatchObject({
      type: 'contact_tag',
      tag: { type: 'tag', id: tag.json.id, name: 'VIP' },
      contact: { type: 'contact', id: ann!.id, tags: { data: [{ id: tag.json.id }] } },
    });
    expect(bodies[2].data.item.contact).toMatchObject({ id: ann!.id, tags: { data: [] } });
  });
});
