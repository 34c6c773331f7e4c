import {
  allHandlersFinished,
  condition,
  setHandler,
  upsertSearchAttributes,
  type QueryDefinition,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { DeliveryState } from '../activities/connections';
import * as connection from './connection-lifecycle';
import { IntercomWorkspaceKey, ProviderKey } from './search-attributes';

/**
 * What the two syncs into Intercom (destination sync, cohort sync) share beyond connection-lifecycle.ts: a
 * status switched by their settings, one Intercom workspace, a contact mapping, and one queue of operator
 * requests (replays, resyncs) worked through between waits. Each workflow keeps its own settings, requests
 * and disconnect. They import it as `sync` (`sync.start`, `sync.show`…).
 */

export type Status = 'Enabled' | 'Disabled' | 'Paused' | 'Error' | 'Disconnected';

/** What the shared code reads of a sync's settings. */
export interface Settings {
  status: 'enabled' | 'disabled';
  mapping: { intercomUser: string; from: { kind: string; name?: string } };
}

export interface State<S extends Settings> extends connection.ControlState {
  settings: S;
}

export interface Input {
  connectionId: string;
  workspaceId: string;
}

/** The lifecycle part of a sync's status; counters come from Postgres (src/connections/status.ts). */
export interface Lifecycle<S> {
  connectionId: string;
  workspaceId: string;
  status: Status;
  settings: S;
  error?: { reason: string; message: string; at: string };
  lastError?: { message: string; at: string };
}

export function statusNow(state: State<Settings>): { status: Status; deliveryState: DeliveryState } {
  if (state.disconnect) return { status: 'Disconnected', deliveryState: 'held' };
  // Disabled wins over paused and error: nothing may wait while disabled.
  const disabled = state.settings.status === 'disabled';
  if (state.error) return { status: 'Error', deliveryState: disabled ? 'discard' : 'held' };
  if (disabled) return { status: 'Disabled', deliveryState: 'discard' };
  if (state.paused) return { status: 'Paused', deliveryState: 'held' };
  return { status: 'Enabled', deliveryState: 'active' };
}

export function lifecycleOf<S extends Settings>(input: Input, state: State<S>): Lifecycle<S> {
  return {
    connectionId: input.connectionId,
    workspaceId: input.workspaceId,
    status: statusNow(state).status,
    settings: state.settings,
    ...connection.errorsShown(state),
  };
}

/**
 * Installs what every sync answers: the shared controls, its settings update (a patch `applyPatch` turns down
 * is refused with its message) and its status query, after tagging the run for search.
 */
export function start<S extends Settings, P, L>(
  provider: 'intercom-destination' | 'intercom-cohort',
  input: Input,
  state: State<S>,
  handlers: {
    settingsUpdate: UpdateDefinition<S, [P]>;
    applyPatch: (current: S, patch: P) => { ok: true; settings: S } | { ok: false; message: string };
    statusQuery: QueryDefinition<L>;
    lifecycle: () => L;
  },
): void {
  upsertSearchAttributes([
    { key: ProviderKey, value: provider },
    { key: IntercomWorkspaceKey, value: input.workspaceId },
  ]);
  connection.handleControls(state);
  connection.handleSettingsUpdate(handlers.settingsUpdate, state, input.connectionId, {
    apply: (current, patch) => {
      const result = handlers.applyPatch(current, patch);
      if (!result.ok) throw new Error(result.message);
      return result.settings;
    },
    closing: () => (state.disconnect ? 'the sync is being deleted' : undefined),
    statusNow: () => statusNow(state),
  });
  setHandler(handlers.statusQuery, handlers.lifecycle);
}

/**
 * The sync's life: show the status, continue as new when Temporal suggests it, work through the queued
 * requests (a failed one is noted as `<failure>: <why>`), then wait for a change; once disconnected, run the
 * sync's own `disconnect` and let running handlers answer.
 */
export async function run<T>(
  state: State<Settings>,
  loop: {
    show: () => Promise<void>;
    continueAsNewIfSuggested: () => Promise<void>;
    queue: () => T[];
    work: (request: T) => Promise<void>;
    failure: string;
    disconnect: () => Promise<void>;
  },
): Promise<void> {
  while (!state.disconnect) {
    await loop.show();
    await loop.continueAsNewIfSuggested();
    while (loop.queue().length > 0 && !state.disconnect) {
      try {
        await loop.work(loop.queue()[0]!);
      } catch (err) {
        state.lastError = { message: `${loop.failure}: ${connection.errorMessage(err)}`, at: Date.now() };
      }
      loop.queue().shift();
    }
    await condition(
      () =>
        !!state.disconnect ||
        !connection.isPublished(state, statusNow(state)) ||
        loop.queue().length > 0 ||
        connection.continueAsNewSuggested(),
    );
  }
  await loop.disconnect();
  await condition(allHandlersFinished);
}

/**
 * Publishes the sync's status and delivery state, with the Temporal UI's details: the shared lines around the
 * workflow's `own` lines (before the mapping) and `afterMapping` lines.
 */
export function show<S extends Settings>(
  state: State<S>,
  status: Lifecycle<S>,
  own: string[],
  afterMapping: string[] = [],
): Promise<void> {
  const { mapping } = status.settings;
  const from =
    mapping.from.kind === 'user_id'
      ? 'the Amplitude user id'
      : `${mapping.from.kind.replace('_', ' ')} ${mapping.from.name}`;
  const details = connection.detailsMarkdown(
    [
      `**${status.status}** — Intercom workspace ${status.workspaceId}`,
      ...own,
      `mapping: Intercom ${mapping.intercomUser} from ${from}`,
      ...afterMapping,
    ],
    status,
  );
  return connection.publish(status.connectionId, state, statusNow(state), details);
}
