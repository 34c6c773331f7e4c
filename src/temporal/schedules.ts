import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { RETENTION_SCHEDULE_ID, retention } from '../../workflows/retention';

/** Creates the daily retention schedule once; later calls find it and leave it alone. */
export async function ensureRetentionSchedule(client: Client, taskQueue: string, retentionDays: number): Promise<void> {
  try {
    await client.schedule.getHandle(RETENTION_SCHEDULE_ID).describe();
    return;
  } catch (err) {
    if ((err as Error).name !== 'ScheduleNotFoundError') throw err;
  }
  try {
    await client.schedule.create({
      scheduleId: RETENTION_SCHEDULE_ID,
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
  } catch (err) {
    // Another worker created it between our describe and create.
    if ((err as Error).name !== 'ScheduleAlreadyRunning') throw err;
  }
}
