import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  isCancellation,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  log,
  getExternalWorkflowHandle,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SourceDeliveryReport } from '../activities/source';
import {
  validateSourceSettingsPatch,
  type SourceSettings,
  type SourceSettingsPatch,
} from '../src/source/connection-settings';
import {
  disconnectSignal,
  eventsAvailableSignal,
  pauseSignal,
  resumeSignal,
  type DisconnectReason,
} from './connection-signals';
import {
  BACKFILL_OBJECTS,
  backfillProgressSignal,
  backfillRequestProblem,
  backfillSignal,
  type BackfillProgress,
  type BackfillRequest,
} from './backfill-messages';
import { intercomSourceBackfill } from './intercom-source-backfill';
import { AmplitudeProjectKey, ConnectionStatusKey, IntercomWorkspaceKey, ProviderKey } from './search-attributes';

/**
 * One long-running workflow per Amplitude project fed by an Intercom workspace
 * (workflow id `intercom-source-<project>`, see src/connections/ids.ts): authorizing → configuring → listening → streaming
 * → disconnecting → disconnected. Webhooks are stored by the API before they are acknowledged;
 * this workflow only hears a coalesced doorbell and drains the inbox through activities.
 */

export type SourcePhase =
  'authorizing' | 'configuring' | 'listening' | 'streaming' | 'paused' | 'disconnecting' | 'disconnected';

/** What the Temporal UI and the setup page show (search attribute `ConnectionStatus`). */
export type SourceConnectionStatus =
  'Authorizing' | 'Configuring' | 'Listening' | 'Connected' | 'Paused' | 'Disconnected';

export interface SourceInput {
  connectionId: string;
  amplitudeProjectId: string;
  settings?: SourceSettings;
  /** Carried across continue-as-new. */
  carried?: SourceCarriedState;
}

interface SourceCarriedState {
  phase: SourcePhase;
  settings: SourceSettings;
  workspaceId?: string;
  connectedAt?: number;
  firstEventAt?: number;
  lastEventAt?: number;
  lastError?: { message: string; at: number };
  counters: Record<string, number>;
  pending: number;
  paused: boolean;
  disconnect?: DisconnectReason;
  uninstallCheck: boolean;
  backfillQueue: BackfillRequest[];
  backfill?: BackfillProgress;
  backfillsStarted: number;
  /** Events the connection had handled before this run started (a reconnect waits for a new first event). */
  handledBaseline?: number;
}

export interface SourceStatus {
  connectionId: string;
  amplitudeProjectId: string;
  phase: SourcePhase;
  status: SourceConnectionStatus;
  settings: SourceSettings;
  workspaceId?: string;
  connectedAt?: string;
  lastEventAt?: string;
  lastError?: { message: string; at: string };
  received: number;
  delivered: number;
  pending: number;
  dropped: Record<string, number>;
  /** The running or last backfill, and how many more are queued. */
  backfill?: BackfillProgress;
  backfillsQueued: number;
}

export interface SourceResult {
  status: 'Disconnected';
  reason: DisconnectReason;
  delivered: number;
  dropped: Record<string, number>;
}

export const authorizedSignal = defineSignal<[{ workspaceId: string }]>('authorized');
/** Intercom's (unsigned) uninstall notice: the workflow confirms it against /me before disconnecting. */
export const uninstallReportedSignal = defineSignal('uninstallReported');
export const configureUpdate = defineUpdate<SourceSettings, [SourceSettingsPatch]>('configure');
export const statusQuery = defineQuery<SourceStatus>('status');

const delivery = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  // Short: a crashed worker's delivery is retried within seconds, and cancellation (delivered with
  // heartbeats, which the SDK throttles to 80% of this) reaches a lingering delivery quickly.
  heartbeatTimeout: '5 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    // Amplitude being down is noticed, and its recovery used, within ~10 s.
    maximumInterval: '10 seconds',
    maximumAttempts: 8,
    nonRetryableErrorTypes: ['AmplitudeRejected'],
  },
});
const control = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** With no doorbell, look at the inbox this often anyway, in case a doorbell was lost. */
const IDLE_CHECK_MS = 10 * 60_000;
const ERROR_BACKOFF_MS = 10_000;

const STATUS_BY_PHASE: Record<SourcePhase, SourceConnectionStatus> = {
  authorizing: 'Authorizing',
  configuring: 'Configuring',
  listening: 'Listening',
  streaming: 'Connected',
  paused: 'Paused',
  disconnecting: 'Disconnected',
  disconnected: 'Disconnected',
};

export async function intercomSourceConnection(input: SourceInput): Promise<SourceResult> {
  const state: SourceCarriedState = input.carried ?? {
    phase: 'authorizing',
    settings: input.settings ?? {},
    counters: {},
    pending: 0,
    paused: false,
    uninstallCheck: false,
    backfillQueue: [],
    backfillsStarted: 0,
  };
  let doorbell = true; // look at the inbox once on every (re)start
  let nextDueAt: number | undefined;
  let deliveryScope: CancellationScope | undefined;
  const interruptDelivery = () => deliveryScope?.cancel();

  const setPhase = async (phase: SourcePhase) => {
    const changedStatus = STATUS_BY_PHASE[phase] !== STATUS_BY_PHASE[state.phase];
    state.phase = phase;
    upsertSearchAttributes([{ key: ConnectionStatusKey, value: STATUS_BY_PHASE[phase] }]);
    if (changedStatus || phase === 'disconnected') {
      await control.setConnectionStatus({ connectionId: input.connectionId, status: STATUS_BY_PHASE[phase] });
    }
    setCurrentDetails(detailsOf(statusOf(input, state)));
  };

  upsertSearchAttributes([
    { key: ProviderKey, value: 'intercom-source' },
    { key: AmplitudeProjectKey, value: input.amplitudeProjectId },
    ...(state.workspaceId ? [{ key: IntercomWorkspaceKey, value: state.workspaceId }] : []),
    { key: ConnectionStatusKey, value: STATUS_BY_PHASE[state.phase] },
  ]);

  const showDetails = () => setCurrentDetails(detailsOf(statusOf(input, state)));
  const backfillRunning = () => state.backfill?.status === 'running';
  /** Starts the next queued backfill as a child; it outlives continue-as-new and reports by signal. */
  const startQueuedBackfill = async () => {
    const request = state.backfillQueue.shift()!;
    state.backfillsStarted += 1;
    const workflowId = `${workflowInfo().workflowId}-backfill-${state.backfillsStarted}`;
    await startChild(intercomSourceBackfill, {
      workflowId,
      args: [
        {
          connectionId: input.connectionId,
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
    showDetails();
  };

  setHandler(eventsAvailableSignal, () => {
    doorbell = true;
  });
  setHandler(authorizedSignal, ({ workspaceId }) => {
    state.workspaceId = workspaceId;
    upsertSearchAttributes([{ key: IntercomWorkspaceKey, value: workspaceId }]);
    doorbell = true;
  });
  setHandler(disconnectSignal, ({ reason }) => {
    state.disconnect ??= reason ?? 'operator';
    interruptDelivery();
  });
  setHandler(uninstallReportedSignal, () => {
    state.uninstallCheck = true;
    interruptDelivery();
  });
  setHandler(pauseSignal, () => {
    state.paused = true;
    interruptDelivery();
  });
  setHandler(resumeSignal, () => {
    state.paused = false;
    doorbell = true;
  });
  setHandler(
    configureUpdate,
    async (patch) => {
      state.settings = { ...state.settings, ...validateSourceSettingsPatch(patch) };
      await control.saveSourceSettings({ connectionId: input.connectionId, settings: state.settings });
      doorbell = true;
      return state.settings;
    },
    {
      validator: (patch) => {
        if (state.disconnect || state.phase === 'disconnected') throw new Error('the connection is disconnecting');
        validateSourceSettingsPatch(patch);
      },
    },
  );
  setHandler(backfillSignal, (request) => {
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
    doorbell = true;
    showDetails();
  });
  setHandler(statusQuery, () => statusOf(input, state));

  const applyReport = async (report: SourceDeliveryReport) => {
    state.counters = report.counters;
    state.pending = report.pending;
    nextDueAt = report.nextDueAt;
    if (report.lastEventAt) state.lastEventAt = Math.max(state.lastEventAt ?? 0, report.lastEventAt);
    if (report.lastError) state.lastError = { message: report.lastError, at: Date.now() };
    // Connected once this run's connection has handled an event (delivered or dropped): counters, not
    // this report's own count, since a cancelled delivery's report never arrives.
    if (!state.connectedAt && handled(report.counters) > (state.handledBaseline ?? 0)) {
      state.connectedAt = Date.now();
      await setPhase(state.paused ? 'paused' : 'streaming');
    }
    if (report.more) doorbell = true;
    showDetails();
  };

  // Every wait also ends when Temporal suggests continuing as new: signals (doorbells of webhooks that
  // arrive while configuring or paused) grow the history even when nothing else happens.
  const suggested = () => workflowInfo().continueAsNewSuggested;
  const continueIfSuggested = async () => {
    if (!suggested()) return;
    await condition(allHandlersFinished);
    await continueAsNew<typeof intercomSourceConnection>({ ...input, carried: state });
  };

  if (state.handledBaseline === undefined) {
    state.handledBaseline = handled(await control.sourceCounters({ connectionId: input.connectionId }));
  }

  // Authorizing: wait for the OAuth callback to store the token and name the workspace.
  while (!state.workspaceId && !state.disconnect) {
    await condition(() => !!state.workspaceId || !!state.disconnect || suggested());
    await continueIfSuggested();
  }
  // Configuring: the identity mapping may have been chosen already, during onboarding.
  if (!state.disconnect && !state.settings.identityMapping) {
    if (state.phase !== 'configuring') await setPhase('configuring');
    while (!state.settings.identityMapping && !state.disconnect) {
      await condition(() => !!state.settings.identityMapping || !!state.disconnect || suggested());
      await continueIfSuggested();
    }
  }
  if (!state.disconnect && (state.phase === 'authorizing' || state.phase === 'configuring')) {
    await setPhase(state.connectedAt ? 'streaming' : 'listening');
  }

  while (!state.disconnect) {
    await continueIfSuggested();
    if (state.uninstallCheck) {
      state.uninstallCheck = false;
      const access = await control.checkIntercomAccess({ connectionId: input.connectionId });
      if (access !== 'valid') {
        state.disconnect = 'intercom_uninstall';
        break;
      }
      state.lastError = { message: 'uninstall notice ignored: the workspace token still works', at: Date.now() };
    }
    const wantPhase: SourcePhase = state.paused ? 'paused' : state.connectedAt ? 'streaming' : 'listening';
    if (state.phase !== wantPhase) await setPhase(wantPhase);
    if (state.paused) {
      await condition(() => !state.paused || !!state.disconnect || state.uninstallCheck || suggested());
      continue;
    }
    if (!backfillRunning() && state.backfillQueue.length > 0) await startQueuedBackfill();
    if (!doorbell) {
      const wait = nextDueAt !== undefined ? Math.max(nextDueAt - Date.now(), 1_000) : IDLE_CHECK_MS;
      const backfillWaiting = () => !backfillRunning() && state.backfillQueue.length > 0;
      await condition(
        () =>
          doorbell || !!state.disconnect || state.paused || state.uninstallCheck || backfillWaiting() || suggested(),
        wait,
      );
      if (state.disconnect || state.paused || state.uninstallCheck || backfillWaiting() || suggested()) continue;
    }
    doorbell = false;
    try {
      // Cancellable: a delivery lingers while events keep coming; operators' signals cut it short.
      deliveryScope = new CancellationScope();
      const report = await deliveryScope.run(() =>
        delivery.deliverSourceEvents({
          connectionId: input.connectionId,
          identityMapping: state.settings.identityMapping!,
        }),
      );
      await applyReport(report);
    } catch (err) {
      if (isCancellation(err)) {
        doorbell = true;
        continue;
      }
      state.lastError = { message: errorMessage(err), at: Date.now() };
      log.warn('source delivery failed; backing off', {
        connectionId: input.connectionId,
        error: state.lastError.message,
      });
      await condition(() => !!state.disconnect, ERROR_BACKOFF_MS);
      doorbell = true;
      continue;
    } finally {
      deliveryScope = undefined;
    }
  }

  // Disconnecting: stop any backfill, deliver what was already accepted, then revoke and forget the token.
  const reason = state.disconnect;
  await setPhase('disconnecting');
  if (backfillRunning() && state.backfill?.workflowId) {
    await getExternalWorkflowHandle(state.backfill.workflowId)
      .cancel()
      .catch(() => undefined);
    state.backfill = { ...state.backfill, status: 'failed', error: 'cancelled: the connection was disconnected' };
  }
  state.backfillQueue = [];
  if (state.settings.identityMapping && state.workspaceId) {
    try {
      await applyReport(
        await delivery.deliverSourceEvents({
          connectionId: input.connectionId,
          identityMapping: state.settings.identityMapping,
        }),
      );
    } catch (err) {
      state.lastError = { message: errorMessage(err), at: Date.now() };
    }
  }
  const final = await control.disconnectSource({ connectionId: input.connectionId, reason });
  state.counters = final.counters;
  state.pending = 0;
  await setPhase('disconnected');
  await condition(allHandlersFinished);
  const status = statusOf(input, state);
  return { status: 'Disconnected', reason, delivered: status.delivered, dropped: status.dropped };
}

function statusOf(input: SourceInput, state: SourceCarriedState): SourceStatus {
  const dropped: Record<string, number> = {};
  for (const [name, value] of Object.entries(state.counters)) {
    if (name.startsWith('dropped:')) dropped[name.slice('dropped:'.length)] = value;
  }
  const delivered = state.counters.delivered ?? 0;
  const droppedTotal = Object.values(dropped).reduce((a, b) => a + b, 0);
  return {
    connectionId: input.connectionId,
    amplitudeProjectId: input.amplitudeProjectId,
    phase: state.phase,
    status: STATUS_BY_PHASE[state.phase],
    settings: state.settings,
    workspaceId: state.workspaceId,
    connectedAt: iso(state.connectedAt),
    lastEventAt: iso(state.lastEventAt),
    lastError: state.lastError ? { message: state.lastError.message, at: iso(state.lastError.at)! } : undefined,
    received: delivered + droppedTotal + state.pending,
    delivered,
    pending: state.pending,
    dropped,
    backfill: state.backfill,
    backfillsQueued: state.backfillQueue.length,
  };
}

/** Markdown for the Temporal UI's "current details" of the connection. */
function detailsOf(status: SourceStatus): string {
  const lines = [
    `**${status.status}** — Amplitude project ${status.amplitudeProjectId}${status.workspaceId ? `, Intercom workspace ${status.workspaceId}` : ''}`,
    `received ${status.received} · delivered ${status.delivered} · pending ${status.pending}`,
  ];
  const dropped = Object.entries(status.dropped);
  if (dropped.length > 0) lines.push(`dropped: ${dropped.map(([reason, n]) => `${reason} ${n}`).join(', ')}`);
  if (status.backfill) {
    const objects = Object.entries(status.backfill.objects).map(
      ([o, c]) => `${o} ${c?.imported ?? 0}/${c?.scanned ?? 0}`,
    );
    lines.push(
      `backfill ${status.backfill.status} (${status.backfill.since} → ${status.backfill.until}) ${objects.join(', ')}`,
    );
  }
  if (status.lastError) lines.push(`last error: ${status.lastError.message}`);
  return lines.join('\n\n');
}

function handled(counters: Record<string, number>): number {
  return Object.entries(counters)
    .filter(([name]) => name === 'delivered' || name.startsWith('dropped:'))
    .reduce((sum, [, value]) => sum + value, 0);
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

function errorMessage(err: unknown): string {
  if (err instanceof ApplicationFailure || err instanceof Error) {
    const cause = (err as { cause?: Error }).cause;
    return cause?.message ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}
