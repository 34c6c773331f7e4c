import { afterEach, describe, expect, it } from 'vitest';
import { IntercomClient, IntercomError } from 'intercom-client';
import { manualClock, startIntercom, type Harness } from './helpers';

/**
 * Intercom's official Node SDK (intercom-client, from npm) judges the simulator, for every endpoint the
 * service uses: /me, contacts (create, search, find, update), data events (create, list), data attributes
 * (list, create), conversations (search, find). The SDK parses answers into its own typed models and
 * throws IntercomError on non-2xx answers, so a simulator answering in another shape would fail here.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.sim.close();
  h = undefined;
});

const sdk = (harness: Harness, options: Partial<IntercomClient.Options> = {}) =>
  new IntercomClient({ token: harness.token, baseUrl: harness.baseUrl, maxRetries: 0, ...options });

/** The error an SDK call throws (it must throw one). */
async function thrown(call: Promise<unknown>): Promise<IntercomError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof IntercomError) return error;
    throw error;
  }
  throw new Error('expected the SDK to throw');
}

describe('Intercom simulator judged by the official intercom-client SDK', () => {
  it('/me: the admin and the workspace the token belongs to', async () => {
    h = await startIntercom();
    const me = await sdk(h).admins.identify();
    expect(me).toMatchObject({ type: 'admin', app: { id_code: h.appId, region: 'EU', timezone: 'UTC' } });
    expect(me?.email).toMatch(/@/);
    const denied = await thrown(sdk(h, { token: 'not-a-token' }).admins.identify());
    expect(denied.statusCode).toBe(401);
    expect(denied.body).toMatchObject({ type: 'error.list', errors: [{ code: 'unauthorized' }] });
  });

  it('contacts: create, search by external_id and email, find, update; a duplicate is a 409 naming the contact', async () => {
    const clock = manualClock();
    h = await startIntercom({ now: clock.now });
    const client = sdk(h);
    const created = await client.contacts.create({ external_id: 'sdk-1', email: 'sdk-1@example.com', name: 'Ada' });
    expect(created).toMatchObject({ type: 'contact', external_id: 'sdk-1', email: 'sdk-1@example.com', role: 'user' });

    clock.advance(1_000);
    const byExternalId = await client.contacts.search({
      query: { field: 'external_id', operator: '=', value: 'sdk-1' },
      pagination: { per_page: 5 },
    });
    expect(byExternalId.data.map((c) => c.id)).toEqual([created.id]);
    const byEmail = await client.contacts.search({
      query: { field: 'email', operator: '=', value: 'sdk-1@example.com' },
    });
    expect(byEmail.data.map((c) => c.id)).toEqual([created.id]);

    const found = await client.contacts.find({ contact_id: created.id! });
    expect(found).toMatchObject({ id: created.id, name: 'Ada' });
    const updated = await client.contacts.update({ contact_id: created.id!, name: 'Ada L.' });
    expect(updated).toMatchObject({ id: created.id, name: 'Ada L.' });

    const duplicate = await thrown(client.contacts.create({ external_id: 'sdk-1' }));
    expect(duplicate.statusCode).toBe(409);
    expect(JSON.stringify(duplicate.body)).toContain(`already exists with id=${created.id}`);
    const missing = await thrown(client.contacts.find({ contact_id: 'no-such-contact' }));
    expect(missing.statusCode).toBe(404);
  });

  it('data events: create (202) and list for a user; an unknown user is a 404', async () => {
    h = await startIntercom();
    h.sim.seedContacts(h.appId, [{ externalId: 'sdk-events-1', email: 'ev@example.com' }]);
    const client = sdk(h);
    const createdAt = Math.floor(Date.now() / 1000);
    await client.events.create({
      event_name: 'Placed.Order',
      created_at: createdAt,
      user_id: 'sdk-events-1',
      metadata: { order: 'A-1', total: '42' },
    });
    expect(h.sim.events(h.appId)).toMatchObject([{ eventName: 'placed-order', createdAt, metadata: { order: 'A-1' } }]);
    const listed = await client.events.list({ type: 'user', user_id: 'sdk-events-1' });
    expect(listed).toMatchObject({ type: 'event.summary' });
    expect(JSON.stringify(listed)).toContain('placed-order');
    const unknown = await thrown(client.events.create({ event_name: 'x', created_at: createdAt, user_id: 'ghost' }));
    expect(unknown.statusCode).toBe(404);
  });

  it('data attributes: list contact attributes, create a custom one', async () => {
    h = await startIntercom();
    const client = sdk(h);
    // The SDK's generated request type leaves out name and model, which the API requires: sent as documented.
    const request = { name: 'sdk_plan', model: 'contact', data_type: 'string' };
    const created = await client.dataAttributes.create(request as Parameters<typeof client.dataAttributes.create>[0]);
    expect(created).toMatchObject({ name: 'sdk_plan', full_name: 'custom_attributes.sdk_plan', data_type: 'string' });
    const list = await client.dataAttributes.list({ model: 'contact' });
    expect(list.data?.map((a) => a.name)).toContain('sdk_plan');
    expect(list.data?.some((a) => a.name === 'email' && a.custom === false)).toBe(true);
  });

  it('conversations: search by update time and find one with its parts', async () => {
    h = await startIntercom();
    const [seeded] = h.sim.seedConversations(h.appId, [{ parts: 2 }]);
    const conversation = { id: String(seeded!.id) };
    const client = sdk(h);
    const page = await client.conversations.search({
      query: { field: 'updated_at', operator: '>', value: '0' },
      pagination: { per_page: 20 },
    });
    expect(page.data.map((c) => c.id)).toContain(conversation.id);
    const found = await client.conversations.find({ conversation_id: conversation.id });
    expect(found.id).toBe(conversation.id);
    expect(found.conversation_parts?.conversation_parts).toHaveLength(2);
  });

  it('429: the SDK sees the rate limit and, retrying once, gets through when the window has passed', async () => {
    const clock = manualClock();
    h = await startIntercom({ now: clock.now, rateLimitPerMinute: 6 }); // one call per 10 s window
    await sdk(h).admins.identify();
    const limited = await thrown(sdk(h).admins.identify());
    expect(limited.statusCode).toBe(429);
    expect(limited.body).toMatchObject({ errors: [{ code: 'rate_limit_exceeded' }] });

    // Its retry waits on its own clock; meanwhile the simulator's window moves on.
    const retrying = sdk(h, { maxRetries: 1 }).admins.identify();
    setTimeout(() => clock.advance(10_000), 300);
    await expect(retrying).resolves.toMatchObject({ app: { id_code: h.appId } });
    expect(h.sim.requests.slice(-2).map((r) => r.status)).toEqual([429, 200]);
  });
});
