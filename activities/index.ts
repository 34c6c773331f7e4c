import type { Services } from '../src/runtime/services';
import { createRetentionActivities } from './retention';
import { createDeliveryActivities } from './delivery';
import { createConnectionActivities } from './connections';
import { createBackfillActivities } from './backfill';
import { createCohortActivities } from './cohort';

/** All activities, built over the process's services (dependency injection, as in Temporal's samples). */
export function createActivities(services: Services) {
  return {
    ...createRetentionActivities(services),
    ...createDeliveryActivities(services),
    ...createConnectionActivities(services),
    ...createBackfillActivities(services),
    ...createCohortActivities(services),
  };
}

export type Activities = ReturnType<typeof createActivities>;
