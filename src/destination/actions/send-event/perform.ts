import { INTERCOM_REASONS } from '../../../intercom/errors';
import type { IngestedEvent } from '../../ingested-event';
import type { OutboxRow } from '../../outbox';
import { resolveContact } from '../contact-lookup';
import type { DeliveryContext, RowResult } from '../context';
import { failedRow, parkRow, sentRow, skippedRow } from '../row-results';
import { toIntercomEvent } from './to-intercom-event';

/** Connection counters `metadata_keys_cut:<event name>`: metadata keys cut by Intercom's limit, per event name. */
export const METADATA_KEYS_CUT_PREFIX = 'metadata_keys_cut:';

/**
 * Sends one event to Intercom, only to a contact that exists: looked up by email (and sent by contact id, since
 * one email can match a lead and a user), or sent by external_id and parked when Intercom answers 404. A new
 * event name takes one of the workspace's event-type slots only once its contact is known.
 */
export async function performSendEvent(ctx: DeliveryContext, row: OutboxRow): Promise<RowResult> {
  const event = row.payload as unknown as IngestedEvent;
  const built = toIntercomEvent(event, ctx.settings, {
    metadataKeyLimit: ctx.policy.metadataKeyLimit,
    receivedAtMs: row.receivedAt.getTime(),
  });
  if (!built.ok) return skippedRow(row, built.reason);
  // Turned away early when there is no room; the slot itself is taken only once the contact is known.
  const slot = await ctx.eventTypes.check(built.eventTypeKey);
  if (slot === 'full' || slot === 'rejected') return skippedRow(row, INTERCOM_REASONS.eventTypeLimit);

  const { user } = built;
  let body: Record<string, unknown> = built.body;
  if (user.field === 'email') {
    // Intercom can match several contacts (a lead and a user) on one email; send by contact id.
    const contactId = await resolveContact(ctx, user);
    if (!contactId) return parkRow(ctx, row);
    const { email: _email, ...rest } = built.body as Record<string, unknown>;
    body = { ...rest, id: contactId };
  } else if ((await ctx.identities.get('external_id', user.value)).state === 'missing') {
    return parkRow(ctx, row);
  }
  const admission = await ctx.eventTypes.admit(built.eventTypeKey);
  if (!admission.admitted) return skippedRow(row, INTERCOM_REASONS.eventTypeLimit);

  // Recorded before sending: Intercom's event.created webhook for it may reach our source before the
  // send even returns, and the source must already know the event is ours (loop prevention).
  await ctx.sentEvents.record([{ eventName: built.eventTypeKey, createdAt: built.body.created_at, user }]);
  const sent = await ctx.intercom.sendEvent(ctx.token, body);
  if (sent.ok) {
    await ctx.eventTypes.used(built.eventTypeKey);
    const counters: Record<string, number> = {};
    if (built.cutKeys.length > 0) {
      counters.metadata_keys_cut = built.cutKeys.length;
      counters[`${METADATA_KEYS_CUT_PREFIX}${built.eventTypeKey}`] = built.cutKeys.length;
      counters.events_with_metadata_cut = 1;
    }
    if (built.droppedKeys.length > 0) counters.metadata_keys_dropped = built.droppedKeys.length;
    return sentRow(row, counters);
  }
  const { failure } = sent;
  if (failure.kind === 'not_found') {
    // No such contact: the name was not used after all, and what we synced to the contact is gone.
    if (admission.fresh) await ctx.eventTypes.release(built.eventTypeKey);
    await ctx.identities.remember(user.field, user.value, null, ctx.policy.missingTtlSeconds);
    await ctx.identifyHashes.forget(user);
    return parkRow(ctx, row);
  }
  if (failure.kind === 'rejected' && failure.reason === INTERCOM_REASONS.eventTypeLimit) {
    await ctx.eventTypes.reject(built.eventTypeKey);
    return skippedRow(row, INTERCOM_REASONS.eventTypeLimit);
  }
  return failedRow(ctx, row, failure);
}
