import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { startHarness, uniqueId, type Harness } from '../support/harness';
import { onboardSource, waitForSource } from '../../testkit/source-flow';
import { itemForTopic } from '../../testkit/simulators/intercom';
import { eventually } from '../../testkit/eventually';
import { upgradeLegacyConnectionWorkflows } from '../../src/temporal/upgrade';

/**
 * Connections whose workflow was started before delivery shards run the old workflow types; the worker moves
 * them to the new types at start (src/temporal/upgrade.ts) without losing what was queued.
 */
describe('moving connection workflows to delivery shards', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('replaces a running old-type source workflow under the same id, where it stood, and loses no queued row', async () => {
    const { appId } = h.intercom.addWorkspace({ name: 'Legacy' });
    const projectId = uniqueId('legacy');
    const { connectionId, workflowId } = await onboardSource(h, { projectId, appId, identityMapping: 'user_id' });
    const webhook = (externalId: string) =>
      h.intercom.deliverWebhook(`${h.apiUrl}/intercom/webhooks`, {
        appId,
        topic: 'contact.user.created',
        item: itemForTopic('contact.user.created', { appId, contact: { id: uniqueId('c'), externalId } }),
      });
    expect((await webhook('before-upgrade')).status).toBe(200);
    await waitForSource(h, connectionId, (s) => s.status === 'Connected' && s.delivered === 1);

    // What an old deployment left running: the same workflow id, of the old type (this worker has no such type).
    await h.client.workflow.getHandle(workflowId).terminate('simulating a run started by an older release');
    await h.client.workflow.start('intercomSourceConnection', {
      workflowId,
      taskQueue: h.taskQueue,
      args: [{ connectionId, amplitudeProjectId: projectId }],
    });
    // Webhooks keep arriving meanwhile: they are stored, and the shards deliver them whatever runs the lifecycle.
    for (let i = 0; i < 5; i += 1) expect((await webhook(`during-${i}`)).status).toBe(200);

    const moved = await upgradeLegacyConnectionWorkflows(h.client, h.services, h.taskQueue);
    expect(moved).toEqual([workflowId]);
    const description = await h.client.workflow.getHandle(workflowId).describe();
    expect(description.type).toBe('sourceConnection');
    expect(description.status.name).toBe('RUNNING');
    // Where it stood: connected to the same workspace, with the same mapping.
    const status = await waitForSource(h, connectionId, (s) => s.status === 'Connected' && s.delivered === 6);
    expect(status.workspaceId).toBe(appId);
    expect(status.settings).toMatchObject({ identityMapping: 'user_id' });
    await eventually(() =>
      expect(h.amplitude.events.filter((e) => String(e.event.user_id).startsWith('during-'))).toHaveLength(5),
    );

    // Nothing old is left to move, and the new workflow answers operators.
    expect(await upgradeLegacyConnectionWorkflows(h.client, h.services, h.taskQueue)).toEqual([]);
    expect((await h.admin('POST', `/api/connections/${connectionId}/pause`)).status).toBe(202);
    await waitForSource(h, connectionId, (s) => s.status === 'Paused');
    // Starting another old-type run under the id of a running new one is refused: the move is one-way.
    await expect(
      h.client.workflow.start('intercomSourceConnection', { workflowId, taskQueue: h.taskQueue, args: [{}] }),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
  });
});
