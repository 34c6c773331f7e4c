import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { openPostgres, queryRows, type Database } from '../../src/db/client';
import {
  createMemoryWriter,
  pruneIdentityMemory,
  resolveIdentities,
  type ContactLookup,
  type IdentityMemoryDeps,
} from '../../src/source/identity-memory';
import type { IntercomNotification } from '../../src/intercom/webhook-envelope';

/** Identity memory on real Postgres, with contact lookups answered by a recording function. */
describe('identity memory (Postgres)', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openPostgres(inject('databaseUrl'), { max: 2 });
  });
  afterAll(async () => {
    await database?.close();
  });

  const workspace = () => `ws-${randomBytes(4).toString('hex')}`;
  let seq = 0;
  const notification = (topic: string, item: Record<string, unknown>): IntercomNotification => ({
    type: 'notification_event',
    app_id: 'app',
    id: `notif_${++seq}`,
    topic,
    created_at: 1_768_000_000 + seq,
    data: { type: 'notification_event_data', item },
  });
  const row = (topic: string, item: Record<string, unknown>) => ({ id: ++seq, payload: notification(topic, item) });
  const contact = (id: string, email: string | null, externalId: string | null = `ext-${id}`) =>
    row('contact.user.updated', {
      type: 'contact',
      id,
      role: 'user',
      email,
      external_id: externalId,
      updated_at: 1_768_000_000 + seq,
    });
  const deleted = (id: string) =>
    row('contact.deleted', { type: 'contact', id, external_id: `ext-${id}`, deleted: true });

  function deps(workspaceId: string, contacts: Record<string, ContactLookup> = {}) {
    const lookups: string[] = [];
    const d: IdentityMemoryDeps = {
      db: database.db,
      workspaceId,
      ttlMs: 3_600_000,
      fetchContact: async (id) => {
        lookups.push(id);
        return contacts[id] ?? { state: 'missing' };
      },
    };
    return { deps: d, lookups };
  }

  it('remembers a payload identity for later batches whose payload lacks the field', async () => {
    const { deps: d, lookups } = deps(workspace());
    const first = contact('c1', 'Fay@Example.com');
    expect((await resolveIdentities([first], 'email', d)).get(first.id)).toMatchObject({ how: 'payload' });
    const later = deleted('c1');
    expect((await resolveIdentities([later], 'email', d)).get(later.id)).toEqual({
      identity: { userId: 'Fay@Example.com', source: 'email' },
      how: 'memory',
    });
    expect(lookups).toEqual([]);
  });

  it('looks a contact up once, remembers the answer, and remembers "none" too', async () => {
    const { deps: d, lookups } = deps(workspace(), {
      c2: { state: 'found', contact: { type: 'contact', id: 'c2', role: 'user', email: 'Lou@Example.com' } },
      c3: { state: 'found', contact: { type: 'contact', id: 'c3', role: 'user', email: null, external_id: 'u-3' } },
    });
    const batch = [deleted('c2'), deleted('c2'), deleted('c3'), deleted('c4')];
    const first = await resolveIdentities(batch, 'email', d);
    expect(batch.map((r) => first.get(r.id))).toEqual([
      { identity: { userId: 'Lou@Example.com', source: 'email' }, how: 'lookup' },
      { identity: { userId: 'Lou@Example.com', source: 'email' }, how: 'lookup' },
      { identity: { userId: 'ext-c3', source: 'user_id' }, how: 'fallback' },
      { identity: { userId: 'ext-c4', source: 'user_id' }, how: 'fallback' },
    ]);
    expect(lookups.sort()).toEqual(['c2', 'c3', 'c4']);
    const again = [deleted('c2'), deleted('c3'), deleted('c4')];
    const second = await resolveIdentities(again, 'email', d);
    expect(second.get(again[0]!.id)).toMatchObject({ how: 'memory' });
    expect(second.get(again[1]!.id)).toMatchObject({ how: 'fallback' });
    expect(lookups).toHaveLength(3); // no second lookup of any of them
  });

  it('a failed lookup is not remembered: the next batch asks again', async () => {
    const { deps: d, lookups } = deps(workspace(), { c5: { state: 'unavailable' } });
    await resolveIdentities([deleted('c5')], 'email', d);
    await resolveIdentities([deleted('c5')], 'email', d);
    expect(lookups).toEqual(['c5', 'c5']);
  });

  it('keeps mappings and workspaces apart', async () => {
    const ws = workspace();
    const { deps: d } = deps(ws);
    await resolveIdentities([contact('c6', 'Fay@Example.com', 'u-6')], 'email', d);
    const other = deps(workspace());
    // Under the user_id mapping, the email remembered under the email mapping is never used.
    const underUserId = row('contact.deleted', { type: 'contact', id: 'c6', external_id: null, deleted: true });
    expect((await resolveIdentities([underUserId], 'user_id', d)).get(underUserId.id)).toEqual({ identity: null });
    const elsewhere = deleted('c6');
    expect((await resolveIdentities([elsewhere], 'email', other.deps)).get(elsewhere.id)).toMatchObject({
      how: 'fallback',
    });
  });

  /** The stored row's identity and version (xmin changes with every write of the row). */
  const stored = async (ws: string, contactId: string) =>
    (
      await queryRows<{ user_id: string | null; version: string }>(
        database.db,
        sql`SELECT user_id, xmin::text AS version FROM source_identity_memory
            WHERE workspace_id = ${ws} AND mapping = 'email' AND contact_id = ${contactId}`,
      )
    )[0];

  it('a known contact named again by its payload is not written again; a changed identity is', async () => {
    const ws = workspace();
    const { deps: d } = deps(ws);
    await resolveIdentities([contact('c7', 'Fay@Example.com')], 'email', d);
    const first = await stored(ws, 'c7');
    expect(first?.user_id).toBe('Fay@Example.com');
    await resolveIdentities([contact('c7', 'Fay@Example.com')], 'email', d);
    expect((await stored(ws, 'c7'))?.version).toBe(first!.version);
    await resolveIdentities([contact('c7', 'Fay@New.example')], 'email', d);
    expect((await stored(ws, 'c7'))?.user_id).toBe('Fay@New.example');
  });

  it('batches sharing a writer are remembered together, the newest identity of a contact winning', async () => {
    const ws = workspace();
    const writer = createMemoryWriter(database.db);
    const d = { ...deps(ws).deps, writer };
    await Promise.all([
      resolveIdentities([contact('c8', 'Old@Example.com')], 'email', d),
      resolveIdentities([contact('c9', 'Lou@Example.com')], 'email', d),
      resolveIdentities([contact('c8', 'New@Example.com')], 'email', d),
    ]);
    expect((await stored(ws, 'c8'))?.user_id).toBe('New@Example.com');
    expect((await stored(ws, 'c9'))?.user_id).toBe('Lou@Example.com');
    const later = deleted('c9');
    expect((await resolveIdentities([later], 'email', d)).get(later.id)).toMatchObject({ how: 'memory' });
  });

  it('an entry Postgres refuses fails neither the batches written with it nor, alone among others, its own', async () => {
    const ws = workspace();
    const writer = createMemoryWriter(database.db);
    const d = { ...deps(ws).deps, writer };
    // Postgres text cannot hold NUL: this contact's write is refused.
    const poisoned = contact('bad\u0000id', 'Poison@Example.com');
    const results = await Promise.allSettled([
      resolveIdentities([contact('c10', 'First@Example.com')], 'email', d),
      resolveIdentities([poisoned], 'email', d),
      resolveIdentities([contact('c11', 'Other@Example.com')], 'email', d),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect((await stored(ws, 'c10'))?.user_id).toBe('First@Example.com');
    expect((await stored(ws, 'c11'))?.user_id).toBe('Other@Example.com');
  });

  it('forgets expired entries, and the least recently resolved beyond the per-workspace cap', async () => {
    const ws = workspace();
    await database.db.execute(sql`
      INSERT INTO source_identity_memory (workspace_id, mapping, contact_id, user_id, expires_at) VALUES
        (${ws}, 'email', 'old', 'a@example.com', now() - interval '1 minute'),
        (${ws}, 'email', 'k1', 'b@example.com', now() + interval '1 hour'),
        (${ws}, 'email', 'k2', 'c@example.com', now() + interval '2 hours'),
        (${ws}, 'email', 'k3', 'd@example.com', now() + interval '3 hours')`);
    const small = workspace();
    await database.db.execute(sql`
      INSERT INTO source_identity_memory (workspace_id, mapping, contact_id, user_id, expires_at)
      VALUES (${small}, 'email', 'k1', 'e@example.com', now() + interval '1 hour')`);
    expect(await pruneIdentityMemory(database.db, 2)).toBeGreaterThanOrEqual(2);
    const left = await queryRows<{ workspace_id: string; contact_id: string }>(
      database.db,
      sql`SELECT workspace_id, contact_id FROM source_identity_memory WHERE workspace_id IN (${ws}, ${small}) ORDER BY 1, 2`,
    );
    expect(left.filter((r) => r.workspace_id === ws).map((r) => r.contact_id)).toEqual(['k2', 'k3']);
    expect(left.filter((r) => r.workspace_id === small).map((r) => r.contact_id)).toEqual(['k1']);
  });
});
