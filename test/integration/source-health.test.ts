import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client';
import { startHarness, uniqueId, type Harness } from '../support/harness';
import { onboardSource, waitForSource } from '../../testkit/source-flow';

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
