import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import { amplitudeEvent, createSync, ingest, updateSettings, waitForSync } from '../../testkit/destination-flow';

/**
 * Amplitude → Intercom against the simulator, on Intercom's terms: event-type slots taken only by
 * events actually sent and released by an operator, identifies that cost nothing when nothing
 * changed, and the metadata key limit said out loud. A workspace here holds 3 active event names.
 */
describe('Intercom destination: slots, change-only identify, metadata limit', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: { INTERCOM_EVENT_TYPE_LIMIT: '3', DESTINATION_PARK_SCHEDULE: '1s', DESTINATION_PARK_MAX_AGE: '3s' },
      intercom: { eventTypeLimit: 3 },
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const callsWith = (token: string) =>
    h.intercom.requests.filter((r) => r.headers.authorization === `Bearer ${token}`).length;

  it('takes a slot only when an event is sent, shows last use and used/limit, and lets an operator release names', async () => {
    const sync = await createSync(h);
    h.intercom.seedContacts(sync.appId, [{ externalId: 'slot-user' }]);
    await updateSettings(h, sync.connectionId, {
      sendEvents: { enabled: true, eventFilter: { allEvents: true } },
      status: 'enabled',
    });

    // An event for a contact that never appears parks, then expires: it never held a slot.
    await ingest(h, sync.ingestKey, [amplitudeEvent('Ghost', { user_id: 'nobody' })]);
    await waitForSync(h, sync.connectionId, (s) => s.expired.contact_not_found === 1, 30_000);
    const afterGhost = await h.admin('GET', `/api/destinations/${sync.connectionId}/event-types`);
    expect(afterGhost.body).toEqual({ used: 0, limit: 3, eventTypes: [] });

    await ingest(
      h,
      sync.ingestKey,
      ['A', 'B', 'C', 'D'].map((name) => amplitudeEvent(name, { user_id: 'slot-user' })),
    );
    const full = await waitForSync(h, sync.connectionId, (s) => s.sent === 3 && s.skipped.event_type_limit === 1);
    expect(full.eventTypes).toEqual({ used: 3, limit: 3 });
    const registry = await h.admin('GET', `/api/destinations/${sync.connectionId}/event-types`);
    expect(registry.body.eventTypes.map((e: { name: string }) => e.name).sort()).toEqual(['a', 'b', 'c']);
    for (const entry of registry.body.eventTypes) {
      expect(entry).toMatchObject({ status: 'active', lastUsedAt: expect.any(String) });
    }

    // The operator archives "A" in Intercom, then releases it here; "D" can now be sent.
    h.intercom.archiveEventNames(sync.appId, ['a']);
    const released = await h.admin('POST', `/api/destinations/${sync.connectionId}/event-types/release`, {
      names: ['A', 'Never Seen'],
    });
    expect(released.status).toBe(200);
    expect(released.body).toEqual({ released: ['a'], unknown: ['never seen'] });
    expect((await waitForSync(h, sync.connectionId, () => true)).eventTypes).toEqual({ used: 2, limit: 3 });
    // A registry never remembers "full", so the freed slot is used at once.
    await ingest(h, sync.ingestKey, [amplitudeEvent('D', { user_id: 'slot-user' })]);
    await waitForSync(h, sync.connectionId, (s) => s.sent === 4);
    expect(h.intercom.events(sync.appId).map((e) => e.eventName)).toEqual(['a', 'b', 'c', 'd']);

    const bad = await h.admin('POST', `/api/destinations/${sync.connectionId}/event-types/release`, { names: [] });
    expect(bad.status).toBe(400);
  });

  it('calls Intercom for an identify only when a selected property or the identity changed, and counts the skips', async () => {
    const sync = await createSync(h);
    await updateSettings(h, sync.connectionId, {
      createUpdateUsers: { enabled: true, userProperties: ['plan'] },
      status: 'enabled',
    });
    const identify = (userId: string, set: Record<string, unknown>) =>
      amplitudeEvent('$identify', { user_id: userId, user_properties: { $set: set } });

    await ingest(h, sync.ingestKey, [identify('repeat-user', { plan: 'pro' })]);
    await waitForSync(h, sync.connectionId, (s) => s.counters.contacts_created === 1);
    const before = callsWith(sync.token);

    // Repeats, and changes to properties that are not selected: no Intercom call at all.
    await ingest(h, sync.ingestKey, [
      identify('repeat-user', { plan: 'pro' }),
      identify('repeat-user', { plan: 'pro', last_page: '/pricing' }),
      identify('repeat-user', { plan: 'pro' }),
    ]);
    const skipped = await waitForSync(h, sync.connectionId, (s) => s.counters.identifies_unchanged === 3);
    expect(skipped.pending).toBe(0);
    expect(callsWith(sync.token)).toBe(before);

    // A selected property changes: one update. Another user: its own contact.
    await ingest(h, sync.ingestKey, [
      identify('repeat-user', { plan: 'team' }),
      identify('other-user', { plan: 'pro' }),
    ]);
    const changed = await waitForSync(h, sync.connectionId, (s) => s.counters.identified === 3);
    expect(changed.counters).toMatchObject({ contacts_created: 2, contacts_updated: 1, identifies_unchanged: 3 });
    expect(
      h.intercom.contacts(sync.appId).find((c) => c.external_id === 'repeat-user')?.custom_attributes,
    ).toMatchObject({
      plan: 'team',
    });

    // The contact is deleted in Intercom and an event for it finds out: the next identical identify writes again.
    await updateSettings(h, sync.connectionId, { sendEvents: { enabled: true, eventFilter: { allEvents: true } } });
    const contact = h.intercom.contacts(sync.appId).find((c) => c.external_id === 'repeat-user')!;
    const deleted = await fetch(`${h.intercomUrl}/contacts/${contact.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${sync.token}` },
    });
    expect(deleted.status).toBe(200);
    await ingest(h, sync.ingestKey, [amplitudeEvent('A', { user_id: 'repeat-user' })]);
    await waitForSync(h, sync.connectionId, (s) => s.parked === 1);
    await ingest(h, sync.ingestKey, [identify('repeat-user', { plan: 'team' })]);
    const recreated = await waitForSync(h, sync.connectionId, (s) => s.counters.contacts_created === 3);
    expect(recreated.counters.identifies_unchanged).toBe(3);
  });

  it('warns when more event properties are selected than Intercom keeps, and counts the cut keys per event name', async () => {
    const sync = await createSync(h);
    h.intercom.seedContacts(sync.appId, [{ externalId: 'meta-user' }]);
    const names = Array.from({ length: 12 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    const saved = await updateSettings(h, sync.connectionId, {
      sendEvents: { enabled: true, eventFilter: { eventTypes: ['Purchased'] }, eventProperties: names },
      status: 'enabled',
    });
    expect(saved.status).toBe(200);
    expect(saved.body.settings.sendEvents.eventProperties).toEqual(names);
    expect(saved.body.warnings).toHaveLength(1);
    expect(saved.body.warnings[0]).toMatch(/12 event properties are selected, but Intercom keeps 10/);
    expect(saved.body.warnings[0]).toMatch(/"p10", "p11" will be cut/);
    const fewer = await updateSettings(h, sync.connectionId, { sendEvents: { eventProperties: names.slice(0, 10) } });
    expect(fewer.body.warnings).toEqual([]);
    await updateSettings(h, sync.connectionId, { sendEvents: { eventProperties: names } });

    const all = Object.fromEntries(names.map((n) => [n, n]));
    await ingest(h, sync.ingestKey, [
      amplitudeEvent('Purchased', { user_id: 'meta-user', event_properties: all }),
      amplitudeEvent('Purchased', { user_id: 'meta-user', event_properties: all }),
    ]);
    const status = await waitForSync(h, sync.connectionId, (s) => s.sent === 2);
    expect(status.metadataKeysCut).toEqual({ purchased: 4 });
  });
});
