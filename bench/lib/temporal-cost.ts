import path from 'node:path';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
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

/**
 * History event types Temporal bills as actions (or that stand for one): an activity, a timer, a signal
 * received or sent, a child started, a search-attribute upsert, a continue-as-new, an update accepted.
 */
const EventType = temporal.api.enums.v1.EventType;
const ACTION_EVENT_TYPES = new Set<number>([
  EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
  EventType.EVENT_TYPE_TIMER_STARTED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
  EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
  EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
  EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
]);

interface Execution {
  workflowId: string;
  runId: string;
  type: string;
}

async function executionsOn(client: Client, taskQueue: string): Promise<Execution[]> {
  const all: Execution[] = [];
  for await (const e of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
    all.push({ workflowId: e.workflowId, runId: e.runId, type: e.type });
  }
  return all;
}

/**
 * The events of the task queue's workflows that happened in [from, to]: every run of the delivery shards and
 * of the other few, and a sample of at most `sample` connection workflows scaled up to all of them (reading
 * ten thousand histories would measure the reading). Returns totals by group and by event type.
 */
async function eventsInWindow(
  client: Client,
  taskQueue: string,
  from: number,
  to: number,
  keep: (eventType: number) => boolean,
  sample = 300,
): Promise<{ total: number; shards: number; connections: number; byType: Record<string, number> }> {
  const executions = await executionsOn(client, taskQueue);
  const isConnection = (e: Execution) => e.type === 'sourceConnection' || e.type === 'destinationSync';
  const connections = executions.filter(isConnection);
  const rest = executions.filter((e) => !isConnection(e));
  const step = Math.max(1, Math.ceil(connections.length / sample));
  const sampled = connections.filter((_, i) => i % step === 0);
  const byType: Record<string, number> = {};
  const count = async (e: Execution, weight: number) => {
    const history = await client.workflow.getHandle(e.workflowId, e.runId).fetchHistory();
    let n = 0;
    for (const event of history.events ?? []) {
      const at = event.eventTime?.seconds ? Number(event.eventTime.seconds) * 1000 : 0;
      const type = Number(event.eventType ?? 0);
      if (at < from || at > to || !keep(type)) continue;
      n += weight;
      const name = EventType[type] ?? String(type);
      byType[name] = (byType[name] ?? 0) + weight;
    }
    return n;
  };
  let shards = 0;
  for (const e of rest) shards += await count(e, 1);
  let sampledConnections = 0;
  const weight = sampled.length > 0 ? connections.length / sampled.length : 0;
  for (const e of sampled) sampledConnections += await count(e, weight);
  return { total: shards + sampledConnections, shards, connections: sampledConnections, byType };
}

/** History events of every workflow on the task queue since `from` (connections sampled and scaled). */
export async function historyEventsSince(client: Client, taskQueue: string, from: number): Promise<number> {
  return (await historySince(client, taskQueue, from)).total;
}

/** The same, split into shards and connections and by event type (where a figure comes from). */
export function historySince(client: Client, taskQueue: string, from: number) {
  return eventsInWindow(client, taskQueue, from, Date.now(), () => true);
}

/** Billable actions (see ACTION_EVENT_TYPES) of the task queue's workflows in [from, to]. */
export function actionsOf(client: Client, taskQueue: string, from: number, to: number) {
  return eventsInWindow(client, taskQueue, from, to, (type) => ACTION_EVENT_TYPES.has(type));
}
