import { afterEach, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import {
  ALL_WEBHOOK_TOPICS,
  buildContact,
  createIntercomSimulator,
  itemForTopic,
  type IntercomSimulator,
} from '../../../testkit/simulators/intercom';
import { startIntercom, startReceiver } from './helpers';

/** Intercom's documented signature, computed here: neither the simulator's signer nor the service's verifier. */
const hubSignature = (raw: Buffer, secret: string) => `sha1=${createHmac('sha1', secret).update(raw).digest('hex')}`;

let sim: IntercomSimulator | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  while (cleanups.length) await cleanups.pop()!();
});

async function receiver(answer: { status?: number; delayMs?: number } = {}) {
  const r = await startReceiver(answer);
  cleanups.push(r.close);
  return r;
}

const SECRET = 'sim-client-secret';

describe('Intercom simulator: webhook delivery', () => {
  it('POSTs the notification_event envelope signed with X-Hub-Signature over the raw body', async () => {
    sim = createIntercomSimulator();
    const target = await receiver();
    const item = itemForTopic('contact.user.created', {
      appId: 'ws1',
      contact: { externalId: 'u-1', email: 'ann@acme.io' },
    });
    const delivery = await sim.deliverWebhook(`${target.url}/webhooks/intercom`, {
      appId: 'ws1',
      topic: 'contact.user.created',
      item,
    });

    expect(delivery.status).toBe(200);
    expect(delivery.timedOut).toBe(false);
    const [request] = target.received;
    expect(request).toMatchObject({ method: 'POST', path: '/webhooks/intercom' });
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['user-agent']).toBe('intercom-parrot-service-client/1.0');
    expect(request!.raw.toString()).toBe(delivery.rawBody);
    expect(request!.headers['x-hub-signature']).toBe(hubSignature(request!.raw, SECRET));
    expect(request!.headers['x-hub-signature']).not.toBe(hubSignature(request!.raw, 'other-secret'));

    const envelope = JSON.parse(request!.raw.toString());
    expect(Object.keys(envelope)).toEqual([
      'type',
      'app_id',
      'data',
      'links',
      'id',
      'topic',
      'delivery_status',
      'delivery_attempts',
      'delivered_at',
      'first_sent_at',
      'created_at',
      'self',
    ]);
    expect(envelope).toMatchObject({
      type: 'notification_event',
      app_id: 'ws1',
      id: expect.stringMatching(/^notif_[0-9a-f-]{36}$/),
      topic: 'contact.user.created',
      delivery_status: 'pending',
      delivery_attempts: 1,
      delivered_at: 0,
      links: {},
      self: null,
      data: {
        type: 'notification_event_data',
        item: { type: 'contact', role: 'user', external_id: 'u-1', email: 'ann@acme.io' },
      },
    });
    expect(envelope.first_sent_at).toBe(envelope.created_at);
  });

  it('redeliver repeats the notification id with one more attempt; ping has a null id; HEAD checks the URL', async () => {
    sim = createIntercomSimulator();
    const target = await receiver();
    const first = await sim.deliverWebhook(target.url, {
      appId: 'ws1',
      topic: 'event.created',
      item: itemForTopic('event.created', { appId: 'ws1' }),
      createdAt: 1768392000,
    });
    const again = await sim.redeliver(first);
    expect(again.notification).toMatchObject({
      id: first.notification.id,
      delivery_attempts: 2,
      created_at: 1768392000,
    });
    expect(again.notification.first_sent_at).toBe(first.notification.first_sent_at);
    expect(target.received[1]!.headers['x-hub-signature']).toBe(hubSignature(target.received[1]!.raw, SECRET));

    const ping = await sim.sendPing(target.url, 'ws1');
    expect(JSON.parse(ping.rawBody)).toMatchObject({
      id: null,
      topic: 'ping',
      delivery_status: null,
      data: { item: { type: 'ping' } },
    });

    const head = await sim.headCheck(target.url);
    expect(head.status).toBe(200);
    expect(target.received.at(-1)!.method).toBe('HEAD');
  });

  it('reports a timeout when the endpoint is slower than the budget, and can send unsigned or with another secret', async () => {
    sim = createIntercomSimulator();
    const slow = await receiver({ delayMs: 400 });
    const timedOut = await sim.deliverWebhook(
      slow.url,
      { appId: 'ws1', topic: 'ping', item: { type: 'ping', message: 'hi' } },
      { timeoutMs: 100 },
    );
    expect(timedOut).toMatchObject({ status: 0, timedOut: true });
    expect(timedOut.durationMs).toBeLessThan(400);

    const fast = await receiver({ status: 500 });
    const unsigned = await sim.deliverWebhook(
      fast.url,
      { appId: 'ws1', topic: 'user.created', item: {} },
      { sign: false },
    );
    expect(unsigned.status).toBe(500);
    expect(fast.received[0]!.headers['x-hub-signature']).toBeUndefined();
    await sim.deliverWebhook(fast.url, { appId: 'ws1', topic: 'user.created', item: {} }, { secret: 'rotated' });
    expect(fast.received[1]!.headers['x-hub-signature']).toBe(hubSignature(fast.received[1]!.raw, 'rotated'));
  });

  it('fires contact and event.created webhooks for writes made through the API when webhookUrl is set', async () => {
    const target = await receiver();
    const h = await startIntercom({ webhookUrl: target.url });
    sim = h.sim;
    const contact = await h.call('POST', '/contacts', { body: { role: 'lead', email: 'lead@acme.io' } });
    await h.call('POST', '/events', {
      body: { event_name: 'Amplitude.Synced', created_at: 1768392000, id: contact.json.id },
    });
    await h.call('POST', '/events', {
      body: { event_name: 'amplitude-synced', created_at: 1768392000, id: contact.json.id },
    });
    await h.sim.flush();

    const bodies = target.received.map((r) => JSON.parse(r.raw.toString()));
    expect(bodies.map((b) => b.topic)).toEqual(['contact.lead.created', 'event.created']);
    expect(bodies[0].data.item).toMatchObject({ type: 'contact', id: contact.json.id, role: 'lead' });
    expect(bodies[1].data.item).toMatchObject({
      type: 'event',
      event_name: 'amplitude-synced',
      intercom_user_id: contact.json.id,
    });
  });
});

describe('Intercom webhook items', () => {
  it('builds an item for every topic of every group', () => {
    for (const topic of ALL_WEBHOOK_TOPICS) {
      const item = itemForTopic(topic, { appId: 'ws1', contact: { externalId: 'u-1', email: 'ann@acme.io' } }) as {
        type: string;
      };
      expect(typeof item.type, topic).toBe('string');
    }
    expect(() => itemForTopic('made.up', { appId: 'ws1' })).toThrow(/made.up/);
  });

  it('matches the captured shapes of each group', () => {
    const ctx = {
      appId: 'ws1',
      now: 1768392000,
      contact: { id: '6961d4041c1e12de4c5499cc', externalId: 'u-1', email: 'ann@acme.io' },
    };

    expect(itemForTopic('contact.user.created', ctx)).toMatchObject({
      type: 'contact',
      role: 'user',
      external_id: 'u-1',
      workspace_id: 'ws1',
      created_at: '2026-01-14T12:00:00.000+00:00',
    });
    expect(itemForTopic('contact.lead.created', ctx)).toMatchObject({ type: 'contact', role: 'lead' });
    expect(itemForTopic('contact.archived', ctx)).toEqual({
      id: ctx.contact.id,
      external_id: 'u-1',
      type: 'contact',
      archived: true,
    });
    expect(itemForTopic('contact.deleted', ctx)).toEqual({
      id: ctx.contact.id,
      external_id: 'u-1',
      type: 'contact',
      deleted: true,
    });

    const contactTag = itemForTopic('contact.user.tag.created', { ...ctx, tag: { id: '42', name: 'VIP' } }) as any;
    expect(contactTag).toMatchObject({
      type: 'contact_tag',
      created_at: 1768392000,
      tag: { type: 'tag', id: '42', name: 'VIP' },
    });
    expect(contactTag.contact).toMatchObject({
      type: 'contact',
      id: ctx.contact.id,
      tags: { data: [{ id: '42', type: 'tag' }] },
    });

    const legacyUser = itemForTopic('user.created', ctx) as any;
    expect(legacyUser).toMatchObject({
      type: 'user',
      id: ctx.contact.id,
      user_id: 'u-1',
      email: 'ann@acme.io',
      app_id: 'ws1',
    });
    expect(legacyUser).not.toHaveProperty('external_id');
    expect(itemForTopic('user.tag.created', ctx)).toMatchObject({
      type: 'user_tag',
      user: { type: 'user', user_id: 'u-1' },
    });
    expect(itemForTopic('contact.created', ctx)).toMatchObject({
      type: 'contact',
      anonymous: true,
      user_id: expect.any(String),
    });
    expect(itemForTopic('visitor.signed_up', ctx)).toMatchObject({ type: 'user', user_id: 'u-1' });

    expect(
      itemForTopic('event.created', { ...ctx, event: { eventName: 'ordered', metadata: { order_id: 7 } } }),
    ).toEqual({
      type: 'event',
      event_name: 'ordered',
      id: expect.any(String),
      intercom_user_id: ctx.contact.id,
      user_id: 'u-1',
      email: 'ann@acme.io',
      metadata: { order_id: 7 },
      created_at: 1768392000,
      ext_metadata: {},
    });

    const replied = itemForTopic('conversation.admin.replied', ctx) as any;
    expect(replied).toMatchObject({
      type: 'conversation',
      source: { author: { type: 'user', id: ctx.contact.id } },
      contacts: { type: 'contact.list', contacts: [{ type: 'contact', id: ctx.contact.id, external_id: 'u-1' }] },
      conversation_parts: { type: 'conversation_part.list', total_count: 1 },
    });
    expect(replied.conversation_parts.conversation_parts[0]).toMatchObject({
      part_type: 'comment',
      author: { type: 'admin' },
      created_at: 1768392000,
    });
    expect(itemForTopic('conversation.admin.closed', ctx)).toMatchObject({ state: 'closed', open: false });
    expect(
      (itemForTopic('conversation.admin.assigned', ctx) as any).conversation_parts.conversation_parts[0],
    ).toMatchObject({
      part_type: 'assignment',
      assigned_to: { type: 'admin' },
    });
    expect((itemForTopic('conversation.user.created', ctx) as any).conversation_parts.conversation_parts).toEqual([]);
    expect(itemForTopic('conversation.deleted', { ...ctx, conversation: { id: '123' } })).toEqual({
      type: 'conversation',
      conversation_id: '123',
    });
  });

  it('shares the contact model with the REST answers (unix dates there)', () => {
    const rest = buildContact({ workspaceId: 'ws1', id: 'c1', externalId: 'u-1', createdAt: 1768392000 });
    const hook = itemForTopic('contact.user.updated', {
      appId: 'ws1',
      contact: { id: 'c1', externalId: 'u-1', createdAt: 1768392000, updatedAt: 1768392000 },
    }) as any;
    expect(Object.keys(hook)).toEqual(Object.keys(rest));
    expect(rest.created_at).toBe(1768392000);
    expect(hook.created_at).toBe('2026-01-14T12:00:00.000+00:00');
  });
});
