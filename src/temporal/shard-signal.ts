import type { Client } from '@temporalio/client';
import { LANES, shardWorkflowId, type Lane } from '../delivery/shards';
import { deliveryShard } from '../../workflows/delivery-shard';
import { eventsAvailableSignal } from '../../workflows/connection-signals';

/** Rings a delivery shard, starting its workflow if it is not running yet (signal-with-start). */
export async function signalShard(client: Client, taskQueue: string, lane: Lane, shard: number): Promise<void> {
  await client.workflow.signalWithStart(deliveryShard, {
    workflowId: shardWorkflowId(taskQueue, lane, shard),
    taskQueue,
    args: [{ lane, shard }],
    signal: eventsAvailableSignal,
    staticSummary: `Delivery shard ${shard} of the ${lane} lane`,
  });
}

/** Starts every shard of every lane that is not running yet (worker start-up), so none waits for a first doorbell. */
export async function ensureShards(client: Client, taskQueue: string, shardCount: number): Promise<void> {
  await Promise.all(
    LANES.flatMap((lane) =>
      Array.from({ length: shardCount }, (_, shard) =>
        client.workflow
          .start(deliveryShard, {
            workflowId: shardWorkflowId(taskQueue, lane, shard),
            taskQueue,
            args: [{ lane, shard }],
            workflowIdConflictPolicy: 'USE_EXISTING',
            staticSummary: `Delivery shard ${shard} of the ${lane} lane`,
          })
          .then(() => undefined),
      ),
    ),
  );
}
