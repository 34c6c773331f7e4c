import { CallFailedError } from '../../outcomes';
import { FOUND_TTL_SECONDS, type LookupField } from '../identity-cache';
import type { IntercomUser } from '../intercom-user';
import type { DeliveryContext } from './context';

/**
 * The Intercom contact of a user, as both actions find it: the cached contact id, else a search (exact match;
 * a user wins over a lead). Null when no contact exists; a failed search ends the row's steps.
 */
export async function resolveContact(ctx: DeliveryContext, user: IntercomUser): Promise<string | null> {
  const field: LookupField = user.field;
  const cached = await ctx.identities.get(field, user.value);
  if (cached.state === 'found') return cached.contactId;
  if (cached.state === 'missing') return null;
  const found = await ctx.intercom.searchContacts(
    ctx.token,
    { field, operator: '=', value: user.value },
    { per_page: 5 },
  );
  if (!found.ok) throw new CallFailedError(found.failure);
  const contacts = found.data.data;
  const match = contacts.find((c) => c.role === 'user') ?? contacts[0];
  await ctx.identities.remember(
    field,
    user.value,
    match?.id ?? null,
    match ? FOUND_TTL_SECONDS : ctx.policy.missingTtlSeconds,
  );
  return match?.id ?? null;
}

/** Values per bulk search: one `IN` filter, with room in a page (150) for a lead and a user per value. */
export const BULK_LOOKUP_VALUES = 50;
const BULK_PAGE = 150;

/**
 * Looks up in bulk the contacts of users the identity cache does not know, so the rows that follow find them in the
 * cache: one search (`IN`) per BULK_LOOKUP_VALUES users instead of one each (a cohort's first sync). What is found is
 * remembered like resolveContact's answers (a user wins over a lead); a value absent from a complete answer is
 * remembered as missing. A failed search changes nothing: each row then looks its contact up itself.
 */
export async function prefetchContacts(ctx: DeliveryContext, users: readonly IntercomUser[]): Promise<void> {
  for (const field of ['external_id', 'email'] as const) {
    const unknown: string[] = [];
    for (const value of new Set(users.filter((u) => u.field === field).map((u) => u.value)))
      if ((await ctx.identities.get(field, value)).state === 'unknown') unknown.push(value);
    for (let at = 0; at < unknown.length; at += BULK_LOOKUP_VALUES) {
      const values = unknown.slice(at, at + BULK_LOOKUP_VALUES);
      const found = await ctx.intercom.searchContacts(
        ctx.token,
        { field, operator: 'IN', value: values },
        { per_page: BULK_PAGE },
      );
      if (!found.ok) return;
      const byValue = new Map<string, { id: string; role?: string }>();
      for (const contact of found.data.data) {
        const raw = field === 'external_id' ? contact.external_id : contact.email?.toLowerCase();
        if (!raw) continue;
        const seen = byValue.get(raw);
        if (!seen || (seen.role !== 'user' && contact.role === 'user')) byValue.set(raw, contact);
      }
      // A page cut short says nothing about the values it left out.
      const complete = !found.data.pages?.next;
      for (const value of values) {
        const match = byValue.get(value);
        if (match) await ctx.identities.remember(field, value, match.id, FOUND_TTL_SECONDS);
        else if (complete) await ctx.identities.remember(field, value, null, ctx.policy.missingTtlSeconds);
      }
    }
  }
}
