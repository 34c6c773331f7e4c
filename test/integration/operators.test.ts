import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { migrateDatabase, openPostgres, queryRows, type Database } from '../../src/db/client';
import { generateKeyBase64, SecretBox } from '../../src/crypto/secrets';
import { ConnectionRepository } from '../../src/connections/repository';
import { legacySeal } from '../../testkit/legacy-secrets';
import { itemForTopic } from '../../testkit/simulators/intercom';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findTemporalCli, freePort } from '../../src/temporal/dev-server';
import { DEV_FILES, writeJsonFile } from '../../src/runtime/dev-state';
import { ConnectionStatusKey } from '../../workflows/search-attributes';
import { shardWorkflowId } from '../../src/delivery/shards';
import { startHarness, uniqueId, type Harness } from '../support/harness';
import { onboardSource, waitForSource } from '../../testkit/source-flow';
import { amplitudeEvent, createSync, ingest, updateSettings, waitForSync } from '../../testkit/destination-flow';
import { runCli } from '../support/run-cli';
import { eventually } from '../../testkit/eventually';

/** The CLI, the admin API and `temporal workflow signal` drive the same connection workflows. */
describe('operator tools', () => {
  let h: Harness;
  /** The CLI as an operator runs it: the API's URL and the admin token, nothing else. */
  const cli = (args: string[]) => runCli({ CONNECTOR_API_URL: h.apiUrl, ADMIN_TOKEN: h.adminToken }, args);
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

    const list = await cli(['list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).connections).toContainEqual(
      expect.objectContaining({ id: connectionId, kind: 'intercom_source', status: 'Connected', workflowId }),
    );

    const paused = await cli(['pause', connectionId]);
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
      const status = await cli(['status', connectionId]);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ status: 'Connected', delivered: 2 });
    });

    // With nothing queued, a resume rings no delivery shard: its drain would find nothing to claim.
    const [{ shard } = { shard: -1 }] = await queryRows<{ shard: number }>(
      h.database.db,
      sql`SELECT delivery_shard AS shard FROM connections WHERE id = ${connectionId}`,
    );
    const shardHandle = h.client.workflow.getHandle(shardWorkflowId(h.taskQueue, 'amplitude', shard));
    const rings = async () =>
      (await shardHandle.fetchHistory()).events!.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    const ringsBefore = await rings();
    expect(ringsBefore).toBeGreaterThan(0);
    expect((await h.admin('POST', `/api/connections/${connectionId}/pause`)).status).toBe(202);
    await waitForSource(h, connectionId, (s) => s.status === 'Paused');
    expect((await h.admin('POST', `/api/connections/${connectionId}/resume`)).status).toBe(202);
    await waitForSource(h, connectionId, (s) => s.status === 'Connected');
    // The status is written before the shard would be rung: wait for the activity that writes it to end.
    await eventually(async () =>
      expect((await h.client.workflow.getHandle(workflowId).describe()).raw.pendingActivities ?? []).toEqual([]),
    );
    expect(await rings()).toBe(ringsBefore);

    const badBackfill = await cli(['backfill', connectionId, '--since', 'yesterday', '--until', 'now']);
    expect(badBackfill.code).toBe(2);
    expect(badBackfill.stderr).toMatch(/^since: expected an ISO 8601 date .*; until: expected an ISO 8601 date/);
    const unknown = await cli(['pause', 'source-nope']);
    expect(unknown).toMatchObject({ code: 1 });
    expect(unknown.stderr).toMatch(/no connection source-nope \(HTTP 404\)/);
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
    const replay = await cli(['replay', sync.connectionId, '--from', from, '--to', to]);
    expect(replay.code).toBe(0);
    await waitForSync(h, sync.connectionId, (s) => s.sent === 2);
    expect(h.intercom.events(sync.appId)).toHaveLength(1);
    expect(h.intercom.duplicateEventCount(sync.appId)).toBe(1);
  });

  it('drives every kind of admin action from the CLI, with --json, and parses times as the API does', async () => {
    const workspace = h.intercom.addWorkspace({ name: 'CLI sync' });
    const created = await cli([
      'create-destination',
      '--name',
      'CLI sync',
      '--intercom-access-token',
      workspace.accessToken,
      '--json',
    ]);
    expect(created.code).toBe(0);
    const { connectionId, ingestKey } = JSON.parse(created.stdout);
    expect(ingestKey).toEqual(expect.any(String));

    const settings = await cli([
      'destination-settings',
      connectionId,
      '--send-events',
      '{"enabled":true,"eventFilter":{"allEvents":true}}',
      '--status',
      'enabled',
      '--json',
    ]);
    expect(settings.code).toBe(0);
    expect(JSON.parse(settings.stdout).settings).toMatchObject({ status: 'enabled', sendEvents: { enabled: true } });

    const rotated = await cli(['rotate-ingest-key', connectionId, '--json']);
    expect(JSON.parse(rotated.stdout).ingestKey).not.toBe(ingestKey);
    expect(await cli(['replace-token', connectionId, '--intercom-access-token', workspace.accessToken])).toMatchObject({
      code: 0,
      stdout: `token of ${connectionId} replaced\n`,
    });
    const wrongWorkspace = h.intercom.addWorkspace({ name: 'Other' });
    const refused = await cli(['replace-token', connectionId, '--intercom-access-token', wrongWorkspace.accessToken]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/another Intercom workspace.*\(HTTP 409\)/);

    // A date alone means midnight UTC, in the CLI and in the API alike; an unreadable time is refused by both
    // with the same words, because both run the same schema.
    const { appId } = h.intercom.addWorkspace({ name: 'CLI source' });
    const source = await onboardSource(h, { projectId: uniqueId('cli'), appId, identityMapping: 'user_id' });
    await waitForSource(h, source.connectionId, (s) => s.phase === 'listening');
    const byDate = await cli(['backfill', source.connectionId, '--since', '2026-10-01', '--until', '2026-10-02']);
    expect(byDate).toMatchObject({ code: 0, stdout: `backfill sent to ${source.workflowId}\n` });
    const viaApi = await h.admin('POST', `/api/connections/${source.connectionId}/backfill`, {
      since: '2026-10-01',
      until: 'tomorrow',
    });
    expect(viaApi.status).toBe(400);
    const viaCli = await cli(['backfill', source.connectionId, '--since', '2026-10-01', '--until', 'tomorrow']);
    expect(viaCli.code).toBe(2);
    expect(viaCli.stderr.trim()).toBe(viaApi.body.error);
  });

  it('names the cause when the CLI cannot do what it was asked', async () => {
    const port = await freePort();
    const unreachable = await runCli({ CONNECTOR_API_URL: `http://127.0.0.1:${port}`, ADMIN_TOKEN: 'x'.repeat(20) }, [
      'list',
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach the connector API at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    const badToken = await runCli({ CONNECTOR_API_URL: h.apiUrl, ADMIN_TOKEN: 'not-the-token-at-all' }, ['list']);
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toMatch(/rejected the admin token/);
    const unknownCommand = await cli(['explode']);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toMatch(/unknown command "explode"/);
    const missingId = await cli(['status']);
    expect(missingId.code).toBe(2);
    expect(missingId.stderr).toMatch(/status takes <id>/);
  });

  it('finds the dev API and its token in the data folder when none is given', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cli-dev-'));
    writeJsonFile(dataDir, DEV_FILES.api, { apiUrl: h.apiUrl, adminToken: h.adminToken });
    const list = await runCli({ DATA_DIR: dataDir, CONNECTOR_API_URL: '', ADMIN_TOKEN: '' }, ['list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).connections.length).toBeGreaterThan(0);
    rmSync(dataDir, { recursive: true, force: true });
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

describe('rotate-keys', () => {
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `connector_rotate_${Date.now()}_${randomBytes(3).toString('hex')}`;
  let database: Database;
  let databaseUrl: string;
  beforeAll(async () => {
    const admin = await openPostgres(adminUrl, { max: 1 });
    await admin.db.execute(sql.raw(`CREATE DATABASE ${name}`));
    await admin.close();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    database = await openPostgres(databaseUrl, { max: 2 });
    await migrateDatabase(database);
  });
  afterAll(async () => {
    await database?.close();
    const admin = await openPostgres(adminUrl, { max: 1 });
    await admin.db.execute(sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    await admin.close();
  });

  it('re-seals every credential under the new key, reading old ones (with or without key id) by ENCRYPTION_KEYS', async () => {
    const oldKey = generateKeyBase64();
    const newKey = generateKeyBase64();
    const oldRepository = new ConnectionRepository(database.db, new SecretBox(oldKey));
    for (const id of ['source-a', 'destination-b']) {
      await database.db.execute(
        sql`INSERT INTO connections (id, kind, name, status) VALUES (${id}, 'intercom_source', ${id}, 'Connected')`,
      );
    }
    await oldRepository.storeSecret('source-a', 'amplitude_api_key', 'amp-secret-a');
    await oldRepository.storeSecret('source-a', 'intercom_access_token', 'tok-a');
    // Written before sealed values carried a key id.
    await database.db.execute(
      sql`INSERT INTO credentials (connection_id, kind, sealed)
          VALUES ('destination-b', 'intercom_access_token', ${legacySeal(oldKey, 'tok-b', 'destination-b:intercom_access_token')})`,
    );
    const env = { DATABASE_URL: databaseUrl, ENCRYPTION_KEY: newKey, ENCRYPTION_KEYS: oldKey };

    // Without the old key nothing can be read: reported, left alone, exit 1.
    const blind = await runCli({ DATABASE_URL: databaseUrl, ENCRYPTION_KEY: newKey }, ['keys', 'rotate']);
    expect(blind.code).toBe(1);
    expect(blind.stderr).toContain('cannot open intercom_access_token of destination-b');

    const rotated = await runCli(env, ['keys', 'rotate']);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain('re-sealed 3 credential(s)');

    const newBox = new SecretBox(newKey);
    const rows = await queryRows<{ sealed: string }>(database.db, sql`SELECT sealed FROM credentials`);
    expect(rows.every((r) => r.sealed.startsWith(`v2.${newBox.currentKeyId}.`))).toBe(true);
    const newRepository = new ConnectionRepository(database.db, newBox);
    expect(await newRepository.readSecret('source-a', 'amplitude_api_key')).toBe('amp-secret-a');
    expect(await newRepository.readSecret('source-a', 'intercom_access_token')).toBe('tok-a');
    expect(await newRepository.readSecret('destination-b', 'intercom_access_token')).toBe('tok-b');

    // Again: nothing left to do; the old key is no longer needed.
    const again = await runCli({ DATABASE_URL: databaseUrl, ENCRYPTION_KEY: newKey }, ['keys', 'rotate']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('re-sealed 0 credential(s)');
    expect(again.stdout).toContain('3 already current');
  });
});

describe('status with no worker polling', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ noInProcessWorker: true });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("answers 503 naming the task queue within the query's deadline (10 s, not the server's 30 s)", async () => {
    const created = await h.admin('POST', '/api/sources', {
      amplitudeProjectId: uniqueId('noworker'),
      amplitudeApiKey: 'amp-key-noworker',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const connectionId = (created.body as { connectionId: string }).connectionId;
    const started = Date.now();
    const status = await h.admin('GET', `/api/connections/${connectionId}`);
    expect(status.status).toBe(503);
    expect(JSON.stringify(status.body)).toContain('is a worker polling task queue');
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);
});
