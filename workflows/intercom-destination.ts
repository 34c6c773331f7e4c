import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DestinationDeliveryReport } from '../activities/destination';
import { applySettingsPatch, type DestinationSettings, type SettingsPatch } from '../src/destination/settings';
import { disconnectSignal, eventsAvailableSignal, pauseSignal, resumeSignal } from './connection-signals';
import { ConnectionStatusKey, IntercomWorkspaceKey, ProviderKey } from './search-attributes';

/**
 * One long-running workflow per destination sync (workflow id `intercom-destination-<id>`):
 * Amplitude events and identifies, stored by the ingestion API, go to one Intercom workspace
 * according to the sync's settings. Disabled sends nothing and queues nothing: rows accepted or
 * waiting when the sync is disabled are recorded as skipped (reason `sync_disabled`), so enabling
 * later never flushes a stale backlog; a replay can re-send a window on purpose.
 * Pause is different: it holds delivery and keeps everything queued.
 */

export type DestinationStatus = 'Enabled' | 'Disabled' | 'Paused' | 'Error' | 'Disconnected';

export interface DestinationInput {
  connectionId: string;
  workspaceId: string;
  settings: DestinationSettings;
  carried?: DestinationCarriedState;
}

interface DestinationCarriedState {
  settings: DestinationSettings;
  counters: Record<string, number>;
  pending: number;
  parked: number;
  paused: boolean;
  authError?: string;
  lastError?: { message: string; at: number };
  lastSentAt?: number;
  disconnect: boolean;
  replays: ReplayRequest[];
}

export interface ReplayRequest {
  /** ISO-8601 bounds on the event time; `to` is exclusive. */
  from: string;
  to: string;
}

export interface DestinationStatusView {
  connectionId: string;
  workspaceId: string;
  status: DestinationStatus;
  settings: DestinationSettings;
  sent: number;
  pending: number;
  parked: number;
  skipped: Record<string, number>;
  expired: Record<string, number>;
  counters: Record<string, number>;
  lastSentAt?: string;
  lastError?: { message: string; at: string };
}

export const updateSettingsUpdate = defineUpdate<DestinationSettings, [SettingsPatch]>('updateSettings');
/** The access token was replaced through the API (it never travels through the workflow). */
export const credentialsChangedSignal = defineSignal('credentialsChanged');
export const replaySignal = defineSignal<[ReplayRequest]>('replay');
export const destinationStatusQuery = defineQuery<DestinationStatusView>('status');

const delivery = proxyActivities<Activities>({
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 8 },
});
const control = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const IDLE_CHECK_MS = 10 * 60_000;
const ERROR_BACKOFF_MS = 30_000;

export async function intercomDestinationSync(
  input: DestinationInput,
): Promise<{ status: 'Disconnected'; sent: number }> {
  const state: DestinationCarriedState = input.carried ?? {
    settings: input.settings,
    counters: {},
    pending: 0,
    parked: 0,
    paused: false,
    disconnect: false,
    replays: [],
  };
  let doorbell = true;
  let nextDueAt: number | undefined;
  let disabledSince = state.settings.status === 'disabled';

  const currentStatus = (): DestinationStatus =>
    state.disconnect
      ? 'Disconnected'
      : state.authError
        ? 'Error'
        : state.settings.status === 'disabled'
          ? 'Disabled'
          : state.paused
            ? 'Paused'
            : 'Enabled';
  let shownStatus: DestinationStatus | undefined;
  const showStatus = async () => {
    const status = currentStatus();
    if (status === shownStatus) return;
    shownStatus = status;
    upsertSearchAttributes([{ key: ConnectionStatusKey, value: status }]);
    await control.setConnectionStatus({ connectionId: input.connectionId, status });
  };

  upsertSearchAttributes([
    { key: ProviderKey, value: 'intercom-destination' },
    { key: IntercomWorkspaceKey, value: input.workspaceId },
  ]);

  setHandler(eventsAvailableSignal, () => {
    doorbell = true;
  });
  setHandler(disconnectSignal, () => {
    state.disconnect = true;
  });
  setHandler(pauseSignal, () => {
    state.paused = true;
  });
  setHandler(resumeSignal, () => {
    state.paused = false;
    doorbell = true;
  });
  setHandler(credentialsChangedSignal, () => {
    state.authError = undefined;
    doorbell = true;
  });
  setHandler(replaySignal, (request) => {
    state.replays.push(request);
  });
  setHandler(
    updateSettingsUpdate,
    async (patch) => {
      const result = applySettingsPatch(state.settings, patch);
      if (!result.ok) throw new Error(result.message);
      state.settings = result.settings;
      await control.saveDestinationSettings({ connectionId: input.connectionId, settings: state.settings });
      doorbell = true;
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
  setHandler(destinationStatusQuery, () => statusView(input, state, currentStatus()));

  const apply = (report: DestinationDeliveryReport) => {
    state.counters = report.counters;
    state.pending = report.pending;
    state.parked = report.parked;
    nextDueAt = report.nextDueAt;
    if (report.lastSentAt) state.lastSentAt = Math.max(state.lastSentAt ?? 0, report.lastSentAt);
    if (report.lastError) state.lastError = { message: report.lastError, at: Date.now() };
    if (report.authRevoked) state.authError = report.lastError ?? 'Intercom rejected the access token';
    if (report.more) doorbell = true;
  };

  // Every wait also ends when Temporal suggests continuing as new: signals (doorbells while paused or
  // in error) grow the history even when nothing else happens.
  const suggested = () => workflowInfo().continueAsNewSuggested;
  while (!state.disconnect) {
    if (suggested()) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof intercomDestinationSync>({ ...input, carried: state });
    }
    await showStatus();
    while (state.replays.length > 0) {
      const request = state.replays.shift()!;
      const requeued = await control.replayDestinationWindow({ connectionId: input.connectionId, ...request });
      log.info('replay requeued rows', { connectionId: input.connectionId, requeued, ...request });
      doorbell = true;
    }
    const disabled = state.settings.status === 'disabled';
    if (disabled) {
      // Nothing may wait while disabled: what arrived (or was waiting) is recorded as skipped.
      if (doorbell || !disabledSince) {
        // Cleared first: a doorbell rung while the activity runs must bring us back here.
        doorbell = false;
        apply(await control.skipPendingDestinationRows({ connectionId: input.connectionId, reason: 'sync_disabled' }));
        disabledSince = true;
      }
      await condition(
        () =>
          doorbell ||
          state.disconnect ||
          state.settings.status !== 'disabled' ||
          state.replays.length > 0 ||
          suggested(),
      );
      continue;
    }
    disabledSince = false;
    if (state.paused || state.authError) {
      await condition(
        () =>
          state.disconnect ||
          state.replays.length > 0 ||
          (!state.paused && !state.authError) ||
          state.settings.status === 'disabled' ||
          suggested(),
      );
      continue;
    }
    if (!doorbell) {
      const wait = nextDueAt !== undefined ? Math.max(nextDueAt - Date.now(), 1_000) : IDLE_CHECK_MS;
      await condition(
        () =>
          doorbell ||
          state.disconnect ||
          state.paused ||
          state.settings.status === 'disabled' ||
          state.replays.length > 0 ||
          suggested(),
        wait,
      );
      if (state.disconnect || state.paused || state.settings.status === 'disabled' || state.replays.length > 0)
        continue;
      if (suggested()) continue;
    }
    doorbell = false;
    try {
      apply(await delivery.deliverDestinationEvents({ connectionId: input.connectionId, settings: state.settings }));
    } catch (err) {
      state.lastError = { message: (err as Error).message, at: Date.now() };
      await condition(() => state.disconnect, ERROR_BACKOFF_MS);
      doorbell = true;
      continue;
    }
  }

  const final = await control.disconnectDestination({ connectionId: input.connectionId });
  state.counters = final.counters;
  state.pending = 0;
  state.parked = 0;
  await showStatus();
  await condition(allHandlersFinished);
  return { status: 'Disconnected', sent: state.counters.sent ?? 0 };
}

function statusView(
  input: DestinationInput,
  state: DestinationCarriedState,
  status: DestinationStatus,
): DestinationStatusView {
  const pick = (prefix: string) =>
    Object.fromEntries(
      Object.entries(state.counters)
        .filter(([name]) => name.startsWith(prefix))
        .map(([name, value]) => [name.slice(prefix.length), value]),
    );
  return {
    connectionId: input.connectionId,
    workspaceId: input.workspaceId,
    status,
    settings: state.settings,
    sent: state.counters.sent ?? 0,
    pending: state.pending,
    parked: state.parked,
    skipped: pick('skipped:'),
    expired: pick('expired:'),
    counters: state.counters,
    lastSentAt: state.lastSentAt ? new Date(state.lastSentAt).toISOString() : undefined,
    lastError: state.lastError
      ? { message: state.lastError.message, at: new Date(state.lastError.at).toISOString() }
      : undefined,
  };
}
