import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client';
import { itemForTopic } from '../../testkit/simulators/intercom';
import { startHarness, uniqueId, type Harness } from '../support/harness';
import { eventually } from '../../testkit/eventually';
import { findSecrets, workflowHistories } from '../../testkit/secret-scan';
import { onboardSource, waitForSource } from '../../testkit/source-flow';

/** Delivery guarantees of a connected source: answers, duplicates, Amplitude's failures, restarts, histories. */
describe('Intercom source delivery', () => {
  let h: Harness;
  let appId: string;
  let connectionId: string;
  let workflowId: string;
  let seq = 0;

  beforeAll(async () => {
    h = await startHarness();
    appId = h.intercom.addWorkspace({ name: 'Delivery' }).appId;
    const onboarded = await onboardSource(h, {
      projectId: uniqueId('p'),
      appId,
      identityMapping: 'user_id',
      amplitudeApiKey: 'amp-key-delivery-1234',
    });
    expect(onboarded.callbackStatus).toBe(200);
    connectionId = onboarded.connectionId;
    workflowId = onboarded.workflowId;
    await waitForSource(h, connectionId, (s) => s.phase === 'listening');
  });
  afterAll(async () => {
    await h?.stop();
  });

  const url = () => `${h.apiUrl}/intercom/webhooks`;
  function contactCreated(externalId = `u-${++seq}`) {
    return {
      appId,
      topic: 'contact.user.created',
      item: itemForTopic('contact.user.created', { appId, contact: { id: uniqueId('c'), externalId, email: null } }),
    };
  }
  async function inboxRows(): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      h.database.db,
      sql`SELECT count(*)::int AS n FROM source_inbox WHERE connection_id = ${connectionId}`,
    );
    return row!.n;
  }
  const deliveredTo = (userId: string) => h.amplitude.events.filter((e) => e.event.user_id === userId).length;

  it('answers each kind of request deliberately and stores only verified notifications', async () => {
    const before = await inboxRows();
    expect((await h.intercom.headCheck(url())).status).toBe(200);
    expect((await h.intercom.sendPing(url(), appId)).status).toBe(200);

    const unsigned = await h.intercom.deliverWebhook(url(), contactCreated(), { sign: false });
    expect(unsigned.status).toBe(401);
    const wrongSecret = await h.intercom.deliverWebhook(url(), contactCreated(), { secret: 'not-our-secret' });
    expect(wrongSecret.status).toBe(401);

    const garbage = Buffer.from('{"type":"notification_event",');
    const signature = `sha1=${createHmac('sha1', h.intercom.clientSecret).update(garbage).digest('hex')}`;
    const malformed = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature': signature },
      body: garbage,
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toMatch(/not valid JSON/);

    const noTopic = Buffer.from(
      JSON.stringify({ type: 'notification_event', app_id: appId, id: 'notif_1', created_at: 1, data: { item: {} } }),
    );
    const noTopicSig = `sha1=${createHmac('sha1', h.intercom.clientSecret).update(noTopic).digest('hex')}`;
    const invalid = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature': noTopicSig },
      body: noTopic,
    });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: string }).error).toMatch(/topic is required/);

    const unknownApp = await h.intercom.deliverWebhook(url(), { ...contactCreated(), appId: 'unknown-app' });
    expect(unknownApp.status).toBe(200);
    expect(await inboxRows()).toBe(before);
  });

  it('stores and delivers a notification once, however often Intercom delivers it', async () => {
    const first = await h.intercom.deliverWebhook(url(), contactCreated('dup-user'));
    expect(first.status).toBe(200);
    const rowsAfterFirst = await inboxRows();
    const second = await h.intercom.redeliver(first);
    const third = await h.intercom.redeliver(second);
    expect([second.status, third.status]).toEqual([200, 200]);
    expect(await inboxRows()).toBe(rowsAfterFirst);
    await eventually(() => expect(deliveredTo('dup-user')).toBe(1));
    const insertId = h.amplitude.events.find((e) => e.event.user_id === 'dup-user')!.event.insert_id!;
    expect(h.amplitude.deliveriesOf(insertId)).toBe(1);
  });

  it('retries through Amplitude outages and relies on insert_id when Amplitude failed after ingesting', async () => {
    h.amplitude.faults.failNext(2, 503, { path: '/2/httpapi' });
    expect((await h.intercom.deliverWebhook(url(), contactCreated('after-503'))).status).toBe(200);
    await eventually(() => expect(deliveredTo('after-503')).toBe(1), { timeoutMs: 30_000 });

    h.amplitude.ingestThenFail(1, 500);
    expect((await h.intercom.deliverWebhook(url(), contactCreated('after-500'))).status).toBe(200);
    await eventually(() => expect(deliveredTo('after-500')).toBe(1), { timeoutMs: 30_000 });
    const insertId = h.amplitude.events.find((e) => e.event.user_id === 'after-500')!.event.insert_id!;
    // Our retry sends it again; Amplitude keeps one copy.
    await eventually(() => expect(h.amplitude.deliveriesOf(insertId)).toBe(2), { timeoutMs: 30_000 });
    expect(deliveredTo('after-500')).toBe(1);
    await eventually(async () => {
      const [r] = await queryRows<{ status: string }>(
        h.database.db,
        sql`SELECT status FROM source_inbox WHERE connection_id = ${connectionId} AND payload->'data'->'item'->>'external_id' = 'after-500'`,
      );
      expect(r?.status).toBe('delivered');
    });
  });

  it('drops only the events Amplitude rejects, with the reason, and delivers the rest', async () => {
    // A user_id Amplitude refuses (reserved placeholder after trimming is ours to catch; an over-long one is Amplitude's).
    const tooLong = 'x'.repeat(1100);
    await h.intercom.deliverWebhook(url(), contactCreated(tooLong));
    await h.intercom.deliverWebhook(url(), contactCreated('kept-user'));
    const status = await waitForSource(h, connectionId, (s) =>
      Object.keys(s.dropped).some((r) => r.startsWith('amplitude_')),
    );
    expect(Object.keys(status.dropped).find((r) => r.startsWith('amplitude_'))).toMatch(/user_id/);
    await eventually(() => expect(deliveredTo('kept-user')).toBe(1));
  });

  it('counts events with neither email nor user id as dropped', async () => {
    await h.intercom.deliverWebhook(url(), contactCreated(''));
    const status = await waitForSource(h, connectionId, (s) => (s.dropped.no_identity ?? 0) >= 1);
    expect(status.dropped.no_identity).toBe(1);
  });

  it('loses nothing when the worker restarts mid-stream', async () => {
    const users = Array.from({ length: 60 }, (_, i) => `restart-${i}`);
    const sending = (async () => {
      for (const user of users) expect((await h.intercom.deliverWebhook(url(), contactCreated(user))).status).toBe(200);
    })();
    await new Promise((r) => setTimeout(r, 150));
    await h.restartWorker();
    await sending;
    await eventually(() => expect(users.filter((u) => deliveredTo(u) === 1)).toHaveLength(users.length), {
      timeoutMs: 60_000,
    });
    for (const user of users) expect(deliveredTo(user)).toBe(1);
  });

  it('continues as new when the history grows, carrying its counters', async () => {
    const firstRun = (await h.client.workflow.getHandle(workflowId).describe()).runId;
    const before = await waitForSource(h, connectionId, () => true);
    // The test server suggests continue-as-new at 400 history events (test/global-setup.ts). A busy
    // delivery lingers, so events alone grow the history slowly: pause/resume cycles make it grow.
    for (let i = 0; i < 40; i += 1) {
      await h.intercom.deliverWebhook(url(), contactCreated(`can-${i}`));
      await eventually(() => expect(deliveredTo(`can-${i}`)).toBe(1), { intervalMs: 20 });
      expect((await h.admin('POST', `/api/connections/${connectionId}/pause`)).status).toBe(202);
      expect((await h.admin('POST', `/api/connections/${connectionId}/resume`)).status).toBe(202);
    }
    // A run that reached the suggestion continues as new at its next step: give it that step.
    const description = await eventually(async () => {
      const d = await h.client.workflow.getHandle(workflowId).describe();
      expect(d.historyLength).toBeLessThan(400);
      return d;
    });
    expect(description.runId).not.toBe(firstRun);
    const after = await waitForSource(h, connectionId, (s) => s.delivered === before.delivered + 40);
    expect(after.phase).toBe('streaming');
    expect(after.dropped).toEqual(before.dropped);
  });

  it('keeps secrets out of every workflow history (payloads decoded)', async () => {
    const token = await h.api.connections.repository.readSecret(connectionId, 'intercom_access_token');
    const amplitudeKey = await h.api.connections.repository.readSecret(connectionId, 'amplitude_api_key');
    expect(token).toBeTruthy();
    expect(amplitudeKey).toBe('amp-key-delivery-1234');
    // Every workflow on this file's task queue, whatever its type or id.
    const histories = await workflowHistories(h.client, `TaskQueue = '${h.taskQueue}'`);
    expect(histories.length).toBeGreaterThan(0);
    expect(findSecrets(histories, { connectionId }).length).toBeGreaterThan(0); // the scan reads payloads
    expect(
      findSecrets(histories, { token: token!, amplitudeKey: amplitudeKey!, clientSecret: h.intercom.clientSecret }),
    ).toEqual([]);
  });
});
