import { isInvalidIdValue } from '../amplitude/protocol/limits';
import { field, textAt, type JsonObject } from './item-fields';

/**
 * Which Intercom property becomes Amplitude's `user_id`, chosen by the customer at setup:
 * - `user_id`: the customer's own id for the person (`external_id` in 2.x, `user_id` in 1.x),
 *   never Intercom's internal `id`;
 * - `email`: the email, falling back to the user id when the item has none (Amplitude's rule).
 */
export type IdentityMapping = 'user_id' | 'email';

export type IdentitySource = 'user_id' | 'email';

export interface ResolvedIdentity {
  userId: string;
  source: IdentitySource;
}

/** What an item tells us about the person it concerns. All values are already validated. */
export interface PersonRef {
  /** Intercom's internal contact id: for properties and correlation, never as the user id. */
  intercomId?: string;
  /** The customer's id for the person (`external_id` / legacy `user_id`). */
  userId?: string;
  /** Trimmed and lower-cased. */
  email?: string;
  /** `user`, `lead`, `contact`, ... as Intercom labels the object. */
  type?: string;
}

/** The trimmed id, or undefined for a non-id or one of Amplitude's placeholders (` NULL ` names nobody either). */
export function validId(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return isInvalidIdValue(trimmed) ? undefined : trimmed;
}

export function normalizeEmail(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return validId(value.toLowerCase());
}

/** Reads a contact/user/lead-like object in either API version's shape. */
export function personFrom(obj: JsonObject | undefined): PersonRef | undefined {
  if (!obj) return undefined;
  const person: PersonRef = {
    intercomId: textAt(obj, 'id'),
    // 2.x says external_id; 1.x said user_id. Both mean the customer's own id.
    userId: validId(field(obj, 'external_id')) ?? validId(field(obj, 'user_id')),
    email: normalizeEmail(field(obj, 'email')),
    type: textAt(obj, 'type'),
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
 * who the person is; later ones only contribute if they carry the same Intercom id.
 */
export function mergePersonRefs(refs: ReadonlyArray<PersonRef | undefined>): PersonRef | undefined {
  const present = refs.filter((r): r is PersonRef => r !== undefined);
  const primary = present[0];
  if (!primary) return undefined;
  const same = primary.intercomId ? present.filter((r) => r.intercomId === primary.intercomId) : [primary];
  const pick = <K extends keyof PersonRef>(key: K): PersonRef[K] => same.find((r) => r[key] !== undefined)?.[key];
  return { intercomId: pick('intercomId'), userId: pick('userId'), email: pick('email'), type: pick('type') };
}

export function resolveIdentity(person: PersonRef | undefined, mapping: IdentityMapping): ResolvedIdentity | null {
  if (mapping === 'email' && person?.email) return { userId: person.email, source: 'email' };
  if (person?.userId) return { userId: person.userId, source: 'user_id' };
  return null;
}
