import { CallFailedError } from '../outcomes';
import { actionForRow } from './actions';
import type { DeliveryContext, RowResult } from './actions/context';
import { failedRow } from './actions/row-results';
import type { OutboxRow } from './outbox';

/**
 * Delivers one outbox row to Intercom: the action of the row's kind performs it (src/destination/actions), and
 * a failed Intercom call that ended its steps becomes the row's outcome (src/outcomes.ts). Everything not sent
 * carries a reason. Other errors are the lane's to settle (src/delivery/lanes/intercom.ts).
 */
export async function deliverRow(ctx: DeliveryContext, row: OutboxRow): Promise<RowResult> {
  try {
    return await actionForRow(row.kind).perform(ctx, row);
  } catch (err) {
    if (err instanceof CallFailedError) return failedRow(ctx, row, err.failure);
    throw err;
  }
}
