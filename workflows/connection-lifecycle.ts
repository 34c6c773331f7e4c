import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import type { Activities } from '../activities';
import type { DeliveryState } from '../activities/connections';
import {
  credentialsChangedSignal,
  deliveryEventSignal,
  disconnectSignal,
  pauseSignal,
  resumeSignal,
  type DisconnectReason,
} from './connection-signals';
import { ConnectionStatusKey } from './search-attributes';

/**
 * What every connection workflow (source, destination sync, cohort sync) shares: the operator's controls
 * (pause, resume, disconnect), what delivery reports (first delivery, fatal rejection), replaced
 * credentials, publishing status and delivery state, and waiting without growing the history forever.
 * Delivery itself runs in the shards (workflows/delivery-shard.ts): a connection's workflow runs no
 * per-event activity, and when nothing happens it only waits.
 */
export interface ControlState {
  paused: boolean;
  disconnect?: DisconnectReason;
  /** Delivery cannot proceed until an operator acts (a rejected key or token). */
  error?: { reason: string; message: string; at: number };
  lastError?: { message: string; at: number };
  /** The status and delivery state last written to Postgres. */
  published?: { status: string; deliveryState: DeliveryState };
  /** HISTORY_FORM of this run: from its starter, or set on continue-as-new. Absent: form 1. */
  historyForm?: number;
}

/** A keyword search attribute and the value a workflow wants it to have. */
type KeywordAttribute = { key: SearchAttributeKey<'KEYWORD'>; value: string };

export const control = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * The commands a run records, for runs that outlive a deployment: a history must replay with the code that reads
 * it. Form 2 writes the statuses of onboarding with a local activity (see `writesLocally`) and sets a search
 * attribute learnt while authorizing (the Intercom workspace) in the same upsert as the status it leads to. Runs
 * without it (started before form 2) record form 1 until they continue as new. It travels in the input rather than
 * through `patched`, which would cost each run a marker and an upsert of its own (TemporalChangeVersion). Histories
 * of both forms: test/unit/workflows/replay.test.ts.
 */
export const HISTORY_FORM = 2;

const statusWrite = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** A fresh run's control state; `historyForm` is what its starter asked for (its input is in the history). */
export function newControlState(historyForm?: number): ControlState {
  return { paused: false, ...(historyForm ? { historyForm } : {}) };
}

/** Whether this run records form 2 or later (see HISTORY_FORM). */
export const recordsForm2 = (state: ControlState) => (state.historyForm ?? 1) >= 2;

/** Statuses a connection only moves on from: while one of them is what Postgres shows, every next status differs. */
const ONBOARDING_STATUSES: ReadonlySet<string> = new Set(['Authorizing', 'Configuring']);

/**
 * Whether this status write may run as a local activity: inside the workflow task that decides it, with no activity
 * task and no second workflow task. Only while nothing or an onboarding status is published. A local activity's
 * write happens even when Temporal then refuses the task's completion (a signal came in as it continued as new, or
 * the task timed out); the retried task may see that signal together with the one that led to the write and decide
 * otherwise (pause and resume at once: nothing to publish), and Postgres would keep a status the workflow never
 * recorded (a resumed source held as Paused). From an onboarding status every retry publishes a later status over
 * it; after onboarding, statuses go back and forth, so they are written by activity tasks, which only an accepted
 * completion schedules. test/unit/workflows/source-connection.test.ts shows the refused completion.
 */
function writesLocally(state: ControlState): boolean {
  return recordsForm2(state) && (!state.published || ONBOARDING_STATUSES.has(state.published.status));
}

/**
 * Installs the shared handlers. `onDelivered` runs when a shard reports the connection's first delivered
 * event; `changed` is called after any handler, so the workflow's wait can re-evaluate.
 */
export function handleControls(state: ControlState, hooks: { onDelivered?: () => void } = {}): void {
  setHandler(disconnectSignal, ({ reason } = {}) => {
    state.disconnect ??= reason ?? 'operator';
  });
  setHandler(pauseSignal, () => {
    state.paused = true;
  });
  setHandler(resumeSignal, () => {
    state.paused = false;
  });
  setHandler(credentialsChangedSignal, () => {
    state.error = undefined;
  });
  setHandler(deliveryEventSignal, (event) => {
    if (event.kind === 'fatal') {
      state.error = { reason: event.reason, message: event.message, at: Date.now() };
      state.lastError = { message: event.message, at: Date.now() };
    } else hooks.onDelivered?.();
  });
}

/**
 * Installs the settings update: `apply` validates a patch against the current settings (it throws what the
 * caller reads), the validator turns edits away while `closing` says why. The update answers once saved and
 * published.
 */
export function handleSettingsUpdate<S, P>(
  update: UpdateDefinition<S, [P]>,
  state: ControlState & { settings: S },
  connectionId: string,
  rules: {
    apply: (current: S, patch: P) => S;
    closing: () => string | undefined;
    statusNow: () => { status: string; deliveryState: DeliveryState };
    /** Runs once the new settings are in place, before the answer waits for the status they lead to. */
    applied?: (settings: S) => void;
  },
): void {
  setHandler(
    update,
    async (patch) => {
      const settings = rules.apply(state.settings, patch);
      await control.saveConnectionSettings({ connectionId, settings });
      state.settings = settings;
      rules.applied?.(settings);
      await untilPublished(state, rules.statusNow);
      return state.settings;
    },
    {
      validator: (patch) => {
        const closing = rules.closing();
        if (closing) throw new Error(closing);
        rules.apply(state.settings, patch);
      },
    },
  );
}

/**
 * Shows the status (search attribute `ConnectionStatus`, current details) and, when the status or the
 * delivery state changed, writes both to Postgres, where the webhook receiver and the shards read them.
 * `attributes` are search attributes to set with the status where they changed (one upsert, one visibility write).
 */
export async function publish(
  connectionId: string,
  state: ControlState,
  next: { status: string; deliveryState: DeliveryState },
  details: string,
  attributes: KeywordAttribute[] = [],
): Promise<void> {
  setCurrentDetails(details);
  const changed = changedSearchAttributes(attributes);
  if (state.published?.status !== next.status) changed.push({ key: ConnectionStatusKey, value: next.status });
  if (changed.length > 0) upsertSearchAttributes(changed);
  if (isPublished(state, next)) return;
  await (writesLocally(state) ? statusWrite : control).publishConnectionState({ connectionId, ...next });
  state.published = next;
}

/**
 * Sets the search attributes that differ from the run's own (a start or a continue-as-new may carry them already):
 * an unchanged upsert still costs a history event and a visibility write.
 */
export function upsertChangedSearchAttributes(pairs: KeywordAttribute[]): void {
  const changed = changedSearchAttributes(pairs);
  if (changed.length > 0) upsertSearchAttributes(changed);
}

/** The pairs whose value differs from the run's current search attributes. */
function changedSearchAttributes(pairs: KeywordAttribute[]): KeywordAttribute[] {
  const current = workflowInfo().typedSearchAttributes;
  return pairs.filter((pair) => current.get(pair.key) !== pair.value);
}

/** Whether Postgres already shows `wanted` (the status and delivery state last published). */
export function isPublished(state: ControlState, wanted: { status: string; deliveryState: DeliveryState }): boolean {
  return state.published?.status === wanted.status && state.published.deliveryState === wanted.deliveryState;
}

/**
 * Waits until Postgres shows what the workflow now wants (the main loop publishes it). Updates await this,
 * so a caller that gets an answer can rely on it: e.g. events sent right after "enabled" are delivered.
 */
export async function untilPublished(
  state: ControlState,
  wanted: () => { status: string; deliveryState: DeliveryState },
): Promise<void> {
  await condition(() => isPublished(state, wanted()));
}

/** Temporal's suggestion to continue as new (signals alone grow the history of a waiting connection). */
export const continueAsNewSuggested = () => workflowInfo().continueAsNewSuggested;

/**
 * Continues as new with the carried state, once every handler has finished. The new run has no history to replay:
 * it records the current form.
 */
export async function continueAsNewIfSuggested<F extends (input: any) => Promise<unknown>>(
  input: Parameters<F>[0] & { carried: ControlState },
): Promise<void> {
  if (!continueAsNewSuggested()) return;
  await condition(allHandlersFinished);
  const next = { ...input, carried: { ...input.carried, historyForm: HISTORY_FORM } };
  await continueAsNew<F>(...([next] as Parameters<F>));
}

/** A lifecycle's error and last error, as the status query and the details show them (ISO times). */
export function errorsShown(state: ControlState): {
  error?: { reason: string; message: string; at: string };
  lastError?: { message: string; at: string };
} {
  return {
    error: state.error ? { ...state.error, at: iso(state.error.at)! } : undefined,
    lastError: state.lastError ? { message: state.lastError.message, at: iso(state.lastError.at)! } : undefined,
  };
}

/**
 * Markdown for the Temporal UI's "current details": the workflow's own `lines`, then the error, `afterError`,
 * the last error and where the counters are.
 */
export function detailsMarkdown(
  lines: string[],
  shown: ReturnType<typeof errorsShown>,
  afterError: string[] = [],
): string {
  const all = [...lines];
  if (shown.error) all.push(`**error** (${shown.error.reason}): ${shown.error.message}`);
  all.push(...afterError);
  if (shown.lastError) all.push(`last error: ${shown.lastError.message}`);
  all.push('counters: `GET /api/connections/<id>` or the setup page');
  return all.join('\n\n');
}

export function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

export function errorMessage(err: unknown): string {
  const cause = (err as { cause?: Error }).cause;
  const message = (err as Error)?.message ?? String(err);
  return cause?.message ? `${message}: ${cause.message}` : message;
}
