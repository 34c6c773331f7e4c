import { Context } from '@temporalio/activity';
import { drainShard, type DrainReport, type LifecycleEvent } from '../src/delivery/drain';
import { createAmplitudeLane } from '../src/delivery/lanes/amplitude';
import { createIntercomLane } from '../src/delivery/lanes/intercom';
import { workflowIdFor } from '../src/connections/ids';
import type { Services } from '../src/runtime/services';
import { signalShard } from '../src/temporal/shard-signal';
import { deliveryEventSignal } from '../workflows/connection-signals';
import type { DeliveryActivities, DeliveryShardInput } from '../workflows/delivery-shard';

/** Hand back to the shard workflow after this long (keeps activities and histories short). */
const DRAIN_BUDGET_MS = 20_000;
/** Under a steady stream the drain lingers, polling, instead of returning as soon as it is empty. */
const LINGER_MS = 1_000;
const POLL_MS = 25;

export function createDeliveryActivities(services: Services): DeliveryActivities {
  const { env, logger } = services;
  return {
    /** The shard's drain (src/delivery/drain.ts) with this worker's clients, lease owner and pacing. */
    async drainShard(input: DeliveryShardInput): Promise<DrainReport> {
      const activity = Context.current();
      const info = activity.info;
      const lane =
        input.lane === 'amplitude' ? createAmplitudeLane(services, input.shard) : createIntercomLane(services);
      const notify = async (connectionId: string, event: LifecycleEvent) => {
        try {
          await activity.client.workflow.getHandle(workflowIdFor(connectionId)).signal(deliveryEventSignal, event);
        } catch (err) {
          logger.warn(
            { connectionId, event: event.kind, err: { message: (err as Error).message } },
            'could not tell the connection workflow about a delivery event',
          );
        }
      };
      // Another shard's rows made due here (a cohort member released by an identify): ring it. This shard's own
      // rows need no ring: the drain is running and claims them.
      const ring = async (shard: number) => {
        if (shard === input.shard) return;
        try {
          await signalShard(activity.client, info.taskQueue, input.lane, shard);
        } catch (err) {
          logger.warn({ shard, err: { message: (err as Error).message } }, 'could not ring a delivery shard');
        }
      };
      return drainShard(
        lane as Parameters<typeof drainShard>[0],
        { db: services.db, logger, metrics: services.metrics, notify, ring },
        {
          shard: input.shard,
          // Per attempt: a retry must not take over rows the attempt before it may still be sending (their lease
          // ends first), or both would send them.
          owner: `${info.workflowExecution?.workflowId ?? 'standalone'}/${info.activityId}/${info.attempt}`,
          signal: activity.cancellationSignal,
          heartbeat: (details) => activity.heartbeat(details),
          budgetMs: DRAIN_BUDGET_MS,
          lingerMs: LINGER_MS,
          pollMs: POLL_MS,
          maxPendingAgeMs: env.DELIVERY_MAX_PENDING_AGE,
        },
      );
    },
  };
}
