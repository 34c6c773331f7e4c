import { defineQuery, defineSignal, defineUpdate, log, setHandler } from '@temporalio/workflow';
import type { DestinationSettings, SettingsPatch } from '../src/destination/settings';
import { applySettingsPatch } from './settings-patches';
import { continueAsNewIfSuggested, control, newControlState } from './connection-lifecycle';
import * as sync from './intercom-sync';

/**
 * The lifecycle of one destination sync (workflow id `intercom-destination-<id>`): Amplitude events and
 * identifies, stored by the ingestion API, are delivered to one Intercom workspace by the `intercom` lane's
 * shards according to the sync's settings. This workflow decides what delivery may do:
 * - enabled: deliver; disabled: send nothing and queue nothing (rows are settled as skipped `sync_disabled`,
 *   so enabling later never flushes a stale backlog; a replay re-sends a window on purpose);
 * - paused: hold everything queued until resume; error (a rejected token): hold until the token is replaced.
 */

export type DestinationStatus = sync.Status;

export interface DestinationInput {
  connectionId: string;
  workspaceId: string;
  settings: DestinationSettings;
  /** Where a run that was moved to this model starts (src/temporal/upgrade.ts). */
  resume?: { paused?: boolean };
  /** The history form the run records (HISTORY_FORM, workflows/connection-lifecycle.ts); absent: form 1. */
  historyForm?: number;
  carried?: DestinationState;
}

interface DestinationState extends sync.State<DestinationSettings> {
  replays: ReplayRequest[];
  disconnected?: boolean;
}

export interface ReplayRequest {
  /** ISO-8601 bounds on the event time; `to` is exclusive. */
  from: string;
  to: string;
}

export interface DestinationLifecycle extends sync.Lifecycle<DestinationSettings> {
  replaysQueued: number;
}

export const updateSettingsUpdate = defineUpdate<DestinationSettings, [SettingsPatch]>('updateSettings');
export const replaySignal = defineSignal<[ReplayRequest]>('replay');
export const destinationStatusQuery = defineQuery<DestinationLifecycle>('status');

/** Why a replay window cannot run, or undefined. Pure: the workflow checks what `temporal workflow signal` sends. */
export function replayRequestProblem(request: unknown): string | undefined {
  const r = request as Partial<ReplayRequest> | null;
  if (!r || typeof r.from !== 'string' || typeof r.to !== 'string') return 'replay needs from and to (ISO-8601 times)';
  const from = Date.parse(r.from);
  const to = Date.parse(r.to);
  if (Number.isNaN(from) || Number.isNaN(to)) return 'from and to must be ISO-8601 times';
  if (from >= to) return 'from must be before to';
  return undefined;
}

export async function destinationSync(input: DestinationInput): Promise<{ status: 'Disconnected' }> {
  const state: DestinationState = input.carried ?? {
    ...newControlState(input.historyForm),
    paused: input.resume?.paused ?? false,
    settings: input.settings,
    replays: [],
  };
  const { connectionId } = input;

  const lifecycle = (): DestinationLifecycle => ({
    ...sync.lifecycleOf(input, state),
    replaysQueued: state.replays.length,
  });
  const show = () => {
    const s = state.settings;
    return sync.show(state, lifecycle(), [
      `Send Events: ${s.sendEvents.enabled ? 'on' : 'off'} · Create & Update Users: ${s.createUpdateUsers.enabled ? 'on' : 'off'}`,
    ]);
  };

  sync.start('intercom-destination', input, state, {
    settingsUpdate: updateSettingsUpdate,
    applyPatch: applySettingsPatch,
    statusQuery: destinationStatusQuery,
    lifecycle,
  });
  setHandler(replaySignal, (request) => {
    // Checked here too: `temporal workflow signal` reaches the workflow without the API's validation.
    const problem = replayRequestProblem(request);
    if (problem) state.lastError = { message: `replay request ignored: ${problem}`, at: Date.now() };
    else state.replays.push({ from: request.from, to: request.to });
  });

  await sync.run(state, {
    show,
    continueAsNewIfSuggested: () => continueAsNewIfSuggested<typeof destinationSync>({ ...input, carried: state }),
    queue: () => state.replays,
    work: async (request) => {
      const requeued = await control.replayDestinationWindow({ connectionId, ...request });
      log.info('replay requeued rows', { connectionId, requeued, ...request });
    },
    failure: 'replay failed',
    disconnect: async () => {
      await control.disconnectDestination({ connectionId });
      await show();
    },
  });
  return { status: 'Disconnected' };
}
