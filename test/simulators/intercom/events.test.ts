import { afterEach, describe, expect, it } from 'vitest';
import { manualClock, startIntercom, type Harness } from './helpers';

let h: Harness;
afterEach(async () => {
  await h?.sim.close();
});

const CREATED_AT = 1768392000;

describe('Intercom simulator: data events', () => {
  it('202 with an empty body, found by user_id, email or id; leads only by id', async () => {
    h = await startIntercom();
    const [user, lead] = h.sim.seedContacts('ws1', [
      { role: 'user', externalId: 'u-1', email: 'ann@acme.io' },
      { role: 'lead', externalId: 'l-1', email: 'lead@acme.io' },
    ]);
    const send = (who: Record<string, string>, name: string) =>
      h.call('POST', '/events', { body: { event_name: name, created_at: CREATED_AT, ...who } });

    const accepted = await send({ user_id: 'u-1' }, 'viewed-page');
    expect(accepted.status).toBe(202);
    expect(accepted.text).toBe('');
    expect((await send({ email: 'ANN@acme.io' }, 'clicked-button')).status).toBe(202);
    expect((await send({ id: lead!.id }, 'lead-event')).status).toBe(202);
    expect((await send({ user_id: 'l-1' }, 'lead-event-2')).status).toBe(404);

    expect(h.sim.events('ws1').map((e) => [e.contactId, e.eventName])).toEqual([
      [user!.id, 'viewed-page'],
      [user!.id, 'clicked-button'],
      [lead!.id, 'lead-event'],
    ]);
  });

  it('404 not_found "User Not Found" when the contact does not exist (events never create contacts)', async () => {
    h = await startIntercom();
    const res = await h.call('POST', '/events', {
      body: { event_name: 'signed-in', created_at: CREATED_AT, user_id: 'ghost' },
    });
    expect(res.status).toBe(404);
    expect(res.json.errors).toEqual([{ code: 'not_found', message: 'User Not Found' }]);
    expect(h.sim.contacts('ws1')).toHaveLength(0);
  });

  it('400 for missing or malformed fields', async () => {
    h = await startIntercom();
    h.sim.seedContacts('ws1', [{ externalId: 'u-1' }]);
    const cases: [Record<string, unknown>, string][] = [
      [{ created_at: CREATED_AT, user_id: 'u-1' }, 'parameter_not_found'],
      [{ event_name: 'x', user_id: 'u-1' }, 'parameter_not_found'],
      [{ event_name: 'x', created_at: CREATED_AT }, 'parameter_not_found'],
      [{ event_name: 'x', created_at: CREATED_AT * 1000, user_id: 'u-1' }, 'parameter_invalid'],
      [{ event_name: 'x', created_at: 'yesterday', user_id: 'u-1' }, 'parameter_invalid'],
      [{ event_name: 'x', created_at: CREATED_AT, user_id: 'u-1', metadata: [1] }, 'parameter_invalid'],
    ];
    for (const [body, code] of cases) {
      const res = await h.call('POST', '/events', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.errors[0].code).toBe(code);
    }
    expect(h.sim.events('ws1')).toHaveLength(0);
  });

  it('dedupes on (contact, normalised name, created_at): still 202, stored once, duplicates counted', async () => {
    h = await startIntercom();
    h.sim.seedContacts('ws1', [{ externalId: 'u-1' }]);
    const send = (name: string, createdAt = CREATED_AT) =>
      h.call('POST', '/events', { body: { event_name: name, created_at: createdAt, user_id: 'u-1' } });

    expect((await send('Completed.Order')).status).toBe(202);
    expect((await send('completed-order')).status).toBe(202);
    expect((await send('COMPLETED$ORDER')).status).toBe(202);
    expect((await send('completed-order', CREATED_AT + 1)).status).toBe(202);

    expect(h.sim.events('ws1').map((e) => [e.eventName, e.createdAt])).toEqual([
      ['completed-order', CREATED_AT],
      ['completed-order', CREATED_AT + 1],
    ]);
    expect(h.sim.events('ws1')[0]!.sentName).toBe('Completed.Order');
    expect(h.sim.duplicateEventCount('ws1')).toBe(2);
    expect(h.sim.activeEventNames('ws1')).toEqual(['completed-order']);
    // Duplicates still count against the rate limit.
    expect(h.sim.rateLimitStats('ws1').calls).toBe(4);
  });

  it('keeps only the first 10 metadata keys in sent order and records nested values', async () => {
    h = await startIntercom();
    h.sim.seedContacts('ws1', [{ externalId: 'u-1' }]);
    const metadata: Record<string, unknown> = {};
    for (let i = 1; i <= 12; i++) metadata[`key_${i}`] = i;
    metadata.key_2 = { nested: true };
    metadata.key_3 = { url: 'https://acme.io/o/1', value: 'Order 1' };
    metadata.key_4 = { amount: 1999, currency: 'eur' };

    const res = await h.call('POST', '/events', {
      body: { event_name: 'ordered', created_at: CREATED_AT, user_id: 'u-1', metadata },
    });
    expect(res.status).toBe(202);
    const [event] = h.sim.events('ws1');
    expect(Object.keys(event!.metadata)).toEqual(Array.from({ length: 10 }, (_, i) => `key_${i + 1}`));
    expect(event!.droppedMetadataKeys).toEqual(['key_11', 'key_12']);
    expect(event!.nestedMetadataKeys).toEqual(['key_2']);
  });

  it('422 with the observed {code, message} body once the workspace has the limit of active event names', async () => {
    h = await startIntercom({ eventTypeLimit: 3 });
    h.sim.seedContacts('ws1', [{ externalId: 'u-1' }]);
    const send = (name: string) =>
      h.call('POST', '/events', { body: { event_name: name, created_at: CREATED_AT, user_id: 'u-1' } });
    for (const name of ['a', 'b', 'c']) expect((await send(name)).status).toBe(202);

    const rejected = await send('d');
    expect(rejected.status).toBe(422);
    expect(rejected.json).toEqual({ code: '422', message: 'Cannot have more than 3 active event names' });

    // Names already active keep working.
    expect(
      (await h.call('POST', '/events', { body: { event_name: 'A', created_at: CREATED_AT + 5, user_id: 'u-1' } }))
        .status,
    ).toBe(202);
    expect(h.sim.activeEventNames('ws1')).toEqual(['a', 'b', 'c']);
  });

  it('GET /events lists a contact’s last 90 days newest first, pages by URL, and summarises', async () => {
    const clock = manualClock(CREATED_AT * 1000);
    h = await startIntercom({ now: clock.now });
    h.sim.seedContacts('ws1', [{ externalId: 'u-1', email: 'ann@acme.io' }]);
    const send = (name: string, createdAt: number) =>
      h.call('POST', '/events', { body: { event_name: name, created_at: createdAt, user_id: 'u-1' } });
    await send('ancient', CREATED_AT - 91 * 86400);
    for (let i = 0; i < 3; i++) await send('viewed', CREATED_AT - 100 + i);

    const first = await h.call('GET', '/events?type=user&user_id=u-1&per_page=2');
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ type: 'event.summary', user_id: 'u-1', email: 'ann@acme.io' });
    expect(first.json.events.map((e: { created_at: number }) => e.created_at)).toEqual([
      CREATED_AT - 98,
      CREATED_AT - 99,
    ]);
    expect(first.json.events[0]).toMatchObject({ type: 'event', event_name: 'viewed', user_id: 'u-1' });

    const next = await fetch(first.json.pages.next, { headers: { Authorization: `Bearer ${h.token}` } });
    const page2 = (await next.json()) as { events: { created_at: number }[]; pages: { next?: string } };
    expect(page2.events.map((e) => e.created_at)).toEqual([CREATED_AT - 100]);
    expect(page2.pages.next).toBeUndefined();

    const summary = await h.call('GET', '/events?type=user&email=ann@acme.io&summary=true');
    expect(summary.json.events).toEqual([expect.objectContaining({ name: 'viewed', count: 3 })]);
    expect((await h.call('GET', '/events?type=user&user_id=ghost')).status).toBe(404);
  });
});
