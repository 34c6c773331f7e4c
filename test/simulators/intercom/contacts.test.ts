import { afterEach, describe, expect, it } from 'vitest';
import { manualClock, startIntercom, UUID, type Harness } from './helpers';

let h: Harness;
afterEach(async () => {
  await h?.sim.close();
});

describe('Intercom simulator: identity and auth', () => {
  it('GET /me answers 200 with the admin and the workspace as app.id_code, and records Intercom-Version', async () => {
    h = await startIntercom();
    const me = await h.call('GET', '/me');
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({
      type: 'admin',
      email_verified: true,
      app: {
        type: 'app',
        id_code: 'ws1',
        name: 'Acme',
        region: 'EU',
        timezone: 'UTC',
        secure: false,
        identity_verification: false,
      },
    });
    expect(typeof me.json.app.created_at).toBe('number');
    expect(h.sim.versionsSeen.get('2.14')).toBe(1);
    expect(h.sim.requests.at(-1)).toMatchObject({ method: 'GET', path: '/me', status: 200 });
    expect(h.sim.requests.at(-1)?.headers['intercom-version']).toBe('2.14');
  });

  it('401 unauthorized with an error.list for a missing or unknown token', async () => {
    h = await startIntercom();
    for (const token of [null, 'not-a-token']) {
      const res = await h.call('GET', '/me', { token });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({
        type: 'error.list',
        request_id: expect.stringMatching(UUID),
        errors: [{ code: 'unauthorized', message: 'Access Token Invalid' }],
      });
    }
  });

  it('400 intercom_version_invalid for a version Intercom does not have', async () => {
    h = await startIntercom();
    const res = await h.call('GET', '/me', { headers: { 'Intercom-Version': '9.9' } });
    expect(res.status).toBe(400);
    expect(res.json.errors[0].code).toBe('intercom_version_invalid');
  });
});

describe('Intercom simulator: contacts', () => {
  it('POST /contacts answers 200 with a 2.x contact that GET, find_by_external_id and PUT see', async () => {
    h = await startIntercom();
    const created = await h.call('POST', '/contacts', {
      body: { role: 'user', external_id: 'u-1', email: 'Ada@Example.com', name: 'Ada', signed_up_at: 1767225600 },
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      type: 'contact',
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      workspace_id: 'ws1',
      external_id: 'u-1',
      role: 'user',
      email: 'Ada@Example.com',
      name: 'Ada',
      signed_up_at: 1767225600,
      custom_attributes: {},
      tags: { type: 'list', data: [] },
    });
    expect(typeof created.json.created_at).toBe('number');
    const id: string = created.json.id;

    expect((await h.call('GET', `/contacts/${id}`)).json.external_id).toBe('u-1');
    expect((await h.call('GET', '/contacts/find_by_external_id/u-1')).json.id).toBe(id);

    const updated = await h.call('PUT', `/contacts/${id}`, { body: { name: 'Ada Lovelace' } });
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({ id, name: 'Ada Lovelace', email: 'Ada@Example.com', external_id: 'u-1' });
  });

  it('400 parameter_invalid without email, external_id or role, and for unknown custom attributes', async () => {
    h = await startIntercom();
    const empty = await h.call('POST', '/contacts', { body: { name: 'Nobody' } });
    expect(empty.status).toBe(400);
    expect(empty.json.errors[0].code).toBe('parameter_invalid');

    const unknown = await h.call('POST', '/contacts', {
      body: { external_id: 'u-2', custom_attributes: { plan_tier: 'pro' } },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.errors[0]).toMatchObject({
      code: 'parameter_invalid',
      message: expect.stringContaining('plan_tier'),
    });
    expect(h.sim.contacts('ws1')).toHaveLength(0);

    const attribute = await h.call('POST', '/data_attributes', {
      body: { name: 'plan_tier', model: 'contact', data_type: 'string' },
    });
    expect(attribute.status).toBe(200);
    const retried = await h.call('POST', '/contacts', {
      body: { external_id: 'u-2', custom_attributes: { plan_tier: 'pro' } },
    });
    expect(retried.status).toBe(200);
    expect(retried.json.custom_attributes).toEqual({ plan_tier: 'pro' });

    const badUpdate = await h.call('PUT', `/contacts/${retried.json.id}`, {
      body: { custom_attributes: { seats: 3 } },
    });
    expect(badUpdate.status).toBe(400);
    expect(badUpdate.json.errors[0].message).toContain('seats');
  });

  it('404 not_found "User Not Found" for an unknown contact id or external id', async () => {
    h = await startIntercom();
    for (const path of ['/contacts/5f0000000000000000000000', '/contacts/find_by_external_id/nobody']) {
      const res = await h.call('GET', path);
      expect(res.status).toBe(404);
      expect(res.json.errors).toEqual([{ code: 'not_found', message: 'User Not Found' }]);
    }
  });

  it('409 conflict names the existing id; an archived match says so', async () => {
    h = await startIntercom();
    const first = await h.call('POST', '/contacts', { body: { external_id: 'u-3', email: 'bo@example.com' } });
    const byExternalId = await h.call('POST', '/contacts', { body: { external_id: 'u-3' } });
    expect(byExternalId.status).toBe(409);
    expect(byExternalId.json).toEqual({
      type: 'error.list',
      request_id: expect.stringMatching(UUID),
      errors: [
        { code: 'conflict', message: `A contact matching those details already exists with id=${first.json.id}` },
      ],
    });
    const byEmail = await h.call('POST', '/contacts', { body: { role: 'user', email: 'BO@example.com' } });
    expect(byEmail.status).toBe(409);
    expect(byEmail.json.errors[0].message).toBe(
      `A contact matching those details already exists with id=${first.json.id}`,
    );

    // Leads may share an email with a user.
    expect((await h.call('POST', '/contacts', { body: { role: 'lead', email: 'bo@example.com' } })).status).toBe(200);

    const [archived] = h.sim.seedContacts('ws1', [{ externalId: 'gone', email: 'gone@example.com', archived: true }]);
    const archivedClash = await h.call('POST', '/contacts', { body: { external_id: 'gone' } });
    expect(archivedClash.status).toBe(409);
    expect(archivedClash.json.errors[0].message).toMatch(
      /^An archived contact matching those details already exists with id=/,
    );
    expect(archivedClash.json.errors[0].message).toBe(
      `An archived contact matching those details already exists with id=${archived!.id}`,
    );
    expect((await h.call('GET', `/contacts/${archived!.id}`)).status).toBe(404);
  });

  it('search lag hides a fresh contact, so a search-then-create upsert gets a 409 race', async () => {
    const clock = manualClock();
    h = await startIntercom({ searchLagMs: 60_000, now: clock.now });
    const search = () =>
      h.call('POST', '/contacts/search', { body: { query: { field: 'external_id', operator: '=', value: 'u-9' } } });

    const created = await h.call('POST', '/contacts', { body: { external_id: 'u-9' } });
    expect(created.status).toBe(200);
    expect((await search()).json.total_count).toBe(0);

    const second = await h.call('POST', '/contacts', { body: { external_id: 'u-9' } });
    expect(second.status).toBe(409);
    expect(second.json.errors[0].message).toBe(
      `A contact matching those details already exists with id=${created.json.id}`,
    );

    clock.advance(60_000);
    const found = await search();
    expect(found.json.total_count).toBe(1);
    expect(found.json.data[0].id).toBe(created.json.id);
  });
});

describe('Intercom simulator: contact search and pagination', () => {
  it('supports nested AND/OR groups and the string operators; emails match case-insensitively', async () => {
    h = await startIntercom();
    h.sim.seedContacts('ws1', [
      { externalId: 'a-1', email: 'Ann@Acme.io', role: 'user' },
      { externalId: 'a-2', email: 'bob@acme.io', role: 'user' },
      { externalId: 'b-1', email: 'cy@other.org', role: 'lead' },
    ]);
    const ids = async (query: unknown) => {
      const res = await h.call('POST', '/contacts/search', { body: { query } });
      expect(res.status).toBe(200);
      return (res.json.data as { external_id: string }[]).map((c) => c.external_id).sort();
    };
    expect(await ids({ field: 'email', operator: '=', value: 'ann@acme.io' })).toEqual(['a-1']);
    expect(await ids({ field: 'external_id', operator: 'IN', value: ['a-2', 'b-1'] })).toEqual(['a-2', 'b-1']);
    expect(await ids({ field: 'external_id', operator: 'NIN', value: ['a-2'] })).toEqual(['a-1', 'b-1']);
    expect(await ids({ field: 'email', operator: '$', value: '@ACME.IO' })).toEqual(['a-1', 'a-2']);
    expect(await ids({ field: 'external_id', operator: '^', value: 'a-' })).toEqual(['a-1', 'a-2']);
    expect(await ids({ field: 'email', operator: '~', value: 'other' })).toEqual(['b-1']);
    expect(await ids({ field: 'role', operator: '!=', value: 'user' })).toEqual(['b-1']);
    expect(
      await ids({
        operator: 'OR',
        value: [
          { field: 'external_id', operator: '=', value: 'b-1' },
          {
            operator: 'AND',
            value: [
              { field: 'role', operator: '=', value: 'user' },
              { field: 'email', operator: '^', value: 'bob' },
            ],
          },
        ],
      }),
    ).toEqual(['a-2', 'b-1']);
  });

  it('date fields take =, <, > by calendar day and reject other operators and deep nesting', async () => {
    h = await startIntercom();
    const day = Date.UTC(2026, 0, 10) / 1000;
    h.sim.seedContacts('ws1', [
      { externalId: 'early', createdAt: day + 60 },
      { externalId: 'late', createdAt: day + 20 * 3600 },
      { externalId: 'next-day', createdAt: day + 26 * 3600 },
    ]);
    const ids = async (operator: string, value: number) => {
      const res = await h.call('POST', '/contacts/search', {
        body: { query: { field: 'created_at', operator, value } },
      });
      return {
        status: res.status,
        ids: ((res.json.data ?? []) as { external_id: string }[]).map((c) => c.external_id),
      };
    };
    // `>` starts at the next day: a contact later on the same day is not matched.
    expect((await ids('>', day + 3600)).ids).toEqual(['next-day']);
    expect((await ids('=', day + 3600)).ids).toEqual(['early', 'late']);
    expect((await ids('<', day + 26 * 3600)).ids).toEqual(['early', 'late']);
    expect((await ids('>=', day)).status).toBe(400);

    const leaf = { field: 'external_id', operator: '=', value: 'x' };
    const tooDeep = { operator: 'AND', value: [{ operator: 'OR', value: [{ operator: 'AND', value: [leaf] }] }] };
    const deep = await h.call('POST', '/contacts/search', { body: { query: tooDeep } });
    expect(deep.status).toBe(400);
    expect(deep.json.errors[0].code).toBe('parameter_invalid');
  });

  it('pages through search and list results with stateless cursors until next is absent', async () => {
    h = await startIntercom();
    const seeded = h.sim.seedContacts('ws1', 7);
    const seen: string[] = [];
    let startingAfter: string | undefined;
    const pages: number[] = [];
    for (;;) {
      const res = await h.call('POST', '/contacts/search', {
        body: {
          query: { field: 'role', operator: '=', value: 'user' },
          pagination: { per_page: 3, ...(startingAfter ? { starting_after: startingAfter } : {}) },
        },
      });
      expect(res.json).toMatchObject({
        type: 'list',
        total_count: 7,
        pages: { type: 'pages', per_page: 3, total_pages: 3 },
      });
      pages.push(res.json.pages.page);
      seen.push(...res.json.data.map((c: { id: string }) => c.id));
      startingAfter = res.json.pages.next?.starting_after;
      if (!startingAfter) break;
    }
    expect(pages).toEqual([1, 2, 3]);
    expect(seen).toEqual(seeded.map((c) => c.id));

    const listed = await h.call('GET', '/contacts?per_page=5');
    expect(listed.json.data).toHaveLength(5);
    const rest = await h.call(
      'GET',
      `/contacts?per_page=5&starting_after=${encodeURIComponent(listed.json.pages.next.starting_after)}`,
    );
    expect(rest.json.data.map((c: { id: string }) => c.id)).toEqual(seeded.slice(5).map((c) => c.id));
    expect(rest.json.pages.next).toBeUndefined();

    expect((await h.call('GET', '/contacts?per_page=151')).status).toBe(400);
    expect((await h.call('GET', '/contacts?starting_after=garbage')).status).toBe(400);
  });
});

describe('Intercom simulator: data attributes', () => {
  it('lists standard and custom attributes and rejects duplicates, bad names and attributes past the limit', async () => {
    h = await startIntercom({ customAttributeLimit: 2 });
    const create = (name: string, extra: Record<string, unknown> = {}) =>
      h.call('POST', '/data_attributes', { body: { name, model: 'contact', data_type: 'string', ...extra } });

    const plan = await create('Account Tier');
    expect(plan.status).toBe(200);
    expect(plan.json).toMatchObject({
      type: 'data_attribute',
      name: 'Account Tier',
      full_name: 'custom_attributes.Account Tier',
      data_type: 'string',
      model: 'contact',
      custom: true,
    });
    expect((await create('account tier')).json.errors[0].code).toBe('parameter_invalid');
    expect((await create('plan.tier')).status).toBe(400);
    expect((await create('size', { data_type: 'options', options: [{ value: 'S' }] })).status).toBe(400);
    expect((await create('size', { data_type: 'options', options: [{ value: 'S' }, { value: 'L' }] })).status).toBe(
      200,
    );
    const overLimit = await create('third');
    expect(overLimit.status).toBe(400);
    expect(overLimit.json.errors[0].message).toMatch(/limit of 2 custom data attributes/);

    const listed = await h.call('GET', '/data_attributes?model=contact');
    expect(listed.json.type).toBe('list');
    const names = listed.json.data.map((a: { name: string; custom: boolean }) => `${a.name}:${a.custom}`);
    expect(names).toEqual(
      expect.arrayContaining(['email:false', 'external_id:false', 'Account Tier:true', 'size:true']),
    );
  });
});
