import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { retention } from '../../workflows/retention';
import { startHarness, uniqueId, type Harness } from '../support/harness';
import { eventually } from '../../testkit/eventually';
import { onboardSource, waitForSource } from '../../testkit/source-flow';
import { amplitudeEvent, createSync, ingest, updateSettings, waitForSync } from '../../testkit/destination-flow';
import { findSecrets, workflowHistories, type ScanSource } from '../../testkit/secret-scan';

/**
 * Secrets never enter workflow histories, logs or error messages. Every kind of workflow runs here (source,
 * destination, backfill, retention, and whatever else the worker starts on this file's task queue: the
 * scan lists them all rather than known ids), with an Amplitude key that Amplitude refuses so error paths
 * run too; then every payload of every history is decoded (testkit/secret-scan.ts), and the captured
 * logs and the API's error messages are searched, for every secret this file handed the service.
 */
describe('secrets stay out of histories, logs and error messages', () => {
  let h: Harness;
  const goodKey = `amp-key-secret-${randomBytes(8).toString('hex')}`;
  const refusedKey = `amp-key-refused-${randomBytes(8).toString('hex')}`;

  beforeAll(async () => {
    h = await startHarness({ captureLogs: true, amplitude: { apiKeys: [goodKey] } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('finds no secret in any decoded history payload, log line or error message', async () => {
    // A source that delivers, then backfills.
    const { appId } = h.intercom.addWorkspace({ name: 'Secret source' });
    const source = await onboardSource(h, {
      projectId: uniqueId('sec'),
      appId,
      identityMapping: 'user_id',
      amplitudeApiKey: goodKey,
    });
    await waitForSource(h, source.connectionId, (s) => s.phase === 'listening');
    const contacts = h.intercom.seedContacts(appId, 5);
    for (const contact of contacts.slice(0, 2)) {
      const answer = await h.intercom.deliverWebhook(`${h.apiUrl}/intercom/webhooks`, {
        appId,
        topic: 'contact.user.created',
        item: contact,
      });
      expect(answer.status).toBe(200);
    }
    const backfill = await h.admin('POST', `/api/connections/${source.connectionId}/backfill`, {
      since: new Date(Date.now() - 86_400_000).toISOString(),
      until: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(backfill.status).toBe(202);
    await waitForSource(h, source.connectionId, (s) => s.backfill?.status === 'completed', 60_000);

    // A source whose Amplitude key Amplitude refuses: the error path, with its messages.
    const refusedApp = h.intercom.addWorkspace({ name: 'Refused source' }).appId;
    const refused = await onboardSource(h, {
      projectId: uniqueId('ref'),
      appId: refusedApp,
      identityMapping: 'user_id',
      amplitudeApiKey: refusedKey,
    });
    await waitForSource(h, refused.connectionId, (s) => s.phase === 'listening');
    const [refusedContact] = h.intercom.seedContacts(refusedApp, 1);
    await h.intercom.deliverWebhook(`${h.apiUrl}/intercom/webhooks`, {
      appId: refusedApp,
      topic: 'contact.user.created',
      item: refusedContact!,
    });
    await eventually(() => expect(h.amplitude.statusCounts['400']).toBeGreaterThan(0), { timeoutMs: 30_000 });

    // A destination sync that sends an event.
    const sync = await createSync(h, undefined, 'Secret sync');
    h.intercom.seedContacts(sync.appId, [{ externalId: 'secret-user-1' }]);
    await updateSettings(h, sync.connectionId, {
      sendEvents: { enabled: true, eventFilter: { allEvents: true }, eventProperties: [] },
      status: 'enabled',
    });
    expect(
      (await ingest(h, sync.ingestKey, [amplitudeEvent('Opened Vault', { user_id: 'secret-user-1' })])).status,
    ).toBe(200);
    await waitForSync(h, sync.connectionId, (s) => s.sent === 1);

    // Retention, as its schedule would start it.
    await h.client.workflow.execute(retention, {
      taskQueue: h.taskQueue,
      workflowId: uniqueId('retention'),
      args: [{ retentionDays: 30 }],
    });

    const secrets: Record<string, string> = {
      sourceIntercomToken: (await h.api.connections.repository.readSecret(
        source.connectionId,
        'intercom_access_token',
      ))!,
      refusedIntercomToken: (await h.api.connections.repository.readSecret(
        refused.connectionId,
        'intercom_access_token',
      ))!,
      amplitudeKey: goodKey,
      refusedAmplitudeKey: refusedKey,
      destinationIntercomToken: sync.token,
      ingestKey: sync.ingestKey,
      intercomClientSecret: h.intercom.clientSecret,
      adminToken: h.adminToken,
      encryptionKey: h.rawEnv.ENCRYPTION_KEY!,
    };
    for (const [name, value] of Object.entries(secrets)) expect(value, name).toMatch(/^.{6,}$/);

    const histories = await workflowHistories(h.client, `TaskQueue = '${h.taskQueue}'`);
    const statuses: ScanSource[] = [];
    for (const id of [source.connectionId, refused.connectionId, sync.connectionId]) {
      statuses.push({
        name: `status of ${id}`,
        text: JSON.stringify((await h.admin('GET', `/api/connections/${id}`)).body),
      });
    }
    statuses.push({ name: 'connection list', text: JSON.stringify((await h.admin('GET', '/api/connections')).body) });
    const sources: ScanSource[] = [...histories, { name: 'logs', text: h.logs.join('') }, ...statuses];

    // The scan looked at what it should: every workflow type, real log lines, the refused key's error.
    const types = histories.map((s) => s.name.split(' ')[1]);
    expect(types).toEqual(
      expect.arrayContaining([
        'sourceConnection',
        'intercomSourceBackfill',
        'destinationSync',
        'deliveryShard',
        'retention',
      ]),
    );
    expect(h.logs.length).toBeGreaterThan(0);
    expect(findSecrets(histories, { connectionId: source.connectionId }).length).toBeGreaterThan(0);
    expect(findSecrets(sources, { refusal: 'invalid_api_key' }).length).toBeGreaterThan(0);

    expect(findSecrets(sources, secrets)).toEqual([]);
  });
});
