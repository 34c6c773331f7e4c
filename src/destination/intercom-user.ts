import { isInvalidIdValue } from '../amplitude/protocol/limits';
import type { IngestedEvent, NormalizedIdentify } from './ingested-event';
import type { ContactMapping, IntercomUserField } from './settings';
import { ownValue } from './values';

/** How a contact is found in Intercom: by external_id (Intercom's `user_id` on events) or by email. */
export interface IntercomUser {
  field: IntercomUserField;
  value: string;
}

export type IdentityError = 'missing_identity' | 'invalid_email';
export type IdentityResult = IntercomUser | { error: IdentityError };

/** RFC 5321 caps a forward path at 254 characters. */
const MAX_EMAIL_LENGTH = 254;
/** Deliberately loose: one @, no spaces, a dot in the domain. Intercom does the strict check. */
const PLAUSIBLE_EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/**
 * Picks the Intercom identifier for an event or an identify, following the mapping. There is no
 * fallback to another field: a contact found by the wrong key would receive someone else's data.
 */
export function resolveIntercomUser(
  subject: IngestedEvent | NormalizedIdentify,
  mapping: ContactMapping,
): IdentityResult {
  const raw = sourceValue(subject, mapping);
  const value =
    typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined;
  // Amplitude's placeholder ids name nobody; `value` is already trimmed.
  if (value === undefined || isInvalidIdValue(value)) return { error: 'missing_identity' };
  if (mapping.intercomUser === 'external_id') return { field: 'external_id', value };
  const email = matchableEmail(value);
  return email === undefined ? { error: 'invalid_email' } : { field: 'email', value: email };
}

/**
 * An email as contacts are matched by: trimmed and lower-cased (Intercom matches emails case-insensitively),
 * or undefined if implausible. (The source keeps emails as sent: src/source/identity.ts.)
 */
export function matchableEmail(value: string): string | undefined {
  const email = value.trim().toLowerCase();
  return email.length <= MAX_EMAIL_LENGTH && PLAUSIBLE_EMAIL.test(email) ? email : undefined;
}

function sourceValue(subject: IngestedEvent | NormalizedIdentify, mapping: ContactMapping): unknown {
  const from = mapping.from;
  if (isIdentify(subject)) {
    // An identify carries no event properties; `$set` wins over `$setOnce` as the newer intent.
    if (from.kind === 'user_id') return subject.userId;
    if (from.kind === 'user_property') return ownValue(subject.set, from.name) ?? ownValue(subject.setOnce, from.name);
    return undefined;
  }
  if (from.kind === 'user_id') return subject.user_id;
  if (from.kind === 'user_property') return ownValue(subject.user_properties, from.name);
  return ownValue(subject.event_properties, from.name);
}

function isIdentify(subject: IngestedEvent | NormalizedIdentify): subject is NormalizedIdentify {
  return !('event_type' in subject);
}
