import type { Services } from '../src/runtime/services';
import { createRetentionActivities } from './retention';
import { createDeliveryActivities } from './delivery';
import { createConnectionActivities } from './connections';
import { createBackfillActivities } from './backfill';

/** All activities, built over the process's services (dependency injection, as in Temporal's samples). */
export function createActivities(services: Services) {
  return {
    ...createRetentionActivities(services),
    ...createDeliveryActivities(services),
    ...createConnectionActivities(services),
    ...createBackfillActivities(services),
  };
}

export type Activities = ReturnType<typeof createActivities>;
