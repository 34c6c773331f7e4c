import { defineSignal } from '@temporalio/workflow';
import type { BackfillObject } from '../activities/backfill';

/** What an operator asks for: a window of history and which objects to read. */
export interface BackfillRequest {
  since: string;
  until: string;
  objects?: BackfillObject[];
}

export interface BackfillProgress {
  status: 'queued' | 'running' | 'completed' | 'failed';
  since: string;
  until: string;
  objects: Partial<Record<BackfillObject, { scanned: number; imported: number; done: boolean }>>;
  error?: string;
  workflowId?: string;
}

export const BACKFILL_OBJECTS: readonly BackfillObject[] = ['contacts', 'conversations'];

/** Starts a backfill of the source connection (`temporal workflow signal --name backfill --input '{"since":…,"until":…}'`). */
export const backfillSignal = defineSignal<[BackfillRequest]>('backfill');
/** Sent by the backfill child to its connection's workflow as it goes. */
export const backfillProgressSignal = defineSignal<[BackfillProgress]>('backfillProgress');

/** Why a request cannot run, or undefined when it can. Pure: used by the workflow and the API. */
export function backfillRequestProblem(request: BackfillRequest): string | undefined {
  const since = Date.parse(request.since);
  const until = Date.parse(request.until);
  if (Number.isNaN(since) || Number.isNaN(until)) return 'since and until must be ISO-8601 times';
  if (since >= until) return 'since must be before until';
  const unknown = (request.objects ?? []).filter((o) => !BACKFILL_OBJECTS.includes(o));
  if (unknown.length > 0) return `unknown objects: ${unknown.join(', ')} (choose from ${BACKFILL_OBJECTS.join(', ')})`;
  return undefined;
}
