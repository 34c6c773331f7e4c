import { conflictContactId, INTERCOM_REASONS } from '../../../intercom/errors';
import type { IntercomResult } from '../../../intercom/client';
import type { CallFailure } from '../../../outcomes';
import { identifyHash } from '../../identify-hashes';
import { FOUND_TTL_SECONDS } from '../../identity-cache';
import type { NormalizedIdentify } from '../../ingested-event';
import type { IntercomUser } from '../../intercom-user';
import type { OutboxRow } from '../../outbox';
import { resolveContact } from '../contact-lookup';
import type { DeliveryContext, RowResult } from '../context';
import { failedRow, sentRow, skippedRow } from '../row-results';
import { toContactUpsert } from './to-contact-upsert';

/**
 * Upserts the contact of one identify: search → update, else create; a 409 "already exists" names the contact,
 * which is then updated. Custom attributes are created in Intercom first where missing. An identify that would
 * write nothing new to a contact we know costs no call at all.
 */
export async function performCreateUpdateUser(ctx: DeliveryContext, row: OutboxRow): Promise<RowResult> {
  const identify = row.payload as unknown as NormalizedIdentify;
  const upsert = toContactUpsert(identify, ctx.settings);
  if (!upsert.ok) return skippedRow(row, upsert.reason);

  // Nothing Intercom would see changed since we last wrote this contact (which still exists as far as
  // we know): no call at all.
  const hash = identifyHash(upsert);
  if (await unchangedSinceSynced(ctx, upsert.lookup, hash)) {
    return { ...sentRow(row, { identifies_unchanged: 1 }), unparkUserKey: row.userKey };
  }

  const counters: Record<string, number> = {};
  const { available, refused } = await ctx.attributes.ensure(upsert.attributeTypes);
  const keep = (attributes: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(attributes).filter(([name]) => available.has(name) || !(name in upsert.attributeTypes)),
    );
  for (const r of refused)
    counters[`attributes_refused:${r.reason}`] = (counters[`attributes_refused:${r.reason}`] ?? 0) + 1;
  for (const d of upsert.droppedProperties)
    counters[`properties_dropped:${d.reason}`] = (counters[`properties_dropped:${d.reason}`] ?? 0) + 1;
  // Only a complete write is remembered: refused attributes are tried again by the next identify.
  const written = { lookup: upsert.lookup, hash: refused.length === 0 ? hash : undefined };

  const update = { ...upsert.contact, custom_attributes: keep(upsert.contact.custom_attributes) };
  const create = {
    ...upsert.createOnly,
    ...update,
    custom_attributes: { ...keep(upsert.createOnly.custom_attributes), ...update.custom_attributes },
  };

  let contactId = await resolveContact(ctx, upsert.lookup);
  if (contactId) {
    const updated = await ctx.intercom.updateContact(ctx.token, contactId, update);
    if (updated.ok) return identified(ctx, row, written, contactId, { ...counters, contacts_updated: 1 });
    if (updated.failure.kind !== 'not_found') return failedRow(ctx, row, asRefusal(updated));
    // Deleted or merged since we cached it.
    await ctx.identities.forget(upsert.lookup.field, upsert.lookup.value);
    await ctx.identifyHashes.forget(upsert.lookup);
  }
  const created = await ctx.intercom.createContact(ctx.token, create);
  if (created.ok) return identified(ctx, row, written, created.data.id, { ...counters, contacts_created: 1 });
  if (created.status !== 409) return failedRow(ctx, row, asRefusal(created));
  // Search lags behind writes: the contact exists, and Intercom's 409 tells us its id.
  const conflict = conflictContactId(created.error.message ?? '');
  if (!conflict) return failedRow(ctx, row, asRefusal(created));
  if (conflict.archived) return skippedRow(row, 'archived_contact');
  contactId = conflict.id;
  const updated = await ctx.intercom.updateContact(ctx.token, contactId, update);
  if (!updated.ok) return failedRow(ctx, row, asRefusal(updated));
  return identified(ctx, row, written, contactId, { ...counters, contacts_updated: 1, conflicts_resolved: 1 });
}

async function identified(
  ctx: DeliveryContext,
  row: OutboxRow,
  written: { lookup: IntercomUser; hash: string | undefined },
  contactId: string,
  counters: Record<string, number>,
): Promise<RowResult> {
  const { lookup, hash } = written;
  await ctx.identities.remember(lookup.field, lookup.value, contactId, FOUND_TTL_SECONDS);
  if (hash) await ctx.identifyHashes.remember(lookup, hash, contactId);
  return { ...sentRow(row, { ...counters, identified: 1 }), unparkUserKey: row.userKey };
}

/** The same upsert was written to this contact, and we have not learnt since that the contact is gone or another. */
async function unchangedSinceSynced(ctx: DeliveryContext, lookup: IntercomUser, hash: string): Promise<boolean> {
  const syncedContact = await ctx.identifyHashes.unchanged(lookup, hash);
  if (!syncedContact) return false;
  const cached = await ctx.identities.get(lookup.field, lookup.value);
  return cached.state === 'unknown' || (cached.state === 'found' && cached.contactId === syncedContact);
}

/**
 * An identify has nothing to wait for: a contact Intercom cannot find at this point (one it just named in a 409,
 * say) is a refusal like any other, not a reason to park.
 */
function asRefusal(result: Extract<IntercomResult<unknown>, { ok: false }>): CallFailure {
  const { failure } = result;
  return failure.kind === 'not_found'
    ? { kind: 'rejected', reason: INTERCOM_REASONS.rejected, message: failure.message }
    : failure;
}
