import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client';
import { startHarness, type Harness } from '../support/harness';
import { cohortBatch, createCohortSync, postCohort, waitForCohortSync } from '../../testkit/cohort-flow';
import { amplitudeEvent, createSync, ingest } from '../../testkit/destination-flow';
import { eventually } from '../../testkit/eventually';
import { shardOf } from '../../src/delivery/shards';
import { ConnectionStatusKey, ProviderKey } from '../../workflows/search-attributes';
import { runCli } from '../support/run-cli';

/** Amplitude cohorts → Intercom tags on real Temporal + Postgres + the Intercom simulator. */
describe('cohort sync', () => {
  let h: Harness;
  beforeAll(async () => {
    // Parked members come back after 12 s and expire at that attempt: a release within seconds is the identify's.
    h = await startHarness({
      env: {
        DESTINATION_PARK_SCHEDULE: '12s',
        DESTINATION_PARK_MAX_AGE: '1s',
        // A storage quota no other test here reaches, recounted on demand (h.api.quota.recount()).
        CONNECTION_MAX_PENDING_ROWS: '100',
        CONNECTION_QUOTA_CHECK_INTERVAL: '1h',
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const members = (appId: string, tag = 'Amplitude: Power users') =>
    h.intercom
      .tagMembers(appId, { name: tag })
      .map((c) => c.external_id)
      .sort();
  /** The status as delivery reads it: the connection's row (the workflow's query says so a moment earlier). */
  const waitForPublished = (connectionId: string, status: string) =>
    eventually(
      async () => {
        const list = await h.admin('GET', '/api/connections');
        expect(list.body.connections.find((c: { id: string }) => c.id === connectionId)?.status).toBe(status);
      },
      { timeoutMs: 10_000 },
    );
  /** Calls made with a workspace's token (the simulator records every request). */
  const callsWith = (token: string, method: string, path: RegExp) =>
    h.intercom.requests.filter(
      (r) => r.method === method && path.test(r.path) && r.headers.authorization === `Bearer ${token}`,
    ).length;

  it('tags a first full cohort, then additions and removals, once per message id', async () => {
    const sync = await createCohortSync(h);
    h.intercom.seedContacts(
      sync.appId,
      ['u1', 'u2', 'u3', 'u4'].map((externalId) => ({ externalId })),
    );
    const first = cohortBatch(true, ['u1', 'u2', 'u3']);
    const stored = await postCohort(h, sync.ingestKey, first);
    expect(stored).toMatchObject({ status: 200, body: { accepted: 3, duplicates: 0 } });
    await waitForCohortSync(h, sync.connectionId, (s) => s.added === 3);
    expect(members(sync.appId)).toEqual(['u1', 'u2', 'u3']);

    // Amplitude retries a batch it timed out on, with the same message id: nothing new is stored or sent.
    const replayed = await postCohort(h, sync.ingestKey, first);
    expect(replayed).toMatchObject({ status: 200, body: { accepted: 0, duplicates: 3 } });

    await postCohort(h, sync.ingestKey, cohortBatch(true, ['u4']));
    await postCohort(h, sync.ingestKey, cohortBatch(false, ['u1', 'u2']));
    const status = await waitForCohortSync(h, sync.connectionId, (s) => s.added === 4 && s.removed === 2);
    expect(members(sync.appId)).toEqual(['u3', 'u4']);
    expect(status).toMatchObject({ kind: 'intercom_cohort', status: 'Enabled', tagSize: 2, pending: 0, parked: 0 });
    expect(status.tags).toEqual([expect.objectContaining({ tagName: 'Amplitude: Power users', members: 2 })]);
    expect(Date.parse(status.lastBatchAt)).toBeGreaterThan(Date.now() - 60_000);
    // The tag was created once, and each change cost one tag or untag call.
    expect(h.intercom.tags(sync.appId).map((t) => t.name)).toEqual(['Amplitude: Power users']);
    expect(callsWith(sync.token, 'POST', /^\/tags$/)).toBe(1);
    expect(callsWith(sync.token, 'POST', /^\/contacts\/[^/]+\/tags$/)).toBe(4);
    expect(callsWith(sync.token, 'DELETE', /^\/contacts\/[^/]+\/tags\/[^/]+$/)).toBe(2);
    // Contacts looked up in bulk (one search per batch entering); those leaving were in our record.
    expect(callsWith(sync.token, 'POST', /^\/contacts\/search$/)).toBe(2);
    const [rows] = await queryRows<{ n: number }>(
      h.database.db,
      sql`SELECT count(*)::int AS n FROM destination_outbox WHERE connection_id = ${sync.connectionId}`,
    );
    expect(rows!.n).toBe(6);
  });

  it('uses the tag name and the email mapping from a user property when configured', async () => {
    const sync = await createCohortSync(h, {
      settings: {
        status: 'enabled',
        tagName: 'VIP',
        mapping: { intercomUser: 'email', from: { kind: 'user_property', name: 'email' } },
      },
    });
    const [lead] = h.intercom.seedContacts(sync.appId, [{ externalId: null, email: 'ada@example.com', role: 'lead' }]);
    const body = cohortBatch(true, []);
    body.users = [
      { user_id: 'amp-ada', user_properties: { email: ' Ada@Example.com ' } },
      { user_id: 'amp-nobody' },
    ] as never;
    await postCohort(h, sync.ingestKey, body);
    const status = await waitForCohortSync(
      h,
      sync.connectionId,
      (s) => s.added === 1 && s.skipped.missing_identity === 1,
    );
    expect(h.intercom.tagMembers(sync.appId, { name: 'VIP' }).map((c) => c.id)).toEqual([lead!.id]);
    expect(status.tagSize).toBe(1);
  });

  it('cohorts sharing a tag: a member leaving one keeps the tag while another still has them', async () => {
    const sync = await createCohortSync(h, { settings: { status: 'enabled', tagName: 'Customers' } });
    h.intercom.seedContacts(
      sync.appId,
      ['u1', 'u2'].map((externalId) => ({ externalId })),
    );
    const trial = { cohortId: 'trial', cohortName: 'Trial' };
    const paying = { cohortId: 'paying', cohortName: 'Paying' };
    await postCohort(h, sync.ingestKey, cohortBatch(true, ['u1', 'u2'], trial));
    await waitForCohortSync(h, sync.connectionId, (s) => s.added === 2);
    await postCohort(h, sync.ingestKey, cohortBatch(true, ['u1'], paying));
    await waitForCohortSync(h, sync.connectionId, (s) => s.added === 3);
    expect(h.intercom.tags(sync.appId).map((t) => t.name)).toEqual(['Customers']);

    // u1 leaves the trial but still pays: the tag stays. u2 leaves the trial, the only cohort that gave it.
    await postCohort(h, sync.ingestKey, cohortBatch(false, ['u1', 'u2'], trial));
    const status = await waitForCohortSync(
      h,
      sync.connectionId,
      (s) => s.removed === 1 && s.skipped.tag_held_by_other_cohort === 1,
    );
    expect(members(sync.appId, 'Customers')).toEqual(['u1']);
    expect(status.pending).toBe(0);

    // Leaving the last cohort that gave it removes the tag.
    await postCohort(h, sync.ingestKey, cohortBatch(false, ['u1'], paying));
    await waitForCohortSync(h, sync.connectionId, (s) => s.removed === 2);
    expect(members(sync.appId, 'Customers')).toEqual([]);
  });

  it("accepts the property-based shape of Amplitude's cohort partner contract", async () => {
    const sync = await createCohortSync(h);
    h.intercom.seedContacts(sync.appId, [{ externalId: 'pb-1' }, { externalId: 'pb-2' }]);
    const identify = (userId: string, inCohort: boolean) => ({
      type: 'identify',
      userId,
      traits: { '[Amplitude] Power users: coh1abc': inCohort, plan: 'pro' },
    });
    const added = await postCohort(h, sync.ingestKey, { batch: [identify('pb-1', true), identify('pb-2', true)] });
    expect(added).toMatchObject({ status: 200, body: { accepted: 2 } });
    await waitForCohortSync(h, sync.connectionId, (s) => s.added === 2);
    await postCohort(h, sync.ingestKey, identify('pb-1', false));
    await waitForCohortSync(h, sync.connectionId, (s) => s.removed === 1 && s.tagSize === 1);
    expect(members(sync.appId)).toEqual(['pb-2']);
  });

  it('parks members whose contact does not exist, and releases them when a destination identify creates it', async () => {
    const destination = await createSync(h, {
      createUpdateUsers: { enabled: true, userProperties: ['plan'] },
      status: 'enabled',
    });
    // On another delivery shard than the destination's: the identify's drain must ring the cohort sync's shard.
    const workspace = { appId: destination.appId, accessToken: destination.token };
    let sync = await createCohortSync(h, { workspace });
    for (
      let i = 0;
      shardOf(sync.connectionId, h.env.DELIVERY_SHARDS) === shardOf(destination.connectionId, h.env.DELIVERY_SHARDS);
      i += 1
    ) {
      if (i > 20) throw new Error('no cohort sync landed on another shard');
      sync = await createCohortSync(h, { workspace });
    }
    await postCohort(h, sync.ingestKey, cohortBatch(true, ['late-user']));
    await waitForCohortSync(h, sync.connectionId, (s) => s.parked === 1);
    expect(members(sync.appId)).toEqual([]);
    // Past the drain's linger (1 s): the cohort sync's shard now sleeps until the parked row is due (12 s).
    await new Promise((r) => setTimeout(r, 2_500));

    const identifiedAt = Date.now();
    await ingest(h, destination.ingestKey, [
      amplitudeEvent('$identify', { user_id: 'late-user', user_properties: { $set: { plan: 'pro' } } }),
    ]);
    const status = await waitForCohortSync(h, sync.connectionId, (s) => s.added === 1 && s.parked === 0, 10_000);
    // Well before the park schedule's 12 s (about 9 s from here): the identify released it.
    expect(Date.now() - identifiedAt).toBeLessThan(5_000);
    expect(members(sync.appId)).toEqual(['late-user']);
    expect(status.counters).toMatchObject({ parked: 1, members_added: 1 });
  });

  it('expires a member whose contact never appears (contact_not_found)', async () => {
    const sync = await createCohortSync(h);
    await postCohort(h, sync.ingestKey, cohortBatch(true, ['never-there']));
    const status = await waitForCohortSync(h, sync.connectionId, (s) => s.expired.contact_not_found === 1, 40_000);
    expect(status.parked).toBe(0);
    expect(status.tagSize).toBe(0);
  });

  it('a removal cancels the parked addition of the same member', async () => {
    const sync = await createCohortSync(h);
    const computed = Math.floor(Date.now() / 1000);
    await postCohort(h, sync.ingestKey, cohortBatch(true, ['ghost'], { computedTime: computed }));
    await waitForCohortSync(h, sync.connectionId, (s) => s.parked === 1);
    await postCohort(h, sync.ingestKey, cohortBatch(false, ['ghost'], { computedTime: computed + 60 }));
    const status = await waitForCohortSync(
      h,
      sync.connectionId,
      (s) => s.skipped.cancelled_by_removal === 1 && s.skipped.not_tagged === 1,
    );
    expect(status).toMatchObject({ parked: 0, pending: 0, added: 0, tagSize: 0 });
    // The contact appearing later gets no tag: the cancelled addition is over.
    h.intercom.seedContacts(sync.appId, [{ externalId: 'ghost' }]);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(members(sync.appId)).toEqual([]);
  });

  it('batches arriving out of order: the change Amplitude computed last wins', async () => {
    const sync = await createCohortSync(h);
    h.intercom.seedContacts(sync.appId, [{ externalId: 'o1' }, { externalId: 'o2' }]);
    const t = Math.floor(Date.now() / 1000);
    // o1 entered at t and left at t+60, but the removal arrives first; o2 left at t and came back at t+60.
    await postCohort(h, sync.ingestKey, cohortBatch(false, ['o1'], { computedTime: t + 60 }));
    await postCohort(h, sync.ingestKey, cohortBatch(true, ['o2'], { computedTime: t + 60 }));
    await waitForCohortSync(h, sync.connectionId, (s) => s.pending === 0 && s.added === 1);
    await postCohort(h, sync.ingestKey, cohortBatch(true, ['o1'], { computedTime: t }));
    await postCohort(h, sync.ingestKey, cohortBatch(false, ['o2'], { computedTime: t }));
    const status = await waitForCohortSync(h, sync.connectionId, (s) => s.skipped.superseded === 2 && s.pending === 0);
    expect(members(sync.appId)).toEqual(['o2']);
    expect(status).toMatchObject({ added: 1, removed: 0, tagSize: 1 });
  });

  it('a resync converges a drifted tag to the full member list', async () => {
    const sync = await createCohortSync(h, { settings: { status: 'enabled', tagName: 'Drifting' } });
    const contacts = h.intercom.seedContacts(
      sync.appId,
      ['a1', 'b1', 'c1', 'd1', 'e1'].map((externalId) => ({ externalId })),
    );
    const id = (externalId: string) => contacts.find((c) => c.external_id === externalId)!.id;
    await postCohort(h, sync.ingestKey, cohortBatch(true, ['a1', 'b1', 'c1']));
    await waitForCohortSync(h, sync.connectionId, (s) => s.added === 3);
    // Drift in Intercom: someone tags d1 and untags b1 by hand.
    const tag = h.intercom.tags(sync.appId).find((t) => t.name === 'Drifting')!;
    h.intercom.seedTag(sync.appId, 'Drifting', [id('d1')]);
    const untag = await fetch(`${h.intercomUrl}/contacts/${id('b1')}/tags/${tag.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${sync.token}`, 'intercom-version': '2.14' },
    });
    expect(untag.status).toBe(200);
    expect(
      h.intercom
        .tagMembers(sync.appId, { name: 'Drifting' })
        .map((c) => c.external_id)
        .sort(),
    ).toEqual(['a1', 'c1', 'd1']);

    const resync = await h.admin('POST', `/api/cohort-syncs/${sync.connectionId}/resync`, {
      cohortId: 'coh1abc',
      cohortName: 'Power users',
      userIds: ['a1', 'c1', 'e1'],
    });
    expect(resync.status).toBe(202);
    const status = await waitForCohortSync(
      h,
      sync.connectionId,
      (s) => s.lastResync?.resyncId === resync.body.resyncId && s.pending === 0 && s.tagSize === 3,
    );
    expect(
      h.intercom
        .tagMembers(sync.appId, { name: 'Drifting' })
        .map((c) => c.external_id)
        .sort(),
    ).toEqual(['a1', 'c1', 'e1']);
    // b1 (recorded, not listed) and d1 (listed, never recorded) removed; e1 added; a1 and c1 untouched.
    expect(status.lastResync).toMatchObject({ added: 1, removed: 2, listedInIntercom: true });
  });

  it('pause holds, disabled skips, disconnect stops and can remove the tag', async () => {
    const sync = await createCohortSync(h);
    h.intercom.seedContacts(
      sync.appId,
      ['p1', 'p2', 'p3'].map((externalId) => ({ externalId })),
    );
    expect((await h.admin('POST', `/api/connections/${sync.connectionId}/pause`)).status).toBe(202);
    await waitForPublished(sync.connectionId, 'Paused');
    await postCohort(h, sync.ingestKey, cohortBatch(true, ['p1']));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(members(sync.appId)).toEqual([]);
    expect((await h.admin('POST', `/api/connections/${sync.connectionId}/resume`)).status).toBe(202);
    await waitForCohortSync(h, sync.connectionId, (s) => s.status === 'Enabled' && s.added === 1);

    const disabled = await h.admin('PATCH', `/api/cohort-syncs/${sync.connectionId}/settings`, { status: 'disabled' });
    expect(disabled).toMatchObject({ status: 200, body: { settings: { status: 'disabled' } } });
    await postCohort(h, sync.ingestKey, cohortBatch(true, ['p2']));
    await waitForCohortSync(h, sync.connectionId, (s) => s.status === 'Disabled' && s.skipped.sync_disabled === 1);
    expect(members(sync.appId)).toEqual(['p1']);

    const disconnect = await h.admin('POST', `/api/cohort-syncs/${sync.connectionId}/disconnect`, { removeTag: true });
    expect(disconnect.status).toBe(202);
    await waitForCohortSync(h, sync.connectionId, (s) => s.status === 'Disconnected');
    await eventually(async () => expect(h.intercom.tags(sync.appId)).toEqual([]), { timeoutMs: 10_000 });
    // Its key no longer opens the endpoint (the key cache forgets within 2 s).
    await eventually(
      async () => expect((await postCohort(h, sync.ingestKey, cohortBatch(true, ['p3']))).status).toBe(401),
      {
        timeoutMs: 10_000,
      },
    );
  });

  it('a plain disconnect leaves the tag in Intercom', async () => {
    const sync = await createCohortSync(h);
    h.intercom.seedContacts(sync.appId, [{ externalId: 'k1' }]);
    await postCohort(h, sync.ingestKey, cohortBatch(true, ['k1']));
    await waitForCohortSync(h, sync.connectionId, (s) => s.added === 1);
    expect((await h.admin('POST', `/api/connections/${sync.connectionId}/disconnect`)).status).toBe(202);
    await waitForCohortSync(h, sync.connectionId, (s) => s.status === 'Disconnected');
    expect(members(sync.appId)).toEqual(['k1']);
  });

  it('drains a rate-limit storm (429s) without losing a member', async () => {
    const sync = await createCohortSync(h);
    const users = Array.from({ length: 40 }, (_, i) => `storm-${i}`);
    h.intercom.seedContacts(
      sync.appId,
      users.map((externalId) => ({ externalId })),
    );
    h.intercom.faults.add({
      method: 'POST',
      path: /^\/contacts\/[^/]+\/tags$/,
      status: 429,
      times: 25,
      headers: {
        'x-ratelimit-limit': '1000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1),
      },
    });
    await postCohort(h, sync.ingestKey, cohortBatch(true, users));
    const status = await waitForCohortSync(h, sync.connectionId, (s) => s.added === 40, 60_000);
    expect(h.intercom.faults.injected['429']).toBe(25);
    expect(members(sync.appId)).toEqual([...users].sort());
    expect(status).toMatchObject({ tagSize: 40, pending: 0, expired: {}, skipped: {} });
    expect(status.counters.retried).toBeGreaterThan(0);
  });

  it('operators drive it from the CLI, and find it in Temporal by its search attributes', async () => {
    const cli = (args: string[]) => runCli({ CONNECTOR_API_URL: h.apiUrl, ADMIN_TOKEN: h.adminToken }, args);
    const workspace = h.intercom.addWorkspace({ name: 'CLI cohorts' });
    h.intercom.seedContacts(workspace.appId, [{ externalId: 'cli-1' }, { externalId: 'cli-2' }]);
    const created = await cli([
      'create-cohort-sync',
      '--name',
      'CLI cohort',
      '--intercom-access-token',
      workspace.accessToken,
      '--json',
    ]);
    expect(created.code).toBe(0);
    const { connectionId } = JSON.parse(created.stdout) as { connectionId: string };
    const settings = await cli(['cohort-settings', connectionId, '--tag-name', 'From the CLI', '--status', 'enabled']);
    expect(settings.code).toBe(0);
    const resync = await cli([
      'resync',
      connectionId,
      '--cohort-id',
      'clicoh',
      '--cohort-name',
      'CLI users',
      '--user-ids',
      'cli-1,cli-2',
    ]);
    expect(resync).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^resync resync-\S+ sent to intercom-cohort-/),
    });
    await waitForCohortSync(h, connectionId, (s) => s.added === 2 && s.tagSize === 2);
    expect(
      h.intercom
        .tagMembers(workspace.appId, { name: 'From the CLI' })
        .map((c) => c.external_id)
        .sort(),
    ).toEqual(['cli-1', 'cli-2']);
    const status = await cli(['status', connectionId, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ kind: 'intercom_cohort', added: 2, tagSize: 2 });

    const handle = h.client.workflow.getHandle(`intercom-${connectionId}`);
    expect((await handle.describe()).typedSearchAttributes.get(ProviderKey)).toBe('intercom-cohort');
    expect((await cli(['disconnect-cohort-sync', connectionId, '--remove-tag', 'true'])).code).toBe(0);
    await eventually(
      async () => expect((await handle.describe()).typedSearchAttributes.get(ConnectionStatusKey)).toBe('Disconnected'),
      { timeoutMs: 10_000 },
    );
    await eventually(async () => expect(h.intercom.tags(workspace.appId)).toEqual([]), { timeoutMs: 10_000 });
  });

  it('a sync over its storage quota answers 429 and stores nothing until delivery makes room', async () => {
    const sync = await createCohortSync(h);
    const users = Array.from({ length: 101 }, (_, i) => `q-${i}`);
    h.intercom.seedContacts(
      sync.appId,
      users.map((externalId) => ({ externalId })),
    );
    expect((await h.admin('POST', `/api/connections/${sync.connectionId}/pause`)).status).toBe(202);
    await waitForPublished(sync.connectionId, 'Paused');
    expect((await postCohort(h, sync.ingestKey, cohortBatch(true, users))).status).toBe(200);
    await h.api.quota.recount();
    const over = await postCohort(h, sync.ingestKey, cohortBatch(true, ['q-extra']));
    expect(over).toMatchObject({ status: 429, body: { code: 429 } });
    const [rows] = await queryRows<{ n: number }>(
      h.database.db,
      sql`SELECT count(*)::int AS n FROM destination_outbox WHERE connection_id = ${sync.connectionId}`,
    );
    expect(rows!.n).toBe(101);

    expect((await h.admin('POST', `/api/connections/${sync.connectionId}/resume`)).status).toBe(202);
    await waitForCohortSync(h, sync.connectionId, (s) => s.added === 101 && s.pending === 0);
    await h.api.quota.recount();
    expect((await postCohort(h, sync.ingestKey, cohortBatch(true, ['q-extra']))).status).toBe(200);
  });

  it('refuses unknown keys and malformed batches with a 4xx, storing nothing', async () => {
    const sync = await createCohortSync(h);
    const count = async () =>
      (
        await queryRows<{ n: number }>(
          h.database.db,
          sql`SELECT count(*)::int AS n FROM destination_outbox WHERE connection_id = ${sync.connectionId}`,
        )
      )[0]!.n;
    expect((await postCohort(h, undefined, cohortBatch(true, ['x1']))).status).toBe(401);
    expect((await postCohort(h, 'not-a-key', cohortBatch(true, ['x1']))).status).toBe(401);
    const bad = await postCohort(h, sync.ingestKey, { ...cohortBatch(true, ['x1']), in_cohort: 'yes' });
    expect(bad).toMatchObject({ status: 400, body: { error: expect.stringMatching(/in_cohort/) } });
    expect((await postCohort(h, sync.ingestKey, '{"cohort_id":')).status).toBe(400);
    expect(await count()).toBe(0);
  });
});
