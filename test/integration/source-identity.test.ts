import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemForTopic } from '../../testkit/simulators/intercom';
import { startHarness, uniqueId, type Harness } from '../support/harness';
import { eventually } from '../../testkit/eventually';
import { onboardSource, sourceStatus, waitForSource } from '../../testkit/source-flow';

/**
 * Fidelity to Amplitude's own Intercom source, against the Intercom simulator: events named as Intercom
 * sent the topic (or normalised, by choice), emails kept as sent, and one Intercom person staying one
 * Amplitude user under the email mapping (identity memory).
 */
describe('Intercom source: naming and identity', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  const webhooks = () => `${h.apiUrl}/intercom/webhooks`;
  const eventsOf = (userId: string) => h.amplitude.events.filter((e) => e.event.user_id === userId).map((e) => e.event);
  async function intercomApi(token: string, method: string, path: string, body?: unknown) {
    const response = await fetch(`${h.intercomUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'intercom-version': '2.14' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { id: string };
  }
  /** An admin-started conversation: it names the contact by id and external_id, not by email. */
  function adminConversation(appId: string, contact: { id: string; externalId: string | null }) {
    const topic = 'conversation.admin.single.created';
    const item = itemForTopic(topic, {
      appId,
      contact: { ...contact, email: null },
      conversation: { id: uniqueId('conv') },
    });
    return h.intercom.deliverWebhook(webhooks(), { appId, topic, item });
  }

  it('under the email mapping one Intercom person stays one Amplitude user, whatever the payload lacks', async () => {
    const { appId, accessToken } = h.intercom.addWorkspace({ name: 'Identity' });
    const { connectionId } = await onboardSource(h, { projectId: uniqueId('ident'), appId, identityMapping: 'email' });
    await waitForSource(h, connectionId, (s) => s.phase === 'listening');

    // The contact is created in Intercom, which sends contact.user.created with the email: case kept.
    const fay = await intercomApi(accessToken, 'POST', '/contacts', {
      role: 'user',
      external_id: 'fay-1',
      email: 'Fay@Example.com',
    });
    await eventually(() => expect(eventsOf('Fay@Example.com')).toHaveLength(1));
    expect(eventsOf('fay@example.com')).toHaveLength(0);

    // An admin-started conversation without the email, then the contact's deletion (a minimal payload):
    // both stay with Fay@Example.com instead of falling back to fay-1.
    expect((await adminConversation(appId, { id: fay.id, externalId: 'fay-1' })).status).toBe(200);
    await eventually(() => expect(eventsOf('Fay@Example.com')).toHaveLength(2));
    await intercomApi(accessToken, 'DELETE', `/contacts/${fay.id}`);
    await eventually(() => expect(eventsOf('Fay@Example.com')).toHaveLength(3));
    expect(eventsOf('Fay@Example.com').map((e) => e.event_type)).toEqual([
      '[Intercom] contact.user.created',
      '[Intercom] conversation.admin.single.created',
      '[Intercom] contact.deleted',
    ]);
    expect(eventsOf('fay-1')).toHaveLength(0);

    // A contact we never heard of: looked up once in Intercom (GET /contacts/{id}), then remembered.
    const [lou] = h.intercom.seedContacts(appId, [{ role: 'user', externalId: 'lou-1', email: 'Lou@Example.com' }]);
    await adminConversation(appId, { id: lou!.id, externalId: 'lou-1' });
    await eventually(() => expect(eventsOf('Lou@Example.com')).toHaveLength(1));
    await adminConversation(appId, { id: lou!.id, externalId: 'lou-1' });
    await eventually(() => expect(eventsOf('Lou@Example.com')).toHaveLength(2));
    const lookups = h.intercom.requests.filter((r) => r.method === 'GET' && r.path === `/contacts/${lou!.id}`);
    expect(lookups).toHaveLength(1);
    expect(lookups[0]!.headers.authorization).toMatch(/^Bearer /);

    // Intercom has no such contact (404): Amplitude's documented fallback, the user id.
    await adminConversation(appId, { id: uniqueId('gone'), externalId: 'ghost-1' });
    await eventually(() => expect(eventsOf('ghost-1')).toHaveLength(1));

    const status = await waitForSource(h, connectionId, (s) => s.delivered === 6);
    expect(status.identityResolution).toEqual({ payload: 1, memory: 3, lookup: 1, fallback: 1 });
    const metrics = await (await fetch(`${h.apiUrl}/metrics`)).text();
    expect(metrics).toContain('connector_source_identity_total');
  });

  it('names events [Intercom] <topic as sent> by default, or normalised on request (1.x user.deleted means archived)', async () => {
    const { appId } = h.intercom.addWorkspace({ name: 'Naming' });
    const { connectionId } = await onboardSource(h, { projectId: uniqueId('name'), appId, identityMapping: 'user_id' });
    await waitForSource(h, connectionId, (s) => s.phase === 'listening');
    const legacy = (topic: string, userId: string) =>
      h.intercom.deliverWebhook(webhooks(), {
        appId,
        topic,
        item: itemForTopic(topic, { appId, contact: { id: uniqueId('c'), externalId: userId } }),
      });

    await legacy('user.created', 'as-sent-1');
    await eventually(() => expect(eventsOf('as-sent-1').map((e) => e.event_type)).toEqual(['[Intercom] user.created']));

    const bad = await h.admin('PATCH', `/api/sources/${connectionId}/settings`, { eventNaming: 'lowercase' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/as_sent/);
    const good = await h.admin('PATCH', `/api/sources/${connectionId}/settings`, { eventNaming: 'normalized' });
    expect(good.status).toBe(200);
    expect(good.body.settings).toEqual({ identityMapping: 'user_id', eventNaming: 'normalized' });
    expect((await sourceStatus(h, connectionId)).settings.eventNaming).toBe('normalized');
    // A delivery already running keeps the naming it started with until it has been idle for a second.
    await new Promise((r) => setTimeout(r, 2_500));

    await legacy('user.created', 'normalized-1');
    await legacy('user.deleted', 'normalized-1');
    await eventually(() =>
      expect(
        eventsOf('normalized-1')
          .map((e) => e.event_type)
          .sort(),
      ).toEqual(['[Intercom] contact.archived', '[Intercom] contact.user.created']),
    );
    const archived = eventsOf('normalized-1').find((e) => e.event_type === '[Intercom] contact.archived')!;
    expect(archived.event_properties).toMatchObject({ intercom_topic: 'user.deleted' });
  });
});
