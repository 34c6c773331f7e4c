import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { inject } from 'vitest';
import { migrateDatabase, openPostgres, queryRows } from '../../src/db/client';
import { retention } from '../../workflows/retention';
import { ensureRetentionSchedule } from '../../src/temporal/schedules';
import { startHarness, uniqueId, type Harness } from '../support/harness';

describe('migrations', () => {
  it('apply to an empty database, and again as a no-op', async () => {
    const adminUrl = new URL(inject('databaseUrl'));
    const name = `connector_empty_${Date.now()}`;
    adminUrl.pathname = '/postgres';
    const admin = await openPostgres(adminUrl.toString(), { max: 1 });
    await admin.db.execute(sql.raw(`CREATE DATABASE ${name}`));
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const fresh = await openPostgres(url.toString(), { max: 1 });
    try {
      await migrateDatabase(fresh);
      await migrateDatabase(fresh);
      const tables = await queryRows<{ table_name: string }>(
        fresh.db,
        sql`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      );
      expect(tables.map((t) => t.table_name)).toEqual(
        expect.arrayContaining([
          'connections',
          'credentials',
          'oauth_states',
          'source_inbox',
          'destination_outbox',
          'connection_counters',
          'identity_cache',
          'intercom_event_types',
          'intercom_data_attributes',
          'intercom_sent_events',
          'intercom_rate_budgets',
        ]),
      );
    } finally {
      await fresh.close();
      await admin.db.execute(sql.raw(`DROP DATABASE ${name} WITH (FORCE)`));
      await admin.close();
    }
  });
});

describe('a workflow on the real Temporal dev server', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('runs the retention workflow through the worker and prunes only finished rows past the cutoff', async () => {
    const db = h.database.db;
    const connectionId = uniqueId('conn');
    await db.execute(
      sql`INSERT INTO connections (id, kind, name, status) VALUES (${connectionId}, 'intercom_source', 'retention test', 'Connected')`,
    );
    await db.execute(sql`
      INSERT INTO source_inbox (connection_id, dedupe_key, topic, payload, status, done_at) VALUES
        (${connectionId}, 'old-delivered', 'contact.user.created', '{}', 'delivered', now() - interval '40 days'),
        (${connectionId}, 'new-delivered', 'contact.user.created', '{}', 'delivered', now()),
        (${connectionId}, 'old-pending',   'contact.user.created', '{}', 'pending', NULL)`);

    const result = await h.client.workflow.execute(retention, {
      taskQueue: h.taskQueue,
      workflowId: uniqueId('retention'),
      args: [{ retentionDays: 30 }],
    });

    expect(result.sourceRows).toBeGreaterThanOrEqual(1);
    const left = await queryRows<{ dedupe_key: string }>(
      db,
      sql`SELECT dedupe_key FROM source_inbox WHERE connection_id = ${connectionId} ORDER BY dedupe_key`,
    );
    expect(left.map((r) => r.dedupe_key)).toEqual(['new-delivered', 'old-pending']);
  });

  it('prunes in bounded batches until nothing past the cutoff is left', async () => {
    const db = h.database.db;
    const connectionId = uniqueId('conn');
    await db.execute(
      sql`INSERT INTO connections (id, kind, name, status) VALUES (${connectionId}, 'intercom_source', 'retention batches', 'Connected')`,
    );
    await db.execute(sql`
      INSERT INTO source_inbox (connection_id, dedupe_key, topic, payload, status, done_at)
      SELECT ${connectionId}, 'old-' || n, 'contact.user.created', '{}', 'dropped', now() - interval '40 days'
      FROM generate_series(1, 7) AS n`);
    const result = await h.client.workflow.execute(retention, {
      taskQueue: h.taskQueue,
      workflowId: uniqueId('retention'),
      args: [{ retentionDays: 30, batchSize: 2 }],
    });
    expect(result.sourceRows).toBeGreaterThanOrEqual(7);
    const [left] = await queryRows<{ n: number }>(
      db,
      sql`SELECT count(*)::int AS n FROM source_inbox WHERE connection_id = ${connectionId}`,
    );
    expect(left!.n).toBe(0);
  });

  it('keeps the retention schedule in step with RETENTION_DAYS', async () => {
    const scheduleId = uniqueId('retention-schedule');
    const daysOf = async () =>
      ((await h.client.schedule.getHandle(scheduleId).describe()).action.args?.[0] as { retentionDays: number })
        .retentionDays;
    try {
      expect(await ensureRetentionSchedule(h.client, h.taskQueue, 14, scheduleId)).toBe('created');
      expect(await ensureRetentionSchedule(h.client, h.taskQueue, 14, scheduleId)).toBe('unchanged');
      expect(await daysOf()).toBe(14);
      expect(await ensureRetentionSchedule(h.client, h.taskQueue, 30, scheduleId)).toBe('updated');
      expect(await daysOf()).toBe(30);
    } finally {
      await h.client.schedule.getHandle(scheduleId).delete();
    }
  });
});
