import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client';
import { itemForTopic } from '../../testkit/simulators/intercom';
import { findTemporalCli } from '../../src/temporal/dev-server';
import { ConnectionStatusKey } from '../../workflows/search-attributes';
import { startHarness, uniqueId, type Harness } from '../support/harness';
import { onboardSource, waitForSource } from '../../testkit/source-flow';
import { amplitudeEvent, createSync, ingest, updateSettings, waitForSync } from '../../testkit/destination-flow';
import { runCli } from '../support/run-cli';
import { eventually } from '../../testkit/eventually';

/** The CLI, the admin API and `temporal workflow signal` drive the same connection workflows. */
describe('operator tools', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('pauses with the CLI, resumes with the admin API, and reads the same status both ways', async () => {
    const { appId } = h.intercom.addWorkspace({ name: 'Ops' });
    const { connectionId, workflowId } = await onboardSource(h, {
      projectId: uniqueId('ops'),
      appId,
      identityMapping: 'user_id',
    });
    const webhook = (externalId: string) =>
      h.intercom.deliverWebhook(`${h.apiUrl}/intercom/webhooks`, {
        appId,
        topic: 'contact.user.created',
        item: itemForTopic('contact.user.created', { appId, contact: { id: uniqueId('c'), externalId } }),
      });
    await webhook('ops-1');
    await waitForSource(h, connectionId, (s) => s.status === 'Connected' && s.delivered === 1);

    const list = await runCli(h.rawEnv, ['connections', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toContainEqual({
      id: connectionId,
      kind: 'intercom_source',
      status: 'Connected',
      workflowId,
    });

    const paused = await runCli(h.rawEnv, ['connections', 'pause', connectionId]);
    expect(paused).toMatchObject({ code: 0, stdout: `pause sent to ${workflowId}\n` });
    await waitForSource(h, connectionId, (s) => s.status === 'Paused');
    await eventually(async () =>
      expect(
        (await h.client.workflow.getHandle(workflowId).describe()).typedSearchAttributes.get(ConnectionStatusKey),
      ).toBe('Paused'),
    );
    await webhook('ops-2');
    // Paused: the webhook is stored (acknowledged, durable) but nothing is delivered until resume.
    await new Promise((r) => setTimeout(r, 1_000));
    const [held] = await queryRows<{ status: string }>(
      h.database.db,
      sql`SELECT status FROM source_inbox WHERE connection_id = ${connectionId} AND payload->'data'->'item'->>'external_id' = 'ops-2'`,
    );
    expect(held?.status).toBe('pending');
    expect(h.amplitude.events.filter((e) => e.event.user_id === 'ops-2')).toHaveLength(0);

    expect((await h.admin('POST', `/api/connections/${connectionId}/resume`)).status).toBe(202);
    await eventually(async () => {
      const status = await runCli(h.rawEnv, ['connections', 'status', connectionId]);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ status: 'Connected', delivered: 2 });
    });

    const badBackfill = await runCli(h.rawEnv, [
      'connections',
      'backfill',
      connectionId,
      '--since',
      'yesterday',
      '--until',
      'now',
    ]);
    expect(badBackfill.code).toBe(1);
    expect(badBackfill.stderr).toMatch(/ISO-8601/);
    const unknown = await runCli(h.rawEnv, ['connections', 'pause', 'source-nope']);
    expect(unknown).toMatchObject({ code: 1 });
    expect(unknown.stderr).toMatch(/no connection source-nope/);
  });

  it('accepts the documented `temporal workflow signal` commands', async () => {
    const cli = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
    expect(cli).toMatch(/temporal$/);
    const { appId } = h.intercom.addWorkspace({ name: 'Temporal CLI' });
    const { connectionId, workflowId } = await onboardSource(h, {
      projectId: uniqueId('tcli'),
      appId,
      identityMapping: 'user_id',
    });
    await waitForSource(h, connectionId, (s) => s.phase === 'listening');
    const signal = (name: string, input?: string) =>
      promisify(execFile)(cli!, [
        'workflow',
        'signal',
        '--address',
        h.env.TEMPORAL_ADDRESS!,
        '--workflow-id',
        workflowId,
        '--name',
        name,
        ...(input ? ['--input', input] : []),
      ]);
    await signal('pause');
    await waitForSource(h, connectionId, (s) => s.status === 'Paused');
    await signal('disconnect', '{"reason":"operator"}');
    expect(await h.client.workflow.getHandle(workflowId).result()).toMatchObject({
      status: 'Disconnected',
      reason: 'operator',
    });
  });

  it('replays a destination window with the CLI; Intercom keeps one copy of each event', async () => {
    const sync = await createSync(h);
    h.intercom.seedContacts(sync.appId, [{ externalId: 'replayed' }]);
    await updateSettings(h, sync.connectionId, {
      sendEvents: { enabled: true, eventFilter: { allEvents: true } },
      status: 'enabled',
    });
    const event = amplitudeEvent('Checkout', { user_id: 'replayed' });
    await ingest(h, sync.ingestKey, [event]);
    await waitForSync(h, sync.connectionId, (s) => s.sent === 1);

    const from = new Date((event.time as number) - 60_000).toISOString();
    const to = new Date((event.time as number) + 60_000).toISOString();
    const replay = await runCli(h.rawEnv, ['connections', 'replay', sync.connectionId, '--from', from, '--to', to]);
    expect(replay.code).toBe(0);
    await waitForSync(h, sync.connectionId, (s) => s.sent === 2);
    expect(h.intercom.events(sync.appId)).toHaveLength(1);
    expect(h.intercom.duplicateEventCount(sync.appId)).toBe(1);
  });

  it('exposes Prometheus metrics for webhooks, ingest, delivery, drops and latency, and the Temporal SDK', async () => {
    const response = await fetch(`${h.apiUrl}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/intercom_webhooks_total\{outcome="accepted"\} [1-9]/);
    expect(text).toMatch(/amplitude_ingest_events_total\{endpoint="httpapi",outcome="accepted"\} [1-9]/);
    expect(text).toMatch(/connector_events_delivered_total\{direction="source"\} [1-9]/);
    expect(text).toMatch(/connector_events_delivered_total\{direction="destination"\} [1-9]/);
    expect(text).toMatch(/connector_delivery_latency_seconds_count\{direction="source"\} [1-9]/);
    expect(text).toMatch(/^temporal_[a-z_]+/m); // the SDK's own metrics
  });
});
