import type { Services } from '../src/runtime/services';
import { createRetentionActivities } from './retention';
import { createSourceActivities } from './source';
import { createDestinationActivities } from './destination';
import { createBackfillActivities } from './backfill';

/** All activities, built over the process's services (dependency injection, as in Temporal's samples). */
export function createActivities(services: Services) {
  return {
    ...createRetentionActivities(services),
    ...createSourceActivities(services),
    ...createDestinationActivities(services),
    ...createBackfillActivities(services),
  };
}

export type Activities = ReturnType<typeof createActivities>;
