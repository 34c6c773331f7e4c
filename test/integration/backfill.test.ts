import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client';
import { startHarness, uniqueId, type Harness } from '../support/harness';
import { eventually } from '../../testkit/eventually';
import { onboardSource, waitForSource } from '../../testkit/source-flow';
import { ServiceProcess } from '../../testkit/service-process';

/**
 * Historical backfill, with the worker running as its own process and killed with SIGKILL
 * mid-backfill: every fact still arrives in Amplitude exactly once.
 */
describe('source backfill', () => {
  let h: Harness;
  let worker: ServiceProcess;
  beforeAll(async () => {
    h = await startHarness({ noInProcessWorker: true });
    worker = new ServiceProcess('worker', h.rawEnv);
    await worker.start();
  });
  afterAll(async () => {
    await worker?.stop();
    await h?.stop();
  });

  it('imports contacts and conversations with their parts once each, across a worker crash and the live stream', async () => {
    const { appId } = h.intercom.addWorkspace({ name: 'History' });
    const amplitudeApiKey = `amp-${uniqueId('history')}`;
    const { connectionId } = await onboardSource(h, {
      projectId: uniqueId('hist'),
      appId,
      identityMapping: 'user_id',
      amplitudeApiKey,
    });
    await waitForSource(h, connectionId, (s) => s.phase === 'listening');

    const contacts = h.intercom.seedContacts(appId, 200);
    h.intercom.seedConversations(appId, 30); // 3 parts each, opened by customers, within the last 30 hours
    const expectedFacts = 200 + 30 * (1 + 3);

    // One contact already arrived live: the backfill must not import it a second time.
    const live = await h.intercom.deliverWebhook(`${h.apiUrl}/intercom/webhooks`, {
      appId,
      topic: 'contact.user.created',
      item: contacts[0],
    });
    expect(live.status).toBe(200);
    await waitForSource(h, connectionId, (s) => s.delivered === 1);

    // Slow conversation reads down so the kill lands mid-backfill.
    h.intercom.faults.add({ method: 'GET', path: /^\/conversations\/[^/]+$/, delayMs: 120, times: 1000 });
    const since = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const started = await h.admin('POST', `/api/connections/${connectionId}/backfill`, { since, until });
    expect(started.status).toBe(202);

    const beforeCrash = await waitForSource(
      h,
      connectionId,
      (s) => s.backfill?.objects?.contacts?.done === true && s.backfill?.status === 'running',
    );
    await worker.kill();
    await worker.start();

    const done = await waitForSource(h, connectionId, (s) => s.backfill?.status === 'completed', 120_000);
    expect(done.backfill.objects.contacts).toMatchObject({ scanned: 200, done: true });
    expect(done.backfill.objects.conversations.done).toBe(true);
    expect(beforeCrash.backfill.objects.conversations?.done ?? false).toBe(false);

    await eventually(
      () => expect(h.amplitude.events.filter((e) => e.apiKey === amplitudeApiKey)).toHaveLength(expectedFacts),
      { timeoutMs: 60_000 },
    );
    const stored = h.amplitude.events.filter((e) => e.apiKey === amplitudeApiKey);
    expect(new Set(stored.map((e) => e.event.insert_id)).size).toBe(expectedFacts);
    const [rows] = await queryRows<{ n: number }>(
      h.database.db,
      sql`SELECT count(*)::int AS n FROM source_inbox WHERE connection_id = ${connectionId}`,
    );
    expect(rows!.n).toBe(expectedFacts);
    const types = stored.reduce<Record<string, number>>(
      (acc, e) => ({ ...acc, [e.event.event_type]: (acc[e.event.event_type] ?? 0) + 1 }),
      {},
    );
    expect(types).toEqual({
      '[Intercom] contact.user.created': 200,
      '[Intercom] conversation.user.created': 30,
      '[Intercom] conversation.user.replied': expect.any(Number),
      '[Intercom] conversation.admin.replied': expect.any(Number),
    });
    expect(types['[Intercom] conversation.user.replied']! + types['[Intercom] conversation.admin.replied']!).toBe(90);
    // Backfilled events carry the fact's own time, not the time of the backfill.
    const contactEvent = stored.find((e) => e.event.user_id === contacts[5]!.external_id);
    expect(contactEvent?.event.time).toBe(Number(contacts[5]!.created_at) * 1000);
    h.intercom.faults.clear();
  });

  it('refuses a backfill with a bad window, with the reason', async () => {
    const { appId } = h.intercom.addWorkspace({ name: 'Bad window' });
    const { connectionId } = await onboardSource(h, { projectId: uniqueId('bw'), appId, identityMapping: 'user_id' });
    const bad = await h.admin('POST', `/api/connections/${connectionId}/backfill`, {
      since: '2026-02-01T00:00:00Z',
      until: '2026-01-01T00:00:00Z',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/since must be before until/);
  });
});
