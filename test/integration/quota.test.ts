import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client';
import { retention } from '../../workflows/retention';
import { ConnectionStatusKey } from '../../workflows/search-attributes';
import { itemForTopic } from '../../testkit/simulators/intercom';
import { eventually } from '../../testkit/eventually';
import { onboardSource, waitForSource } from '../../testkit/source-flow';
import { amplitudeEvent, createSync, ingest, updateSettings, waitForSync } from '../../testkit/destination-flow';
import { runCli } from '../support/run-cli';
import { startHarness, uniqueId, type Harness } from '../support/harness';

/**
 * Broken connections reach a visible Error state and cannot fill the database: a revoked Amplitude key puts a
 * source in Error (status, search attribute, metric), it keeps storing webhooks only up to its storage quota
 * (past it: 200 to Intercom, counted dropped `quota`), and a replaced key resumes it. A sync over its quota
 * answers ingestion with Amplitude's 429. Pending rows expire after DELIVERY_MAX_PENDING_AGE, held ones too.
 */
const QUOTA = 3;

describe('Error state, storage quota and pending age', () => {
  let h: Harness;
  const cli = (args: string[]) => runCli({ CONNECTOR_API_URL: h.apiUrl, ADMIN_TOKEN: h.adminToken }, args);

  beforeAll(async () => {
    h = await startHarness({
      env: {
        CONNECTION_MAX_PENDING_ROWS: String(QUOTA),
        // Recounted on demand in the tests (h.api.quota.recount()), never behind their back.
        CONNECTION_QUOTA_CHECK_INTERVAL: '1h',
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const contactCreated = (appId: string, externalId: string) =>
    h.intercom.deliverWebhook(`${h.apiUrl}/intercom/webhooks`, {
      appId,
      topic: 'contact.user.created',
      item: itemForTopic('contact.user.created', { appId, contact: { id: uniqueId('c'), externalId } }),
    });
  const metrics = async () => (await fetch(`${h.apiUrl}/metrics`)).text();
  const metricValue = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.split(' ')[1]) : 0;
  };
  const pendingRows = async (table: 'source_inbox' | 'destination_outbox', connectionId: string) => {
    const [row] = await queryRows<{ n: number }>(
      h.database.db,
      sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)} WHERE connection_id = ${connectionId} AND status = 'pending'`,
    );
    return row!.n;
  };

  it('a revoked Amplitude key: Error everywhere, webhooks stored up to the quota then dropped `quota`, resumed by a key replaced with the CLI', async () => {
    const { appId } = h.intercom.addWorkspace({ name: 'Revoked key' });
    const oldKey = `amp-old-${uniqueId('k')}`;
    const { connectionId, workflowId } = await onboardSource(h, {
      projectId: uniqueId('revoked'),
      appId,
      identityMapping: 'user_id',
      amplitudeApiKey: oldKey,
    });
    await waitForSource(h, connectionId, (s) => s.phase === 'listening');
    expect((await contactCreated(appId, 'before-revoke')).status).toBe(200);
    await waitForSource(h, connectionId, (s) => s.status === 'Connected' && s.delivered === 1);

    // Amplitude revokes the key: the next upload is refused and the source goes to Error.
    h.amplitude.revokeApiKey(oldKey);
    expect((await contactCreated(appId, 'held-1')).status).toBe(200);
    const errored = await waitForSource(h, connectionId, (s) => s.status === 'Error');
    expect(errored.error).toMatchObject({ reason: 'amplitude_key_rejected' });
    await eventually(async () =>
      expect(
        (await h.client.workflow.getHandle(workflowId).describe()).typedSearchAttributes.get(ConnectionStatusKey),
      ).toBe('Error'),
    );
    // Counted from Postgres at most once a second (a scrape within a second of the last one shares its counts).
    await eventually(async () =>
      expect(
        metricValue(await metrics(), 'connector_connections{kind="intercom_source",status="Error"}'),
      ).toBeGreaterThanOrEqual(1),
    );

    // While in Error, webhooks are kept up to the quota; past it Intercom still hears 200 and the drop is counted.
    const before = metricValue(await metrics(), 'connector_events_dropped_total{direction="source",reason="quota"}');
    const answers: number[] = [];
    for (const externalId of ['held-2', 'held-3', 'over-1', 'over-2', 'over-3']) {
      await h.api.quota.recount();
      answers.push((await contactCreated(appId, externalId)).status);
    }
    expect(answers).toEqual([200, 200, 200, 200, 200]);
    expect(await pendingRows('source_inbox', connectionId)).toBe(QUOTA);
    const full = await waitForSource(h, connectionId, (s) => s.dropped?.quota === 3);
    expect(full).toMatchObject({ status: 'Error', pending: QUOTA, delivered: 1 });
    const text = await metrics();
    expect(metricValue(text, 'connector_events_dropped_total{direction="source",reason="quota"}') - before).toBe(3);
    expect(metricValue(text, 'intercom_webhooks_total{outcome="quota"}')).toBeGreaterThanOrEqual(3);

    // The operator replaces the key with the CLI: the held rows go, the source is Connected, and it stores again.
    const newKey = `amp-new-${uniqueId('k')}`;
    const replaced = await cli(['replace-amplitude-key', connectionId, '--amplitude-api-key', newKey]);
    expect(replaced.code, replaced.stderr).toBe(0);
    await waitForSource(
      h,
      connectionId,
      (s) => s.status === 'Connected' && s.delivered === 1 + QUOTA && s.pending === 0,
    );
    expect(
      h.amplitude.events
        .filter((e) => e.apiKey === newKey)
        .map((e) => e.event.user_id)
        .sort(),
    ).toEqual(['held-1', 'held-2', 'held-3']);
    await h.api.quota.recount();
    expect((await contactCreated(appId, 'after-fix')).status).toBe(200);
    await waitForSource(h, connectionId, (s) => s.delivered === 2 + QUOTA);
    expect((await waitForSource(h, connectionId, () => true)).dropped.quota).toBe(3);
  });

  it("answers ingestion for a sync over its quota with Amplitude's 429 on every endpoint, storing nothing", async () => {
    const sync = await createSync(h, undefined, 'Quota sync');
    h.intercom.seedContacts(
      sync.appId,
      Array.from({ length: QUOTA + 1 }, (_, i) => ({ externalId: `quota-user-${i}` })),
    );
    await updateSettings(h, sync.connectionId, {
      sendEvents: { enabled: true, eventFilter: { allEvents: true }, eventProperties: [] },
      status: 'enabled',
    });
    await waitForSync(h, sync.connectionId, (s) => s.status === 'Enabled');
    expect((await h.admin('POST', `/api/connections/${sync.connectionId}/pause`)).status).toBe(202);
    await waitForSync(h, sync.connectionId, (s) => s.status === 'Paused');

    const events = Array.from({ length: QUOTA }, (_, i) => amplitudeEvent('Held', { user_id: `quota-user-${i}` }));
    expect((await ingest(h, sync.ingestKey, events)).status).toBe(200);
    await h.api.quota.recount();

    const httpapi = await ingest(h, sync.ingestKey, [amplitudeEvent('Over', { user_id: 'quota-user-3' })]);
    expect(httpapi.status).toBe(429);
    expect(httpapi.body).toMatchObject({ code: 429, throttled_events: [] });
    const batch = await fetch(`${h.apiUrl}/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: sync.ingestKey, events: [amplitudeEvent('Over', { user_id: 'quota-user-3' })] }),
    });
    expect(batch.status).toBe(429);
    expect(Number(batch.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await batch.json()).toMatchObject({ code: 429 });
    const identify = await fetch(`${h.apiUrl}/identify`, {
      method: 'POST',
      body: new URLSearchParams({
        api_key: sync.ingestKey,
        identification: JSON.stringify({ user_id: 'quota-user-3', user_properties: { $set: { plan: 'pro' } } }),
      }),
    });
    expect(identify.status).toBe(429);
    expect(await identify.json()).toMatchObject({ code: 429 });
    expect(await pendingRows('destination_outbox', sync.connectionId)).toBe(QUOTA);
    expect(metricValue(await metrics(), 'amplitude_ingest_events_total{endpoint="httpapi",outcome="quota"}')).toBe(1);

    // Room again (delivery took the rows): accepted.
    expect((await h.admin('POST', `/api/connections/${sync.connectionId}/resume`)).status).toBe(202);
    await eventually(async () => expect(await pendingRows('destination_outbox', sync.connectionId)).toBe(0));
    await h.api.quota.recount();
    expect((await ingest(h, sync.ingestKey, [amplitudeEvent('Later', { user_id: 'quota-user-3' })])).status).toBe(200);
  });

  it('expires pending rows older than DELIVERY_MAX_PENDING_AGE: when claimed, and held ones at the retention run', async () => {
    const { appId } = h.intercom.addWorkspace({ name: 'Old rows' });
    const { connectionId } = await onboardSource(h, {
      projectId: uniqueId('aged'),
      appId,
      identityMapping: 'user_id',
    });
    await waitForSource(h, connectionId, (s) => s.phase === 'listening');
    const age = async (externalId: string) => {
      const updated = await queryRows<{ id: number }>(
        h.database.db,
        sql`UPDATE source_inbox SET received_at = now() - interval '8 days'
            WHERE connection_id = ${connectionId} AND status = 'pending' AND payload::text LIKE ${`%${externalId}%`}
            RETURNING id`,
      );
      expect(updated).toHaveLength(1);
    };

    // The status query says Paused as soon as the workflow has the signal; the shards see it once the workflow has
    // published it to Postgres. Rows stored before that may still be claimed, so wait for the published state.
    const pause = async () => {
      expect((await h.admin('POST', `/api/connections/${connectionId}/pause`)).status).toBe(202);
      await waitForSource(h, connectionId, (s) => s.status === 'Paused');
      await eventually(async () => {
        const [row] = await queryRows<{ delivery_state: string }>(
          h.database.db,
          sql`SELECT delivery_state FROM connections WHERE id = ${connectionId}`,
        );
        expect(row?.delivery_state).toBe('held');
      });
    };

    // Paused (held), a row ages past the 7-day default; resumed, the drain expires it instead of sending it.
    await pause();
    expect((await contactCreated(appId, 'aged-claimed')).status).toBe(200);
    await age('aged-claimed');
    expect((await h.admin('POST', `/api/connections/${connectionId}/resume`)).status).toBe(202);
    await waitForSource(h, connectionId, (s) => s.dropped?.max_age === 1 && s.pending === 0);

    // Paused again, an aged row is never claimed: the retention run expires it, counted the same way.
    await pause();
    expect((await contactCreated(appId, 'aged-held')).status).toBe(200);
    expect((await contactCreated(appId, 'fresh-held')).status).toBe(200);
    await age('aged-held');
    const result = await h.client.workflow.execute(retention, {
      taskQueue: h.taskQueue,
      workflowId: uniqueId('retention'),
      args: [{ retentionDays: 30 }],
    });
    expect(result.expiredPending.sourceRows).toBeGreaterThanOrEqual(1);
    const status = await waitForSource(h, connectionId, (s) => s.dropped?.max_age === 2);
    expect(status).toMatchObject({ status: 'Paused', pending: 1 });
    const [aged] = await queryRows<{ status: string; reason: string }>(
      h.database.db,
      sql`SELECT status, reason FROM source_inbox WHERE connection_id = ${connectionId} AND payload::text LIKE '%aged-held%'`,
    );
    expect(aged).toEqual({ status: 'dropped', reason: 'max_age' });
    expect(h.amplitude.events.map((e) => e.event.user_id)).not.toContain('aged-claimed');
  });
});
