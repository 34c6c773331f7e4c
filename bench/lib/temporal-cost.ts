import path from 'node:path';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { eventSignal, naiveOnePerEvent } from './naive-workflow';

/** History events of every run of a workflow id (continue-as-new chains included). */
export async function historyEvents(client: Client, workflowId: string): Promise<number> {
  let total = 0;
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    total += history.events?.length ?? 0;
  }
  return total;
}

/** Runs the naive baseline for `events` events on the same server and returns its history events per event. */
export async function naiveHistoryEventsPerEvent(client: Client, events: number): Promise<number> {
  const address = (client.connection as unknown as { options: { address: string } }).options.address;
  const connection = await NativeConnection.connect({ address });
  const taskQueue = `naive-${Date.now()}`;
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: path.join(__dirname, 'naive-workflow.ts'),
    activities: { deliverOne: async () => undefined },
  });
  const workflowId = `naive-${Date.now()}`;
  await worker.runUntil(async () => {
    const handle = await client.workflow.start(naiveOnePerEvent, { taskQueue, workflowId, args: [events] });
    for (let n = 0; n < events; n += 1) await handle.signal(eventSignal, n);
    await handle.result();
  });
  await connection.close();
  return (await historyEvents(client, workflowId)) / events;
}
