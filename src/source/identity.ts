import { isInvalidIdValue } from '../amplitude/protocol/limits';
import { field, textAt, type JsonObject } from './item-fields';

/**
 * Which Intercom property becomes Amplitude's `user_id`, chosen by the customer at setup:
 * - `user_id`: the customer's own id for the person (`external_id` in 2.x, `user_id` in 1.x),
 *   never Intercom's internal `id`;
 * - `email`: the email, falling back to the user id when no email can be found (Amplitude's rule).
 */
export type IdentityMapping = 'user_id' | 'email';

export type IdentitySource = 'user_id' | 'email';

export interface ResolvedIdentity {
  userId: string;
  source: IdentitySource;
}

/** What an item tells us about the person it concerns. All values are already validated. */
export interface PersonRef {
  /** Intercom's internal contact id: for properties, correlation and identity memory, never as the user id. */
  intercomId?: string;
  /** The customer's id for the person (`external_id` / legacy `user_id`); never set for leads and visitors. */
  userId?: string;
  /**
   * Trimmed, case kept: Amplitude user ids are case-sensitive and must match the user's other
   * data. Compare with `emailKey` where case must not matter (our own caches, Intercom matching).
   */
  email?: string;
  /** `user`, `lead`, `contact`, ... as Intercom labels the object. */
  type?: string;
  /**
   * A lead or visitor: the ids Intercom shows for them (1.x `user_id`, a lead's `external_id` in
   * 2.x conversation lists) are UUIDs Intercom generated, not the customer's, so none becomes a user id.
   */
  anonymous?: boolean;
}

/** The trimmed id, or undefined for a non-id or one of Amplitude's placeholders (` NULL ` names nobody either). */
export function validId(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return isInvalidIdValue(trimmed) ? undefined : trimmed;
}

/** An email as Intercom sent it, trimmed only (case is part of the Amplitude user id). */
export function sentEmail(value: unknown): string | undefined {
  return typeof value === 'string' ? validId(value) : undefined;
}

/** Case-folded email for matching in our own caches and ledgers (mailboxes are case-insensitive in practice). */
export function emailKey(email: string): string {
  return email.toLowerCase();
}

/**
 * The person's role. 2.x objects say `role`; 1.x has none: its `user` objects are users, its
 * `contact` objects leads, its `visitor` objects visitors. A 2.x minimal payload
 * (`{type:'contact', id, external_id}`, e.g. `*.deleted`, conversation contact lists) says neither.
 */
export function contactRole(obj: JsonObject | undefined): string | undefined {
  const role = textAt(obj, 'role');
  if (role) return role;
  const type = textAt(obj, 'type');
  if (type === 'user' || type === 'lead' || type === 'visitor') return type;
  if (type === 'contact' && obj && !Object.hasOwn(obj, 'external_id')) return 'lead';
  return undefined;
}

/** Leads and visitors, by role or by Intercom's own `anonymous` flag (1.x). */
export function isAnonymousPerson(obj: JsonObject | undefined): boolean {
  const role = contactRole(obj);
  return field(obj, 'anonymous') === true || role === 'lead' || role === 'visitor';
}

/** Reads a contact/user/lead-like object in either API version's shape. */
export function personFrom(obj: JsonObject | undefined): PersonRef | undefined {
  if (!obj) return undefined;
  const anonymous = isAnonymousPerson(obj);
  const person: PersonRef = {
    intercomId: textAt(obj, 'id'),
    // 2.x says external_id; 1.x said user_id. Both mean the customer's own id, except for leads and visitors.
    userId: anonymous ? undefined : (validId(field(obj, 'external_id')) ?? validId(field(obj, 'user_id'))),
    email: sentEmail(field(obj, 'email')),
    type: textAt(obj, 'type'),
    ...(anonymous ? { anonymous } : {}),
  };
  return person.intercomId || person.userId || person.email ? person : undefined;
}

/** Types Intercom uses for the customer side of a conversation (as opposed to admin, bot, team). */
const CUSTOMER_TYPES = new Set(['user', 'lead', 'contact']);

export function isCustomer(obj: JsonObject | undefined): boolean {
  const type = textAt(obj, 'type');
  return type !== undefined && CUSTOMER_TYPES.has(type);
}

/**
 * Combines several partial views of one person, e.g. a 2.x conversation's `source.author`
 * (id and email) with its `contacts` entry (id and external_id). The first reference decides
 * who the person is; later ones only contribute if they carry the same Intercom id. If any view
 * says the person is a lead or visitor, no view's id becomes the user id.
 */
export function mergePersonRefs(refs: ReadonlyArray<PersonRef | undefined>): PersonRef | undefined {
  const present = refs.filter((r): r is PersonRef => r !== undefined);
  const primary = present[0];
  if (!primary) return undefined;
  const same = primary.intercomId ? present.filter((r) => r.intercomId === primary.intercomId) : [primary];
  const pick = <K extends keyof PersonRef>(key: K): PersonRef[K] => same.find((r) => r[key] !== undefined)?.[key];
  const anonymous = same.some((r) => r.anonymous);
  return {
    intercomId: pick('intercomId'),
    userId: anonymous ? undefined : pick('userId'),
    email: pick('email'),
    type: pick('type'),
    ...(anonymous ? { anonymous } : {}),
  };
}

/** The value of the mapped property itself, when the person carries it. */
export function mappedIdentity(person: PersonRef | undefined, mapping: IdentityMapping): ResolvedIdentity | null {
  if (mapping === 'email') return person?.email ? { userId: person.email, source: 'email' } : null;
  return person?.userId ? { userId: person.userId, source: 'user_id' } : null;
}

/** Amplitude's documented fallback: under the email mapping, the user id. The user_id mapping has none. */
export function fallbackIdentity(person: PersonRef | undefined, mapping: IdentityMapping): ResolvedIdentity | null {
  return mapping === 'email' && person?.userId ? { userId: person.userId, source: 'user_id' } : null;
}

/** From the payload alone: the mapped property, else the fallback. */
export function resolveIdentity(person: PersonRef | undefined, mapping: IdentityMapping): ResolvedIdentity | null {
  return mappedIdentity(person, mapping) ?? fallbackIdentity(person, mapping);
}
