import {
  allHandlersFinished,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SourceSettings, SourceSettingsPatch } from '../src/source/connection-settings';
import { validateSourceSettingsPatch } from './settings-patches';
import type { DisconnectReason } from './connection-signals';
import {
  BACKFILL_OBJECTS,
  backfillProgressSignal,
  backfillRequestProblem,
  backfillSignal,
  type BackfillProgress,
  type BackfillRequest,
} from './backfill-messages';
import { intercomSourceBackfill } from './intercom-source-backfill';
import {
  continueAsNewIfSuggested,
  continueAsNewSuggested,
  control,
  detailsMarkdown,
  errorMessage,
  errorsShown,
  handleControls,
  handleSettingsUpdate,
  isPublished,
  iso,
  newControlState,
  publish,
  recordsForm2,
  upsertChangedSearchAttributes,
  type ControlState,
} from './connection-lifecycle';
import { AmplitudeProjectKey, IntercomWorkspaceKey, ProviderKey } from './search-attributes';

/**
 * The lifecycle of one Intercom source feeding an Amplitude project (workflow id `intercom-source-<project>`,
 * src/connections/ids.ts): authorizing → configuring → listening → streaming (Connected), paused or in error
 * on the way, then disconnecting → disconnected. Webhooks are stored by the api and delivered by the
 * `amplitude` lane's shards; this workflow only decides what delivery may do (its status and delivery
 * state) and hears back the first delivered event (Listening → Connected) and fatal rejections.
 */

export type SourcePhase = 'authorizing' | 'configuring' | 'listening' | 'streaming' | 'disconnecting' | 'disconnected';

/** What the Temporal UI and the setup page show (search attribute `ConnectionStatus`). */
export type SourceConnectionStatus =
  'Authorizing' | 'Configuring' | 'Listening' | 'Connected' | 'Paused' | 'Error' | 'Disconnected';

export interface SourceInput {
  connectionId: string;
  amplitudeProjectId: string;
  settings?: SourceSettings;
  /** Where a run that was moved to this model starts (src/temporal/upgrade.ts). */
  resume?: { workspaceId?: string; connected?: boolean; paused?: boolean };
  /** How often the Intercom token is checked (SOURCE_TOKEN_CHECK_INTERVAL; default daily). */
  tokenCheckIntervalMs?: number;
  /**
   * What the starter (ConnectionsService.createSource) already wrote with the start: the connection row's status and
   * delivery state, and the search attributes. Not written again: onboarding a connection costs one activity and
   * one visibility write less. Runs started without it (older starts, upgrade.ts) publish everything themselves.
   */
  published?: { status: 'Authorizing'; deliveryState: 'held' };
  /** The history form the run records (HISTORY_FORM, workflows/connection-lifecycle.ts); absent: form 1. */
  historyForm?: number;
  /** Carried across continue-as-new. */
  carried?: SourceState;
}

interface SourceState extends ControlState {
  phase: SourcePhase;
  settings: SourceSettings;
  workspaceId?: string;
  connectedAt?: number;
  /** An (unsigned) uninstall notice waits to be confirmed against Intercom. */
  uninstallReported: boolean;
  lastAccessCheckAt?: number;
  nextHealthCheckAt?: number;
  /** Intercom confirmed the token is rejected: there is nothing to uninstall. */
  tokenRejected?: boolean;
  backfillQueue: BackfillRequest[];
  backfill?: BackfillProgress;
  backfillsStarted: number;
}

/** The lifecycle part of a source's status; counters come from Postgres (src/connections/status.ts). */
export interface SourceLifecycle {
  connectionId: string;
  amplitudeProjectId: string;
  phase: SourcePhase;
  status: SourceConnectionStatus;
  settings: SourceSettings;
  workspaceId?: string;
  connectedAt?: string;
  error?: { reason: string; message: string; at: string };
  lastError?: { message: string; at: string };
  nextHealthCheckAt?: string;
  /** The running or last backfill, and how many more are queued. */
  backfill?: BackfillProgress;
  backfillsQueued: number;
  /** Why it is disconnecting or disconnected (the setup page says it in words). */
  disconnectReason?: DisconnectReason;
}

export interface SourceResult {
  status: 'Disconnected';
  reason: DisconnectReason;
}

/** The OAuth callback stored the token and named the workspace (it never travels through the workflow). */
export const authorizedSignal = defineSignal<[{ workspaceId: string }]>('authorized');
/** Intercom's (unsigned) uninstall notice: confirmed against /me before anything is done. */
export const uninstallReportedSignal = defineSignal('uninstallReported');
export const configureUpdate = defineUpdate<SourceSettings, [SourceSettingsPatch]>('configure');
export const statusQuery = defineQuery<SourceLifecycle>('status');

/** A token check gives up after a few minutes of Intercom not answering (the connection keeps streaming). */
const access = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 6 },
});
const backfillDrain = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
});

/** Uninstall notices are unsigned: at most one token check per interval, however many arrive. */
const UNINSTALL_CHECK_INTERVAL_MS = 10_000;
/** The daily token health check notices an uninstall whose notice was lost or never configured. */
const DEFAULT_HEALTH_CHECK_INTERVAL_MS = 24 * 3_600_000;
/** A disconnect first lets delivery take what was accepted, for at most this long. */
const DISCONNECT_DRAIN_MS = 60_000;

export async function sourceConnection(input: SourceInput): Promise<SourceResult> {
  const state: SourceState = input.carried ?? {
    ...newControlState(input.historyForm),
    ...(input.published ? { published: input.published } : {}),
    phase: input.resume?.workspaceId ? (input.settings?.identityMapping ? 'listening' : 'configuring') : 'authorizing',
    settings: input.settings ?? {},
    workspaceId: input.resume?.workspaceId,
    connectedAt: input.resume?.connected ? Date.now() : undefined,
    paused: input.resume?.paused ?? false,
    uninstallReported: false,
    backfillQueue: [],
    backfillsStarted: 0,
  };
  if (state.connectedAt && state.phase === 'listening') state.phase = 'streaming';
  const { connectionId } = input;
  const healthCheckIntervalMs = input.tokenCheckIntervalMs ?? DEFAULT_HEALTH_CHECK_INTERVAL_MS;

  const identifying = [
    { key: ProviderKey, value: 'intercom-source' },
    { key: AmplitudeProjectKey, value: input.amplitudeProjectId },
    ...(state.workspaceId ? [{ key: IntercomWorkspaceKey, value: state.workspaceId }] : []),
  ];
  if (input.published) upsertChangedSearchAttributes(identifying);
  else upsertSearchAttributes(identifying);

  const statusNow = (): { status: SourceConnectionStatus; deliveryState: 'active' | 'held' } => {
    if (state.phase === 'disconnecting') return { status: 'Disconnected', deliveryState: 'active' };
    if (state.phase === 'disconnected') return { status: 'Disconnected', deliveryState: 'held' };
    if (state.phase === 'authorizing') return { status: 'Authorizing', deliveryState: 'held' };
    if (state.phase === 'configuring') return { status: 'Configuring', deliveryState: 'held' };
    if (state.error) return { status: 'Error', deliveryState: 'held' };
    if (state.paused) return { status: 'Paused', deliveryState: 'held' };
    return { status: state.phase === 'streaming' ? 'Connected' : 'Listening', deliveryState: 'active' };
  };
  const lifecycle = (): SourceLifecycle => ({
    connectionId,
    amplitudeProjectId: input.amplitudeProjectId,
    phase: state.phase,
    status: statusNow().status,
    settings: state.settings,
    workspaceId: state.workspaceId,
    connectedAt: iso(state.connectedAt),
    ...errorsShown(state),
    nextHealthCheckAt: iso(state.nextHealthCheckAt),
    backfill: state.backfill,
    backfillsQueued: state.backfillQueue.length,
    disconnectReason: state.disconnect,
  });
  const show = () =>
    publish(
      connectionId,
      state,
      statusNow(),
      detailsOf(lifecycle()),
      state.workspaceId ? [{ key: IntercomWorkspaceKey, value: state.workspaceId }] : [],
    );

  handleControls(state, {
    onDelivered: () => {
      if (state.phase === 'listening') {
        state.phase = 'streaming';
        state.connectedAt = Date.now();
      }
    },
  });
  setHandler(authorizedSignal, ({ workspaceId }) => {
    if (state.disconnect || state.phase === 'disconnecting' || state.phase === 'disconnected') return;
    state.workspaceId = workspaceId;
    // Form 2, while authorizing: the status this leads to is published next and carries the workspace in its upsert.
    if (!recordsForm2(state) || state.phase !== 'authorizing')
      upsertSearchAttributes([{ key: IntercomWorkspaceKey, value: workspaceId }]);
  });
  setHandler(uninstallReportedSignal, () => {
    state.uninstallReported = true;
  });
  handleSettingsUpdate(configureUpdate, state, connectionId, {
    apply: (current, patch) => ({ ...current, ...validateSourceSettingsPatch(patch) }),
    closing: () =>
      state.disconnect || state.phase === 'disconnecting' || state.phase === 'disconnected'
        ? 'the connection is disconnecting'
        : undefined,
    statusNow,
    // The mapping is what configuring waits for: move on here, so the answer waits for Listening to be published.
    applied: (settings) => {
      if (state.phase === 'configuring' && state.workspaceId && settings.identityMapping) state.phase = 'listening';
    },
  });
  setHandler(backfillSignal, (request) => {
    // Checked here too: `temporal workflow signal` reaches the workflow without the API's validation.
    const problem = backfillRequestProblem(request);
    if (problem) state.lastError = { message: `backfill request ignored: ${problem}`, at: Date.now() };
    else
      state.backfillQueue.push({
        ...request,
        objects: request.objects?.length ? request.objects : [...BACKFILL_OBJECTS],
      });
  });
  setHandler(backfillProgressSignal, (progress) => {
    state.backfill = { ...progress, workflowId: state.backfill?.workflowId };
    setCurrentDetails(detailsOf(lifecycle()));
  });
  setHandler(statusQuery, lifecycle);

  const backfillRunning = () => state.backfill?.status === 'running';
  const backfillWaiting = () => !backfillRunning() && state.backfillQueue.length > 0 && state.phase !== 'authorizing';
  const accessCheckDue = () =>
    state.uninstallReported && Date.now() >= (state.lastAccessCheckAt ?? 0) + UNINSTALL_CHECK_INTERVAL_MS;
  const healthCheckDue = () => state.nextHealthCheckAt !== undefined && Date.now() >= state.nextHealthCheckAt;

  /** Is the token still good? Only Intercom's confirmed 401/403 disconnects; no answer changes nothing. */
  const verifyAccess = async (why: 'uninstall notice' | 'health check') => {
    state.lastAccessCheckAt = Date.now();
    state.uninstallReported = false;
    let verdict: 'valid' | 'revoked' | 'no_token';
    try {
      verdict = await access.checkIntercomAccess({ connectionId });
    } catch (err) {
      state.lastError = {
        message: `${why}: could not reach Intercom to check the token (${errorMessage(err)})`,
        at: Date.now(),
      };
      return;
    }
    if (verdict === 'valid') {
      if (why === 'uninstall notice')
        state.lastError = { message: 'uninstall notice ignored: the workspace token still works', at: Date.now() };
      return;
    }
    state.tokenRejected = true;
    state.disconnect ??= why === 'uninstall notice' ? 'intercom_uninstall' : 'uninstalled_in_intercom';
  };

  const startQueuedBackfill = async () => {
    const request = state.backfillQueue.shift()!;
    state.backfillsStarted += 1;
    const workflowId = `${workflowInfo().workflowId}-backfill-${state.backfillsStarted}`;
    await startChild(intercomSourceBackfill, {
      workflowId,
      args: [
        {
          connectionId,
          parentWorkflowId: workflowInfo().workflowId,
          since: request.since,
          until: request.until,
          objects: request.objects ?? [...BACKFILL_OBJECTS],
        },
      ],
      parentClosePolicy: 'ABANDON',
      staticSummary: `Backfill ${request.since} → ${request.until}`.slice(0, 200),
    });
    state.backfill = { status: 'running', since: request.since, until: request.until, objects: {}, workflowId };
  };

  // Authorizing, then configuring: wait for the OAuth callback and for the identity mapping.
  while (!state.disconnect && (state.phase === 'authorizing' || state.phase === 'configuring')) {
    if (state.workspaceId) state.phase = state.settings.identityMapping ? 'listening' : 'configuring';
    if (state.phase === 'listening') break;
    await show();
    const waitingFor = state.phase;
    await condition(
      () =>
        !!state.disconnect ||
        (waitingFor === 'authorizing' ? !!state.workspaceId : !!state.settings.identityMapping) ||
        continueAsNewSuggested(),
    );
    await continueAsNewIfSuggested<typeof sourceConnection>({ ...input, carried: state });
  }
  state.nextHealthCheckAt ??= Date.now() + healthCheckIntervalMs;

  // Listening and streaming: delivery runs in the shards; this loop only reacts.
  while (!state.disconnect) {
    await show();
    await continueAsNewIfSuggested<typeof sourceConnection>({ ...input, carried: state });
    if (backfillWaiting()) await startQueuedBackfill();
    if (accessCheckDue()) await verifyAccess('uninstall notice');
    if (healthCheckDue()) {
      await verifyAccess('health check');
      state.nextHealthCheckAt = Date.now() + healthCheckIntervalMs;
    }
    if (state.disconnect) break;
    const reported = state.uninstallReported;
    const wakeAt = Math.min(
      state.nextHealthCheckAt ?? Infinity,
      reported ? (state.lastAccessCheckAt ?? 0) + UNINSTALL_CHECK_INTERVAL_MS : Infinity,
    );
    await condition(
      () =>
        !!state.disconnect ||
        !isPublished(state, statusNow()) ||
        backfillWaiting() ||
        // A new notice: go round, so the wait is recomputed to end when its check is due.
        state.uninstallReported !== reported ||
        continueAsNewSuggested(),
      Math.max(wakeAt - Date.now(), 1_000),
    );
  }

  // Disconnecting: stop any backfill, let delivery take what was accepted, then forget the token.
  const reason = state.disconnect;
  const deliverable = !state.error && !state.paused && state.phase !== 'authorizing' && state.phase !== 'configuring';
  state.phase = 'disconnecting';
  if (backfillRunning() && state.backfill?.workflowId) {
    await getExternalWorkflowHandle(state.backfill.workflowId)
      .cancel()
      .catch(() => undefined);
    state.backfill = { ...state.backfill, status: 'failed', error: 'cancelled: the connection was disconnected' };
  }
  state.backfillQueue = [];
  if (deliverable) {
    await show();
    await backfillDrain.awaitDrained({ connectionId, timeoutMs: DISCONNECT_DRAIN_MS });
  }
  await control.disconnectSource({ connectionId, tokenRejected: state.tokenRejected ?? false });
  state.phase = 'disconnected';
  await show();
  await condition(allHandlersFinished);
  return { status: 'Disconnected', reason };
}

/** Markdown for the Temporal UI's "current details" of the connection. */
function detailsOf(status: SourceLifecycle): string {
  const lines = [
    `**${status.status}** — Amplitude project ${status.amplitudeProjectId}${status.workspaceId ? `, Intercom workspace ${status.workspaceId}` : ''}`,
  ];
  if (status.settings.identityMapping) lines.push(`identity mapping: ${status.settings.identityMapping}`);
  if (status.connectedAt) lines.push(`first event delivered at ${status.connectedAt}`);
  const afterError: string[] = [];
  if (status.backfill) {
    const objects = Object.entries(status.backfill.objects).map(
      ([o, c]) => `${o} ${c?.imported ?? 0}/${c?.scanned ?? 0}`,
    );
    afterError.push(
      `backfill ${status.backfill.status} (${status.backfill.since} → ${status.backfill.until}) ${objects.join(', ')}`,
    );
  }
  return detailsMarkdown(lines, status, afterError);
}
