import { ScheduleOverlapPolicy, type Client, type ScheduleDescription } from '@temporalio/client';
import { RETENTION_SCHEDULE_ID, retention } from '../../workflows/retention';

/**
 * Makes the daily retention schedule exist and run with this RETENTION_DAYS: created on the first
 * start, updated when a worker starts with another value (so the setting follows the configuration;
 * during a rolling change the last worker started wins). Answers what it did.
 */
export async function ensureRetentionSchedule(
  client: Client,
  taskQueue: string,
  retentionDays: number,
  scheduleId = RETENTION_SCHEDULE_ID,
): Promise<'created' | 'updated' | 'unchanged'> {
  const handle = client.schedule.getHandle(scheduleId);
  let description: ScheduleDescription | undefined;
  try {
    description = await handle.describe();
  } catch (err) {
    if ((err as Error).name !== 'ScheduleNotFoundError') throw err;
  }
  if (description) {
    const [input] = (description.action.args ?? []) as [{ retentionDays?: number } | undefined];
    if (input?.retentionDays === retentionDays) return 'unchanged';
    await handle.update((previous) => ({
      ...previous,
      action: { ...previous.action, workflowType: retention, args: [{ retentionDays }] },
    }));
    return 'updated';
  }
  try {
    await client.schedule.create({
      scheduleId,
      spec: { calendars: [{ hour: 3, minute: 17 }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      action: {
        type: 'startWorkflow',
        workflowType: retention,
        taskQueue,
        args: [{ retentionDays }],
        workflowId: 'connector-retention',
      },
    });
    return 'created';
  } catch (err) {
    // Another worker created it between our describe and create.
    if ((err as Error).name !== 'ScheduleAlreadyRunning') throw err;
    return 'unchanged';
  }
}
