import { defineQuery, defineSignal, defineUpdate, log, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createCohortActivities } from '../activities/cohort';
import type { CohortSettings, CohortSettingsPatch } from '../src/cohort/settings';
import { applyCohortSettingsPatch } from './settings-patches';
import { continueAsNewIfSuggested, control, errorMessage, iso, newControlState } from './connection-lifecycle';
import * as sync from './intercom-sync';

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

export type CohortStatus = sync.Status;

export interface CohortSyncInput {
  connectionId: string;
  workspaceId: string;
  settings: CohortSettings;
  /** The history form the run records (HISTORY_FORM, workflows/connection-lifecycle.ts); absent: form 1. */
  historyForm?: number;
  carried?: CohortSyncState;
}

interface CohortSyncState extends sync.State<CohortSettings> {
  /** Ids of stored member lists waiting to be applied, oldest first. */
  resyncs: string[];
  lastResync?: { resyncId: string; at: number; added: number; removed: number; listedInIntercom: boolean };
  removeTag?: boolean;
}

export interface CohortLifecycle extends sync.Lifecycle<CohortSettings> {
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
  const state: CohortSyncState = input.carried ?? {
    ...newControlState(input.historyForm),
    settings: input.settings,
    resyncs: [],
  };
  const { connectionId } = input;

  const lifecycle = (): CohortLifecycle => ({
    ...sync.lifecycleOf(input, state),
    resyncsQueued: state.resyncs.length,
    lastResync: state.lastResync ? { ...state.lastResync, at: iso(state.lastResync.at)! } : undefined,
  });
  const show = () => {
    const status = lifecycle();
    const { tagName } = status.settings;
    const { lastResync } = status;
    return sync.show(
      state,
      status,
      [`tag: ${tagName ? `"${tagName}"` : '"Amplitude: <cohort name>"'}`],
      lastResync ? [`last resync ${lastResync.at}: ${lastResync.added} to add, ${lastResync.removed} to remove`] : [],
    );
  };

  sync.start('intercom-cohort', input, state, {
    settingsUpdate: updateCohortSettingsUpdate,
    applyPatch: applyCohortSettingsPatch,
    statusQuery: cohortStatusQuery,
    lifecycle,
  });
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

  await sync.run(state, {
    show,
    continueAsNewIfSuggested: () => continueAsNewIfSuggested<typeof cohortSync>({ ...input, carried: state }),
    queue: () => state.resyncs,
    work: async (resyncId) => {
      const planned = await resync.applyCohortResync({ connectionId, resyncId });
      state.lastResync = { resyncId, at: Date.now(), ...planned };
      log.info('resync queued membership changes', { connectionId, resyncId, ...planned });
    },
    failure: 'resync failed',
    disconnect: async () => {
      await show();
      try {
        await control.disconnectCohortSync({ connectionId, removeTag: state.removeTag ?? false });
      } catch (err) {
        state.lastError = { message: `removing the tags failed: ${errorMessage(err)}`, at: Date.now() };
      }
    },
  });
  return { status: 'Disconnected' };
}
