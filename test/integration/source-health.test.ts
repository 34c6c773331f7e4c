import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client';
import { startHarness, uniqueId, type Harness } from '../support/harness';
import { onboardSource, waitForSource } from '../../testkit/source-flow';
import { itemForTopic } from '../../testkit/simulators/intercom';

/** The token health check notices an uninstall whose notice never came (issue: a source stays "Connected" forever). */
describe('Intercom source: token health check', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { SOURCE_TOKEN_CHECK_INTERVAL: '2s' } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('disconnects with reason uninstalled_in_intercom once Intercom refuses the token, without any notice', async () => {
    const { appId } = h.intercom.addWorkspace({ name: 'Silent uninstall' });
    const { connectionId, workflowId } = await onboardSource(h, {
      projectId: uniqueId('health'),
      appId,
      identityMapping: 'user_id',
    });
    await waitForSource(h, connectionId, (s) => s.status === 'Listening');
    // A few checks pass while the token works: nothing changes.
    const checksBefore = h.intercom.requests.filter((r) => r.path === '/me').length;
    await new Promise((r) => setTimeout(r, 5_000));
    expect(h.intercom.requests.filter((r) => r.path === '/me').length).toBeGreaterThan(checksBefore);
    expect((await waitForSource(h, connectionId, () => true)).status).toBe('Listening');

    await h.intercom.uninstallFromIntercom(appId, { notify: false });
    const result = await h.client.workflow.getHandle(workflowId).result();
    expect(result).toMatchObject({ status: 'Disconnected', reason: 'uninstalled_in_intercom' });
    const [row] = await queryRows<{ status: string }>(
      h.database.db,
      sql`SELECT status FROM connections WHERE id = ${connectionId}`,
    );
    expect(row!.status).toBe('Disconnected');
    // Intercom already refused the token: nothing to uninstall.
    expect(h.intercom.requests.filter((r) => r.path === '/auth/uninstall')).toHaveLength(0);
  });
});

/** Uninstall notices are unsigned: only Intercom's confirmed 401/403 on /me may disconnect, never its silence. */
describe('Intercom source: a forged uninstall notice while Intercom cannot answer', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  for (const mode of [503, 429, 'timeout'] as const) {
    it(`leaves the source streaming when /me answers ${mode === 'timeout' ? 'nothing (timeout)' : mode}`, async () => {
      const { appId } = h.intercom.addWorkspace({ name: `Forged ${mode}` });
      const { connectionId } = await onboardSource(h, {
        projectId: uniqueId(`forged-${mode}`),
        appId,
        identityMapping: 'user_id',
      });
      await waitForSource(h, connectionId, (s) => s.phase === 'listening');
      const created = (externalId: string) =>
        h.intercom.deliverWebhook(`${h.apiUrl}/intercom/webhooks`, {
          appId,
          topic: 'contact.user.created',
          item: itemForTopic('contact.user.created', { appId, contact: { id: uniqueId('c'), externalId } }),
        });
      await created(`before-${mode}`);
      await waitForSource(h, connectionId, (s) => s.status === 'Connected' && s.delivered === 1);

      const faultKey = mode === 'timeout' ? 'hang' : String(mode);
      const faultsBefore = h.intercom.faults.injected[faultKey] ?? 0;
      if (mode === 'timeout') h.intercom.faults.add({ method: 'GET', path: '/me', hang: true, times: 1 });
      else h.intercom.faults.failNext(2, mode, { method: 'GET', path: '/me' });
      const forged = await fetch(`${h.apiUrl}/intercom/uninstall`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ app_id: appId }),
      });
      expect(forged.status).toBe(200);
      try {
        // The check is retried through the fault, then finds the token valid.
        const checked = await waitForSource(
          h,
          connectionId,
          (s) => /uninstall notice ignored/.test(s.lastError?.message ?? ''),
          60_000,
        );
        expect(checked).toMatchObject({ status: 'Connected', phase: 'streaming' });
        expect((h.intercom.faults.injected[faultKey] ?? 0) - faultsBefore).toBeGreaterThan(0);
      } finally {
        h.intercom.faults.clear();
      }
      expect(h.intercom.requests.filter((r) => r.path === '/auth/uninstall')).toHaveLength(0);
      expect(h.intercom.workspace(appId).installed).toBe(true);
      await created(`after-${mode}`);
      await waitForSource(h, connectionId, (s) => s.status === 'Connected' && s.delivered === 2);
    }, 90_000);
  }
});
