import type { Client } from '@temporalio/client';
import { ConnectionRepository } from '../connections/repository';
import { connectionMemo } from '../connections/service';
import type { Services } from '../runtime/services';
import type { SourceSettings } from '../source/connection-settings';
import type { DestinationSettings } from '../destination/settings';
import { HISTORY_FORM } from '../../workflows/connection-lifecycle';
import { sourceConnection } from '../../workflows/source-connection';
import { destinationSync } from '../../workflows/destination-sync';

/**
 * The one-time move of connection workflows started before delivery shards. Their types
 * (`intercomSourceConnection`, `intercomDestinationSync`) ran one delivery activity per connection; the
 * new types (`sourceConnection`, `destinationSync`) are lifecycle-only, and their rows are drained by the
 * shards. Each running old workflow is replaced, under the same workflow id, by a new one that starts
 * where the old one stood (read from Postgres: workspace, settings, Connected, Paused). Queued rows stay
 * in Postgres and are claimed by the shards; rows leased by an old delivery come back when the lease ends.
 * Lost on the way: a queued (not yet started) backfill or replay request; a running backfill continues
 * and keeps reporting to the same workflow id.
 *
 * Every worker runs this at start; with nothing old running it costs one visibility query.
 */
export const LEGACY_WORKFLOW_TYPES = ['intercomSourceConnection', 'intercomDestinationSync'] as const;

export async function upgradeLegacyConnectionWorkflows(
  client: Client,
  services: Pick<Services, 'db' | 'secrets' | 'logger'> & { env: Pick<Services['env'], 'SOURCE_TOKEN_CHECK_INTERVAL'> },
  taskQueue: string,
): Promise<string[]> {
  const tokenCheckIntervalMs = services.env.SOURCE_TOKEN_CHECK_INTERVAL;
  const repository = new ConnectionRepository(services.db, services.secrets);
  const moved: string[] = [];
  const query = `WorkflowType IN (${LEGACY_WORKFLOW_TYPES.map((t) => `'${t}'`).join(', ')}) AND ExecutionStatus = 'Running'`;
  for await (const execution of client.workflow.list({ query })) {
    if (execution.taskQueue !== taskQueue) continue; // another deployment sharing the namespace
    const connectionId = execution.workflowId.replace(/^intercom-/, '');
    const connection = await repository.get(connectionId);
    if (!connection) continue;
    const common = {
      workflowId: execution.workflowId,
      taskQueue,
      workflowIdConflictPolicy: 'TERMINATE_EXISTING' as const,
    };
    if (connection.kind === 'intercom_source') {
      await client.workflow.start(sourceConnection, {
        ...common,
        args: [
          {
            connectionId,
            amplitudeProjectId: connection.amplitudeProjectId ?? connectionId.replace(/^source-/, ''),
            settings: connection.settings as SourceSettings,
            tokenCheckIntervalMs: tokenCheckIntervalMs,
            historyForm: HISTORY_FORM,
            resume: {
              workspaceId: connection.intercomWorkspaceId ?? undefined,
              connected: connection.status === 'Connected',
              paused: connection.status === 'Paused',
            },
          },
        ],
      });
    } else {
      await client.workflow.start(destinationSync, {
        ...common,
        args: [
          {
            connectionId,
            workspaceId: connection.intercomWorkspaceId ?? '',
            settings: connection.settings as DestinationSettings,
            resume: { paused: connection.status === 'Paused' },
            historyForm: HISTORY_FORM,
          },
        ],
      });
    }
    moved.push(execution.workflowId);
    services.logger.info({ workflowId: execution.workflowId }, 'moved a connection workflow to delivery shards');
  }
  return moved;
}
