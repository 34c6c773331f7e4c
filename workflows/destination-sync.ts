import {
  allHandlersFinished,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  log,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { applySettingsPatch, type DestinationSettings, type SettingsPatch } from '../src/destination/settings';
// The same shared lifecycle pieces as the other connection workflow: that is what connection-lifecycle.ts is for.
import {
  continueAsNewIfSuggested,
  continueAsNewSuggested,
  control,
  errorMessage,
  handleControls,
  isPublished,
  iso,
  untilPublished,
  newControlState,
  publish,
  type ControlState,
} from './connection-lifecycle';
import { IntercomWorkspaceKey, ProviderKey } from './search-attributes';

/**
 * The lifecycle of one destination sync (workflow id `intercom-destination-<id>`): Amplitude events and
 * identifies, stored by the ingestion API, are delivered to one Intercom workspace by the `intercom` lane's
 * shards according to the sync's settings. This workflow decides what delivery may do:
 * - enabled: deliver; disabled: send nothing and queue nothing (rows are settled as skipped `sync_disabled`,
 *   so enabling later never flushes a stale backlog; a replay re-sends a window on purpose);
 * - paused: hold everything queued until resume; error (a rejected token): hold until the token is replaced.
 */

export type DestinationStatus = 'Enabled' | 'Disabled' | 'Paused' | 'Error' | 'Disconnected';

export interface DestinationInput {
  connectionId: string;
  workspaceId: string;
  settings: DestinationSettings;
  /** Where a run that was moved to this model starts (src/temporal/upgrade.ts). */
  resume?: { paused?: boolean };
  carried?: DestinationState;
}

interface DestinationState extends ControlState {
  settings: DestinationSettings;
  replays: ReplayRequest[];
  disconnected?: boolean;
}

export interface ReplayRequest {
  /** ISO-8601 bounds on the event time; `to` is exclusive. */
  from: string;
  to: string;
}

/** The lifecycle part of a sync's status; counters come from Postgres (src/connections/status.ts). */
export interface DestinationLifecycle {
  connectionId: string;
  workspaceId: string;
  status: DestinationStatus;
  settings: DestinationSettings;
  error?: { reason: string; message: string; at: string };
  lastError?: { message: string; at: string };
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
    ...newControlState(),
    paused: input.resume?.paused ?? false,
    settings: input.settings,
    replays: [],
  };
  const { connectionId } = input;

  const statusNow = (): { status: DestinationStatus; deliveryState: 'active' | 'held' | 'discard' } => {
    if (state.disconnect) return { status: 'Disconnected', deliveryState: 'held' };
    // Disabled wins over paused and error: nothing may wait while disabled.
    const disabled = state.settings.status === 'disabled';
    if (state.error) return { status: 'Error', deliveryState: disabled ? 'discard' : 'held' };
    if (disabled) return { status: 'Disabled', deliveryState: 'discard' };
    if (state.paused) return { status: 'Paused', deliveryState: 'held' };
    return { status: 'Enabled', deliveryState: 'active' };
  };
  const lifecycle = (): DestinationLifecycle => ({
    connectionId,
    workspaceId: input.workspaceId,
    status: statusNow().status,
    settings: state.settings,
    error: state.error ? { ...state.error, at: iso(state.error.at)! } : undefined,
    lastError: state.lastError ? { message: state.lastError.message, at: iso(state.lastError.at)! } : undefined,
    replaysQueued: state.replays.length,
  });
  const show = () => publish(connectionId, state, statusNow(), detailsOf(lifecycle()));

  upsertSearchAttributes([
    { key: ProviderKey, value: 'intercom-destination' },
    { key: IntercomWorkspaceKey, value: input.workspaceId },
  ]);
  handleControls(state);
  setHandler(replaySignal, (request) => {
    // Checked here too: `temporal workflow signal` reaches the workflow without the API's validation.
    const problem = replayRequestProblem(request);
    if (problem) state.lastError = { message: `replay request ignored: ${problem}`, at: Date.now() };
    else state.replays.push({ from: request.from, to: request.to });
  });
  setHandler(
    updateSettingsUpdate,
    async (patch) => {
      const result = applySettingsPatch(state.settings, patch);
      if (!result.ok) throw new Error(result.message);
      await control.saveConnectionSettings({ connectionId, settings: result.settings });
      state.settings = result.settings;
      await untilPublished(state, statusNow);
      return state.settings;
    },
    {
      validator: (patch) => {
        if (state.disconnect) throw new Error('the sync is being deleted');
        const result = applySettingsPatch(state.settings, patch);
        if (!result.ok) throw new Error(result.message);
      },
    },
  );
  setHandler(destinationStatusQuery, lifecycle);

  while (!state.disconnect) {
    await show();
    await continueAsNewIfSuggested<typeof destinationSync>({ ...input, carried: state });
    while (state.replays.length > 0) {
      const request = state.replays[0]!;
      try {
        const requeued = await control.replayDestinationWindow({ connectionId, ...request });
        log.info('replay requeued rows', { connectionId, requeued, ...request });
      } catch (err) {
        state.lastError = { message: `replay failed: ${errorMessage(err)}`, at: Date.now() };
      }
      state.replays.shift();
    }
    await condition(
      () =>
        !!state.disconnect || !isPublished(state, statusNow()) || state.replays.length > 0 || continueAsNewSuggested(),
    );
  }

  await control.disconnectDestination({ connectionId });
  await show();
  await condition(allHandlersFinished);
  return { status: 'Disconnected' };
}

function detailsOf(status: DestinationLifecycle): string {
  const s = status.settings;
  const lines = [
    `**${status.status}** — Intercom workspace ${status.workspaceId}`,
    `Send Events: ${s.sendEvents.enabled ? 'on' : 'off'} · Create & Update Users: ${s.createUpdateUsers.enabled ? 'on' : 'off'}`,
    `mapping: Intercom ${s.mapping.intercomUser} from ${s.mapping.from.kind === 'user_id' ? 'the Amplitude user id' : `${s.mapping.from.kind.replace('_', ' ')} ${s.mapping.from.name}`}`,
  ];
  if (status.error) lines.push(`**error** (${status.error.reason}): ${status.error.message}`);
  if (status.lastError) lines.push(`last error: ${status.lastError.message}`);
  lines.push('counters: `GET /api/connections/<id>` or the setup page');
  return lines.join('\n\n');
}
