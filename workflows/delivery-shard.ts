import { condition, continueAsNew, log, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { DrainReport } from '../src/delivery/drain';
import type { Lane } from '../src/delivery/shards';
import { eventsAvailableSignal } from './connection-signals';

/**
 * One delivery shard (workflow id `<task queue>.delivery.<lane>.<n>`, src/delivery/shards.ts): it drains the
 * queued rows of every connection hashed to it, whatever their number, so delivery costs follow the event
 * rate, not the tenant count. It waits for a doorbell (rung by the api when rows are stored, and by a
 * connection's workflow when it becomes deliverable), then runs the drain activity, which lingers while rows
 * keep coming. When rows are scheduled for later (retries, parked events) it sleeps until the first is due.
 */
export interface DeliveryShardInput {
  lane: Lane;
  shard: number;
}

/** What a shard asks of its worker: activities/delivery.ts implements it (and rings shards, so it imports this file). */
export interface DeliveryActivities {
  /** Drains one shard of one lane. Idempotent: rows are leased, insert_ids stable. */
  drainShard(input: DeliveryShardInput): Promise<DrainReport>;
}

const drain = proxyActivities<DeliveryActivities>({
  startToCloseTimeout: '2 minutes',
  // Short: a crashed worker's drain is retried within seconds.
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** With no doorbell and nothing scheduled, look anyway this often, in case a doorbell was lost. */
const IDLE_CHECK_MS = 10 * 60_000;
const ERROR_BACKOFF_MS = 5_000;

export async function deliveryShard(input: DeliveryShardInput): Promise<void> {
  let doorbell = true; // look once on every (re)start
  let nextDueAt: number | undefined;
  setHandler(eventsAvailableSignal, () => {
    doorbell = true;
  });

  for (;;) {
    if (workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof deliveryShard>(input);
    }
    if (!doorbell) {
      const wait = nextDueAt !== undefined ? Math.max(nextDueAt - Date.now(), 250) : IDLE_CHECK_MS;
      await condition(() => doorbell || workflowInfo().continueAsNewSuggested, wait);
      if (!doorbell && workflowInfo().continueAsNewSuggested) continue;
    }
    doorbell = false;
    try {
      const report = await drain.drainShard(input);
      nextDueAt = report.nextDueAt;
      // Ended by its time budget with work left: go again at once.
      if (report.busy) doorbell = true;
    } catch (err) {
      log.warn('delivery shard drain failed; backing off', { ...input, error: (err as Error).message });
      await sleep(ERROR_BACKOFF_MS);
      doorbell = true;
    }
  }
}
