import type { OutboxRow } from '../outbox';
import type { DestinationAction } from './context';
import { createUpdateUser } from './create-update-user';
import { sendEvent } from './send-event';
import { syncCohortMembership } from './sync-cohort-membership';

/**
 * The destination's actions, one folder each (in the spirit of Segment's action destinations): its fields
 * declared once as data (fields.ts), its transform, and `perform`. An outbox row is performed by the action
 * of its kind; a new action adds its folder, its row kind and its line here.
 */
export const DESTINATION_ACTIONS: Readonly<Record<OutboxRow['kind'], DestinationAction>> = {
  event: sendEvent,
  identify: createUpdateUser,
  membership: syncCohortMembership,
};

export function actionForRow(kind: OutboxRow['kind']): DestinationAction {
  return DESTINATION_ACTIONS[kind];
}
