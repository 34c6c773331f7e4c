import {
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  defineQuery,
  setCurrentDetails,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BackfillObject } from '../activities/backfill';
import { NON_RETRYABLE_FAILURE_TYPES } from '../src/outcomes';
import { eventsAvailableSignal } from './connection-signals';
import { backfillProgressSignal, type BackfillProgress } from './backfill-messages';

/**
 * A historical backfill of one source connection, run as a child of the connection's workflow.
 * Pages Intercom's search APIs object kind by object kind through `backfillPage` calls whose cursors
 * are heartbeated (a crashed worker's attempt resumes from its last page), writes facts into the
 * same inbox as the live stream, and keeps the parent informed so its status shows the progress.
 */
export interface BackfillInput {
  connectionId: string;
  parentWorkflowId: string;
  since: string;
  until: string;
  objects: BackfillObject[];
}

export const backfillProgressQuery = defineQuery<BackfillProgress>('progress');

const { backfillPage } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
  },
});

export async function intercomSourceBackfill(input: BackfillInput): Promise<BackfillProgress> {
  const progress: BackfillProgress = {
    status: 'running',
    since: input.since,
    until: input.until,
    objects: Object.fromEntries(input.objects.map((o) => [o, { scanned: 0, imported: 0, done: false }])),
  };
  setHandler(backfillProgressQuery, () => progress);
  const parent = getExternalWorkflowHandle(input.parentWorkflowId);
  const report = async () => {
    setCurrentDetails(describe(progress));
    await parent.signal(backfillProgressSignal, progress);
  };

  try {
    for (const object of input.objects) {
      let cursor: string | undefined;
      for (;;) {
        const page = await backfillPage({
          connectionId: input.connectionId,
          object,
          since: input.since,
          until: input.until,
          cursor,
        });
        const counts = progress.objects[object]!;
        counts.scanned += page.scanned;
        counts.imported += page.imported;
        counts.done = page.done;
        cursor = page.cursor;
        // Backfills started before delivery shards rang their parent; the page activity now rings the shard.
        if (page.imported > 0 && !patched('delivery-shards')) await parent.signal(eventsAvailableSignal);
        await report();
        if (page.done) break;
      }
    }
    progress.status = 'completed';
  } catch (err) {
    progress.status = 'failed';
    progress.error = (err as Error).message;
  }
  await report();
  return progress;
}

function describe(progress: BackfillProgress): string {
  const lines = Object.entries(progress.objects).map(
    ([object, c]) => `- ${object}: ${c.scanned} scanned, ${c.imported} imported${c.done ? ' (done)' : ''}`,
  );
  return [`**Backfill ${progress.status}** ${progress.since} → ${progress.until}`, ...lines].join('\n');
}
