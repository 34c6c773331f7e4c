import {
  condition,
  defineSignal,
  proxySinks,
  setHandler,
  upsertSearchAttributes,
  type Sinks,
} from '@temporalio/workflow';
import { ConnectionStatusKey, IntercomWorkspaceKey } from '../../workflows/search-attributes';

/**
 * What Temporal does for one onboarded source and nothing of ours (bench/onboarding-floor.ts): after the start with
 * its search attributes, a first task that waits; the `authorized` signal and a task that upserts the status and
 * workspace and sets the daily timer. No activity, no Postgres: the connection workflow's work minus our own.
 */
export const authorizedSignal = defineSignal<[{ workspaceId: string }]>('authorized');

export interface FloorSinks extends Sinks {
  /** Tells the bench the first task ran, so it signals afterwards, as a user's consent comes after the start. */
  bench: { waiting(): void };
}

const { bench } = proxySinks<FloorSinks>();

export async function onboardingFloor(): Promise<void> {
  let workspaceId: string | undefined;
  setHandler(authorizedSignal, (authorized) => {
    workspaceId = authorized.workspaceId;
  });
  bench.waiting();
  await condition(() => workspaceId !== undefined);
  upsertSearchAttributes([
    { key: ConnectionStatusKey, value: 'Listening' },
    { key: IntercomWorkspaceKey, value: workspaceId! },
  ]);
  await condition(() => false, '24 hours'); // the daily token check
}
