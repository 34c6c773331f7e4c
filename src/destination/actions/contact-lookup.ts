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
