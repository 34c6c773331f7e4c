import {
  allHandlersFinished,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createCohortActivities } from '../activities/cohort';
import { applyCohortSettingsPatch, type CohortSettings, type CohortSettingsPatch } from '../src/cohort/settings';
// The same shared lifecycle pieces as the other connection workflows: that is what connection-lifecycle.ts is for.
import {
  continueAsNewIfSuggested,
  continueAsNewSuggested,
  control,
  errorMessage,
  handleControls,
  isPublished,
  iso,
  newControlState,
  publish,
  untilPublished,
  type ControlState,
} from './connection-lifecycle';
import { IntercomWorkspaceKey, ProviderKey } from './search-attributes';

/**
 * The lifecycle of one cohort sync (workflow id `intercom-cohort-<id>`): Amplitude cohort memberships, stored by
 * the cohort webhook endpoint, become an Intercom tag per cohort, applied by the `intercom` lane's shards. This
 * workflow decides what delivery may do, with the destination's semantics:
 * - enabled: tag and untag; disabled: tag nothing and queue nothing (rows are settled as skipped `sync_disabled`);
 * - paused: hold everything queued until resume; error (a rejected token): hold until the token is replaced;
 * - resync: turn a full member list (stored by the admin API, `cohort_resyncs`) into the membership rows that
 *   converge the tag to it;
 * - disconnect: stop, leaving the tag in Intercom unless asked to remove it.
 */

export type CohortStatus = 'Enabled' | 'Disabled' | 'Paused' | 'Error' | 'Disconnected';

export interface CohortSyncInput {
  connectionId: string;
  workspaceId: string;
  settings: CohortSettings;
  carried?: CohortSyncState;
}

interface CohortSyncState extends ControlState {
  settings: CohortSettings;
  /** Ids of stored member lists waiting to be applied, oldest first. */
  resyncs: string[];
  lastResync?: { resyncId: string; at: number; added: number; removed: number; listedInIntercom: boolean };
  removeTag?: boolean;
}

/** The lifecycle part of a cohort sync's status; counters come from Postgres (src/connections/status.ts). */
export interface CohortLifecycle {
  connectionId: string;
  workspaceId: string;
  status: CohortStatus;
  settings: CohortSettings;
  error?: { reason: string; message: string; at: string };
  lastError?: { message: string; at: string };
  resyncsQueued: number;
  lastResync?: { resyncId: string; at: string; added: number; removed: number; listedInIntercom: boolean };
}

export const updateCohortSettingsUpdate = defineUpdate<CohortSettings, [CohortSettingsPatch]>('updateCohortSettings');
/** A member list stored by the admin API (`cohort_resyncs`); the list itself never enters the history. */
export const resyncSignal = defineSignal<[{ resyncId: string }]>('resync');
/** Disconnect, and delete the tags from Intercom (a plain `disconnect` leaves them). */
export const disconnectRemovingTagSignal = defineSignal('disconnectRemovingTag');
export const cohortStatusQuery = defineQuery<CohortLifecycle>('status');

/**
 * A resync lists the tag's contacts (150 a page, within the workspace's rate budget) and stores a row per change:
 * minutes for a large cohort. It heartbeats as it goes, so a crashed worker's attempt is retried within a minute.
 */
const resync = proxyActivities<ReturnType<typeof createCohortActivities>>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

export async function cohortSync(input: CohortSyncInput): Promise<{ status: 'Disconnected' }> {
  const state: CohortSyncState = input.carried ?? { ...newControlState(), settings: input.settings, resyncs: [] };
  const { connectionId } = input;

  const statusNow = (): { status: CohortStatus; deliveryState: 'active' | 'held' | 'discard' } => {
    if (state.disconnect) return { status: 'Disconnected', deliveryState: 'held' };
    // Disabled wins over paused and error: nothing may wait while disabled.
    const disabled = state.settings.status === 'disabled';
    if (state.error) return { status: 'Error', deliveryState: disabled ? 'discard' : 'held' };
    if (disabled) return { status: 'Disabled', deliveryState: 'discard' };
    if (state.paused) return { status: 'Paused', deliveryState: 'held' };
    return { status: 'Enabled', deliveryState: 'active' };
  };
  const lifecycle = (): CohortLifecycle => ({
    connectionId,
    workspaceId: input.workspaceId,
    status: statusNow().status,
    settings: state.settings,
    error: state.error ? { ...state.error, at: iso(state.error.at)! } : undefined,
    lastError: state.lastError ? { message: state.lastError.message, at: iso(state.lastError.at)! } : undefined,
    resyncsQueued: state.resyncs.length,
    lastResync: state.lastResync ? { ...state.lastResync, at: iso(state.lastResync.at)! } : undefined,
  });
  const show = () => publish(connectionId, state, statusNow(), detailsOf(lifecycle()));

  upsertSearchAttributes([
    { key: ProviderKey, value: 'intercom-cohort' },
    { key: IntercomWorkspaceKey, value: input.workspaceId },
  ]);
  handleControls(state);
  setHandler(disconnectRemovingTagSignal, () => {
    state.removeTag = true;
    state.disconnect ??= 'operator';
  });
  setHandler(resyncSignal, (request) => {
    // Checked here too: `temporal workflow signal` reaches the workflow without the API's validation.
    if (typeof request?.resyncId !== 'string' || request.resyncId === '')
      state.lastError = { message: 'resync ignored: it needs the resyncId the admin API answered', at: Date.now() };
    else if (!state.resyncs.includes(request.resyncId)) state.resyncs.push(request.resyncId);
  });
  setHandler(
    updateCohortSettingsUpdate,
    async (patch) => {
      const result = applyCohortSettingsPatch(state.settings, patch);
      if (!result.ok) throw new Error(result.message);
      await control.saveConnectionSettings({ connectionId, settings: result.settings });
      state.settings = result.settings;
      await untilPublished(state, statusNow);
      return state.settings;
    },
    {
      validator: (patch) => {
        if (state.disconnect) throw new Error('the sync is being deleted');
        const result = applyCohortSettingsPatch(state.settings, patch);
        if (!result.ok) throw new Error(result.message);
      },
    },
  );
  setHandler(cohortStatusQuery, lifecycle);

  while (!state.disconnect) {
    await show();
    await continueAsNewIfSuggested<typeof cohortSync>({ ...input, carried: state });
    while (state.resyncs.length > 0 && !state.disconnect) {
      const resyncId = state.resyncs[0]!;
      try {
        const planned = await resync.applyCohortResync({ connectionId, resyncId });
        state.lastResync = { resyncId, at: Date.now(), ...planned };
        log.info('resync queued membership changes', { connectionId, resyncId, ...planned });
      } catch (err) {
        state.lastError = { message: `resync failed: ${errorMessage(err)}`, at: Date.now() };
      }
      state.resyncs.shift();
    }
    await condition(
      () =>
        !!state.disconnect || !isPublished(state, statusNow()) || state.resyncs.length > 0 || continueAsNewSuggested(),
    );
  }

  await show();
  try {
    await control.disconnectCohortSync({ connectionId, removeTag: state.removeTag ?? false });
  } catch (err) {
    state.lastError = { message: `removing the tags failed: ${errorMessage(err)}`, at: Date.now() };
  }
  await condition(allHandlersFinished);
  return { status: 'Disconnected' };
}

function detailsOf(status: CohortLifecycle): string {
  const s = status.settings;
  const lines = [
    `**${status.status}** — Intercom workspace ${status.workspaceId}`,
    `tag: ${s.tagName ? `"${s.tagName}"` : '"Amplitude: <cohort name>"'}`,
    `mapping: Intercom ${s.mapping.intercomUser} from ${s.mapping.from.kind === 'user_id' ? 'the Amplitude user id' : `user property ${s.mapping.from.name}`}`,
  ];
  if (status.lastResync)
    lines.push(
      `last resync ${status.lastResync.at}: ${status.lastResync.added} to add, ${status.lastResync.removed} to remove`,
    );
  if (status.error) lines.push(`**error** (${status.error.reason}): ${status.error.message}`);
  if (status.lastError) lines.push(`last error: ${status.lastError.message}`);
  lines.push('counters: `GET /api/connections/<id>` or the setup page');
  return lines.join('\n\n');
}
