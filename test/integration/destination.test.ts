import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client';
import { startHarness, type Harness } from '../support/harness';
import { eventually } from '../../testkit/eventually';
import { amplitudeEvent, createSync, ingest, updateSettings, waitForSync } from '../../testkit/destination-flow';

const sendPurchases = {
  sendEvents: { enabled: true, eventFilter: { eventTypes: ['Purchased'] }, eventProperties: ['plan', 'amount'] },
  status: 'enabled',
};

/** Amplitude → Intercom event streaming on real Temporal + Postgres + the simulators. */
describe('Intercom destination sync', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { DESTINATION_PARK_SCHEDULE: '1s,2s', DESTINATION_PARK_MAX_AGE: '8s' } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('settles a poison row as expired `internal_error` with its message, and sends the rows around it', async () => {
    const sync = await createSync(h, undefined, 'Poison row');
    h.intercom.seedContacts(sync.appId, [{ externalId: 'poison-a' }, { externalId: 'poison-b' }]);
    await updateSettings(h, sync.connectionId, {
      sendEvents: { enabled: true, eventFilter: { allEvents: true }, eventProperties: [] },
      status: 'enabled',
    });
    await waitForSync(h, sync.connectionId, (s) => s.status === 'Enabled');
    // A row no endpoint would store (its payload is JSON null), queued before the same user's good event.
    await h.database.db.execute(
      sql`INSERT INTO destination_outbox (connection_id, insert_id, kind, payload, user_key, event_time, shard)
          SELECT id, 'poison-row', 'event', 'null'::json, 'poison-a', now(), coalesce(delivery_shard, 0)
          FROM connections WHERE id = ${sync.connectionId}`,
    );
    const events = [
      amplitudeEvent('Opened', { user_id: 'poison-a' }),
      amplitudeEvent('Opened', { user_id: 'poison-b' }),
    ];
    expect((await ingest(h, sync.ingestKey, events)).status).toBe(200);
    const status = await waitForSync(h, sync.connectionId, (s) => s.sent === 2 && s.pending === 0);
    expect(status.expired).toEqual({ internal_error: 1 });
    expect(
      h.intercom
        .events(sync.appId)
        .map((e) => e.externalId)
        .sort(),
    ).toEqual(['poison-a', 'poison-b']);
    const [poison] = await queryRows<{ status: string; reason: string; last_error: string; attempts: number }>(
      h.database.db,
      sql`SELECT status, reason, last_error, attempts FROM destination_outbox
          WHERE connection_id = ${sync.connectionId} AND insert_id = 'poison-row'`,
    );
    expect(poison).toMatchObject({ status: 'expired', reason: 'internal_error', attempts: 1 });
    expect(poison!.last_error).toMatch(/null/);
  });

  it('refuses a token Intercom does not accept, and stores nothing', async () => {
    const created = await h.admin('POST', '/api/destinations', { name: 'bad', intercomAccessToken: 'not-a-token' });
    expect(created.status).toBe(400);
    expect(created.body.error).toMatch(/did not accept the access token/);
    const [row] = await queryRows<{ n: number }>(
      h.database.db,
      sql`SELECT count(*)::int AS n FROM connections WHERE name = 'bad'`,
    );
    expect(row!.n).toBe(0);
  });

  it('sends selected events with selected properties to existing contacts only, and says why others were not sent', async () => {
    const sync = await createSync(h);
    h.intercom.seedContacts(sync.appId, [{ externalId: 'u1', email: 'u1@example.com' }]);
    const settings = await updateSettings(h, sync.connectionId, sendPurchases);
    expect(settings.status).toBe(200);
    expect(settings.body.settings.status).toBe('enabled');

    const purchase = amplitudeEvent('Purchased', {
      user_id: 'u1',
      event_properties: { plan: 'pro', amount: 42, secret_note: 'not selected' },
    });
    const accepted = await ingest(h, sync.ingestKey, [
      purchase,
      amplitudeEvent('Viewed Page', { user_id: 'u1' }),
      amplitudeEvent('Purchased', { device_id: 'device-only-1' }),
    ]);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ code: 200, events_ingested: 3 });

    const status = await waitForSync(
      h,
      sync.connectionId,
      (s) => s.sent === 1 && s.skipped.filtered_out === 1 && s.skipped.missing_identity === 1,
    );
    expect(status.status).toBe('Enabled');
    const events = h.intercom.events(sync.appId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      externalId: 'u1',
      eventName: 'purchased',
      metadata: { plan: 'pro', amount: 42 },
    });
    // Intercom's created_at is the Amplitude event's own time, in whole seconds.
    expect(events[0]!.createdAt).toBe(Math.floor(purchase.time / 1000));
  });

  it('parks events for contacts that do not exist yet and delivers them once an identify creates the contact', async () => {
    const sync = await createSync(h);
    await updateSettings(h, sync.connectionId, {
      ...sendPurchases,
      createUpdateUsers: { enabled: true, userProperties: ['plan'] },
    });
    await ingest(h, sync.ingestKey, [
      amplitudeEvent('Purchased', { user_id: 'late-user', event_properties: { plan: 'team' } }),
    ]);
    await waitForSync(h, sync.connectionId, (s) => s.parked === 1);
    expect(h.intercom.events(sync.appId)).toHaveLength(0);

    await ingest(h, sync.ingestKey, [
      amplitudeEvent('$identify', { user_id: 'late-user', user_properties: { $set: { plan: 'team' } } }),
    ]);
    const status = await waitForSync(h, sync.connectionId, (s) => s.sent === 1 && s.parked === 0);
    expect(status.counters).toMatchObject({ parked: 1, identified: 1, contacts_created: 1 });
    expect(h.intercom.contacts(sync.appId).find((c) => c.external_id === 'late-user')?.custom_attributes).toMatchObject(
      { plan: 'team' },
    );
    expect(h.intercom.events(sync.appId).map((e) => e.externalId)).toEqual(['late-user']);
  });

  it('expires parked events with a reason when the contact never appears', async () => {
    const sync = await createSync(h);
    await updateSettings(h, sync.connectionId, sendPurchases);
    await ingest(h, sync.ingestKey, [amplitudeEvent('Purchased', { user_id: 'never-there' })]);
    const status = await waitForSync(h, sync.connectionId, (s) => s.expired.contact_not_found === 1, 40_000);
    expect(status.parked).toBe(0);
    expect(h.intercom.events(sync.appId)).toHaveLength(0);
  });

  it('maps by email from a chosen user property, sending to the contact found by email', async () => {
    const sync = await createSync(h);
    const [contact] = h.intercom.seedContacts(sync.appId, [
      { externalId: null, email: 'grace@example.com', role: 'lead' },
    ]);
    await updateSettings(h, sync.connectionId, {
      ...sendPurchases,
      mapping: { intercomUser: 'email', from: { kind: 'user_property', name: 'Email' } },
    });
    await ingest(h, sync.ingestKey, [
      amplitudeEvent('Purchased', { user_id: 'amp-1', user_properties: { Email: '  Grace@Example.COM ' } }),
    ]);
    await waitForSync(h, sync.connectionId, (s) => s.sent === 1);
    expect(h.intercom.events(sync.appId).map((e) => e.contactId)).toEqual([contact!.id]);
  });

  it("enforces Intercom's metadata key limit and counts what was cut", async () => {
    const sync = await createSync(h);
    h.intercom.seedContacts(sync.appId, [{ externalId: 'meta-user' }]);
    const names = Array.from({ length: 12 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    await updateSettings(h, sync.connectionId, {
      ...sendPurchases,
      sendEvents: { ...sendPurchases.sendEvents, eventProperties: names },
    });
    await ingest(h, sync.ingestKey, [
      amplitudeEvent('Purchased', {
        user_id: 'meta-user',
        event_properties: Object.fromEntries(names.map((n) => [n, n])),
      }),
    ]);
    const status = await waitForSync(h, sync.connectionId, (s) => s.sent === 1);
    expect(status.counters.metadata_keys_cut).toBe(2);
    expect(Object.keys(h.intercom.events(sync.appId)[0]!.metadata)).toEqual(names.slice(0, 10));
  });

  it('keeps a workspace within 120 event types: new names past the limit are skipped and counted, not retried', async () => {
    const sync = await createSync(h);
    h.intercom.seedContacts(sync.appId, [{ externalId: 'many' }]);
    await updateSettings(h, sync.connectionId, {
      sendEvents: { enabled: true, eventFilter: { allEvents: true } },
      status: 'enabled',
    });
    const events = Array.from({ length: 125 }, (_, i) => amplitudeEvent(`Event ${i}`, { user_id: 'many' }));
    expect((await ingest(h, sync.ingestKey, events)).status).toBe(200);
    const status = await waitForSync(
      h,
      sync.connectionId,
      (s) => s.sent + (s.skipped.event_type_limit ?? 0) === 125,
      60_000,
    );
    expect(status.sent).toBe(120);
    expect(status.skipped.event_type_limit).toBe(5);
    expect(h.intercom.activeEventNames(sync.appId)).toHaveLength(120);
    // A known name still goes through after the limit is reached.
    await ingest(h, sync.ingestKey, [amplitudeEvent('Event 3', { user_id: 'many' })]);
    await waitForSync(h, sync.connectionId, (s) => s.sent === 121);
  });

  it('treats a 409 "already exists" from a lagging search as found and updates that contact', async () => {
    const sync = await createSync(h);
    await updateSettings(h, sync.connectionId, {
      createUpdateUsers: { enabled: true, userProperties: ['tier'] },
      status: 'enabled',
    });
    h.intercom.setSearchLag(60_000);
    try {
      // Created in Intercom a moment ago (by someone else): invisible to search for a while.
      const created = await fetch(`${h.intercomUrl}/contacts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sync.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'user', external_id: 'racer' }),
      });
      expect(created.status).toBe(200);
      await ingest(h, sync.ingestKey, [
        amplitudeEvent('$identify', { user_id: 'racer', user_properties: { $set: { tier: 'gold' } } }),
      ]);
      const status = await waitForSync(h, sync.connectionId, (s) => s.counters.identified === 1);
      expect(status.counters.conflicts_resolved).toBe(1);
      const racers = h.intercom.contacts(sync.appId).filter((c) => c.external_id === 'racer');
      expect(racers).toHaveLength(1);
      expect(racers[0]!.custom_attributes).toMatchObject({ tier: 'gold' });
    } finally {
      h.intercom.setSearchLag(0);
    }
  });

  it('drains a rate-limit storm without losing an event', async () => {
    const sync = await createSync(h);
    h.intercom.seedContacts(sync.appId, [{ externalId: 'storm' }]);
    await updateSettings(h, sync.connectionId, sendPurchases);
    h.intercom.setRateLimit(300); // 50 calls per 10 s window
    try {
      const events = Array.from({ length: 80 }, () => amplitudeEvent('Purchased', { user_id: 'storm' }));
      await ingest(h, sync.ingestKey, events);
      const status = await waitForSync(h, sync.connectionId, (s) => s.sent === 80, 60_000);
      expect(status.expired).toEqual({});
      expect(h.intercom.events(sync.appId)).toHaveLength(80);
      // The shared budget slows down before Intercom's limit: 429s stay rare (each would only delay a row).
      expect(h.intercom.rateLimitStats(sync.appId).limited).toBeLessThanOrEqual(5);
    } finally {
      h.intercom.setRateLimit(10_000);
    }
  });

  it('disabled sends nothing and keeps nothing queued; enabling again sends only what comes after', async () => {
    const sync = await createSync(h);
    h.intercom.seedContacts(sync.appId, [{ externalId: 'cycle' }]);
    await updateSettings(h, sync.connectionId, sendPurchases);
    await ingest(h, sync.ingestKey, [amplitudeEvent('Purchased', { user_id: 'cycle' })]);
    await waitForSync(h, sync.connectionId, (s) => s.sent === 1);

    // A parked event is waiting when the sync is disabled: it is recorded as skipped, not kept.
    await ingest(h, sync.ingestKey, [amplitudeEvent('Purchased', { user_id: 'not-yet' })]);
    await waitForSync(h, sync.connectionId, (s) => s.parked === 1);
    expect((await updateSettings(h, sync.connectionId, { status: 'disabled' })).status).toBe(200);
    await waitForSync(
      h,
      sync.connectionId,
      (s) => s.status === 'Disabled' && s.pending === 0 && s.skipped.sync_disabled === 1,
    );

    const whileDisabled = await ingest(h, sync.ingestKey, [amplitudeEvent('Purchased', { user_id: 'cycle' })]);
    expect(whileDisabled.status).toBe(200);
    await waitForSync(h, sync.connectionId, (s) => s.skipped.sync_disabled === 2);

    await updateSettings(h, sync.connectionId, { status: 'enabled' });
    await waitForSync(h, sync.connectionId, (s) => s.status === 'Enabled');
    await ingest(h, sync.ingestKey, [amplitudeEvent('Purchased', { user_id: 'cycle' })]);
    await waitForSync(h, sync.connectionId, (s) => s.sent === 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(h.intercom.events(sync.appId)).toHaveLength(2);
  });

  it('accepts the Batch and Identify request formats and answers as Amplitude does', async () => {
    const sync = await createSync(h);
    h.intercom.seedContacts(sync.appId, [{ externalId: 'batch-user' }]);
    await updateSettings(h, sync.connectionId, {
      ...sendPurchases,
      createUpdateUsers: { enabled: true, userProperties: ['team'] },
    });

    const batch = await fetch(`${h.apiUrl}/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        api_key: sync.ingestKey,
        events: [amplitudeEvent('Purchased', { user_id: 'batch-user' })],
      }),
    });
    expect(batch.status).toBe(200);
    expect(await batch.json()).toMatchObject({ code: 200, events_ingested: 1 });

    const form = new URLSearchParams({
      api_key: sync.ingestKey,
      identification: JSON.stringify({ user_id: 'batch-user', user_properties: { $set: { team: 'blue' } } }),
    });
    const identify = await fetch(`${h.apiUrl}/identify`, { method: 'POST', body: form });
    expect(identify.status).toBe(200);
    expect(await identify.text()).toBe('success');

    const wrongKey = await fetch(`${h.apiUrl}/identify`, {
      method: 'POST',
      body: new URLSearchParams({ api_key: 'nope', identification: '{}' }),
    });
    expect(wrongKey.status).toBe(400);
    expect(await wrongKey.json()).toMatchObject({ code: 400 });

    const status = await waitForSync(h, sync.connectionId, (s) => s.sent === 1 && s.counters.identified === 1);
    expect(status.counters.contacts_updated).toBe(1);
    expect(
      h.intercom.contacts(sync.appId).find((c) => c.external_id === 'batch-user')?.custom_attributes,
    ).toMatchObject({ team: 'blue' });
  });

  it("accepts Amplitude's webhook streaming (Export-format events, one per request, key in a header)", async () => {
    const sync = await createSync(h);
    h.intercom.seedContacts(sync.appId, [{ externalId: 'streamed-user' }]);
    await updateSettings(h, sync.connectionId, sendPurchases);
    const post = (body: unknown, key = sync.ingestKey) =>
      fetch(`${h.apiUrl}/amplitude/webhook`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Amplitude/Webhook/1.0',
          authorization: `Bearer ${key}`,
        },
        body: JSON.stringify(body),
      });
    const event = {
      event_type: 'Purchased',
      user_id: 'streamed-user',
      event_time: '2026-11-20 10:00:00.123',
      $insert_id: 'export-insert-1',
      event_properties: { plan: 'pro' },
    };
    expect((await post(event)).status).toBe(200);
    expect((await post(event)).status).toBe(200); // Amplitude retries: one row
    expect((await post(event, 'wrong-key')).status).toBe(401);
    const bad = await post({ event_type: 'Purchased' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'user_id or device_id is required' });
    await waitForSync(h, sync.connectionId, (s) => s.sent === 1);
    expect(h.intercom.events(sync.appId)).toMatchObject([
      {
        externalId: 'streamed-user',
        createdAt: Math.floor(Date.UTC(2026, 10, 20, 10, 0, 0) / 1000),
        metadata: { plan: 'pro' },
      },
    ]);
  });

  it('rejects invalid settings with a readable reason and keeps the old ones', async () => {
    const sync = await createSync(h);
    const bad = await updateSettings(h, sync.connectionId, {
      sendEvents: { eventFilter: { eventTypes: ['_all'] } },
      status: 'sometimes',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/status/);
    const status = await waitForSync(h, sync.connectionId, () => true);
    expect(status.settings.status).toBe('disabled');
  });
});
