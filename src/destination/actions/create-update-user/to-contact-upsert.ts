import type { NormalizedIdentify } from '../../ingested-event';
import { matchableEmail, resolveIntercomUser, type IdentityError, type IntercomUser } from '../../intercom-user';
import type { DestinationSettings } from '../../settings';
import { flatten, FLATTEN_SEPARATOR, isScalar, setEntry, toUnixSeconds, truncateString } from '../../values';

/** Intercom's `data_type` for a custom attribute, so the caller can create missing ones (POST /data_attributes). */
export type AttributeType = 'string' | 'integer' | 'float' | 'boolean' | 'date';
/** Custom attributes are scalars; null clears one. */
export type CustomAttributeValue = string | number | boolean | null;

export interface ContactFields {
  email?: string;
  name?: string | null;
  phone?: string | null;
  custom_attributes: Record<string, CustomAttributeValue>;
}

/** Body for POST /contacts or PUT /contacts/{id}. Only users: leads can't carry an external_id. */
export interface ContactUpsertBody extends ContactFields {
  role: 'user';
  external_id?: string;
}

export type ContactDropReason =
  | 'empty'
  | 'unsupported_value'
  | 'key_collision'
  | 'invalid_email'
  /** Names Intercom keeps for its own contact fields; it refuses custom attributes named like them. */
  | 'reserved_name'
  /** A selected email differing from the email the contact is looked up by. */
  | 'conflicts_with_lookup'
  /** `$unset` of the email: a contact can't lose the address it may be identified by. */
  | 'not_clearable';

export interface DroppedProperty {
  /** The Amplitude property name, or its flattened attribute name for nested values. */
  property: string;
  reason: ContactDropReason;
}

export type ContactUpsertResult =
  | {
      ok: true;
      lookup: IntercomUser;
      /** Apply on create and on update. */
      contact: ContactUpsertBody;
      /**
       * `$setOnce` values: add them only when creating the contact (Amplitude sets them only if
       * unset, and we don't read the contact first). `contact` wins where both name a field.
       */
      createOnly: ContactFields;
      /** Type of every custom attribute given a value, in `contact` or `createOnly`. */
      attributeTypes: Record<string, AttributeType>;
      droppedProperties: DroppedProperty[];
    }
  | { ok: false; reason: 'create_update_users_disabled' | IdentityError };

/**
 * Amplitude user properties (matched case-insensitively) that fill Intercom's standard contact
 * fields instead of custom attributes. Kept to the three both products mean the same way.
 */
type StandardField = 'email' | 'name' | 'phone';
export const STANDARD_CONTACT_FIELDS: Readonly<Record<string, StandardField>> = {
  email: 'email',
  name: 'name',
  phone: 'phone',
};

function standardFieldFor(property: string): StandardField | undefined {
  const key = property.toLowerCase();
  return Object.hasOwn(STANDARD_CONTACT_FIELDS, key) ? STANDARD_CONTACT_FIELDS[key] : undefined;
}

/** Intercom's own contact fields (compared case-insensitively); it refuses custom attributes with these names. */
const RESERVED_ATTRIBUTE_NAMES = new Set([
  'id',
  'type',
  'role',
  'external_id',
  'user_id',
  'email',
  'email_verified',
  'phone',
  'name',
  'avatar',
  'owner_id',
  'signed_up_at',
  'last_seen_at',
  'created_at',
  'updated_at',
  'unsubscribed_from_emails',
  'custom_attributes',
]);

const MAX_ATTRIBUTE_NAME_LENGTH = 190;
/** Intercom treats a custom attribute whose name ends in `_at` as a date in Unix seconds. */
const DATE_ATTRIBUTE_SUFFIX = '_at';

/**
 * An Amplitude identify → an Intercom contact upsert for "Create & Update Users". Only selected
 * user properties are sent; with none selected the contact carries just its identity.
 */
export function toContactUpsert(identify: NormalizedIdentify, settings: DestinationSettings): ContactUpsertResult {
  if (!settings.createUpdateUsers.enabled) return { ok: false, reason: 'create_update_users_disabled' };
  const lookup = resolveIntercomUser(identify, settings.mapping);
  if ('error' in lookup) return { ok: false, reason: lookup.error };

  const selected = settings.createUpdateUsers.userProperties;
  const attributeTypes: Record<string, AttributeType> = {};
  const droppedProperties: DroppedProperty[] = [];
  const collect = (properties: Record<string, unknown>, names: readonly string[]) =>
    collectFields(properties, names, lookup, attributeTypes, droppedProperties);

  // A property both $set and $unset in one identify keeps its $set value, the explicit intent.
  const unset = selected.filter((name) => identify.unset.includes(name) && !Object.hasOwn(identify.set, name));
  const cleared = clearFields(unset, droppedProperties);
  const fromSet = collect(identify.set, selected);
  const setOnceNames = selected.filter((name) => !Object.hasOwn(identify.set, name) && !identify.unset.includes(name));
  const createOnly = collect(identify.setOnce, setOnceNames);

  const contact: ContactUpsertBody = {
    role: 'user',
    ...cleared,
    ...fromSet,
    custom_attributes: { ...cleared.custom_attributes, ...fromSet.custom_attributes },
  };
  if (lookup.field === 'external_id') contact.external_id = lookup.value;
  else contact.email = lookup.value;
  return { ok: true, lookup, contact, createOnly, attributeTypes, droppedProperties };
}

/** Intercom accepts letters, digits, currency symbols except `$`, hyphens and underscores; the rest become `_`. */
export function sanitizeAttributeName(name: string): string {
  return truncateString(name.replace(/[^\p{L}\p{N}\p{Sc}_-]|\$/gu, '_'), MAX_ATTRIBUTE_NAME_LENGTH);
}

function collectFields(
  properties: Record<string, unknown>,
  names: readonly string[],
  lookup: IntercomUser,
  attributeTypes: Record<string, AttributeType>,
  dropped: DroppedProperty[],
): ContactFields {
  const fields: ContactFields = { custom_attributes: {} };
  const filled = new Set<string>();
  const claim = (key: string, property: string): boolean => {
    if (filled.has(key)) {
      dropped.push({ property, reason: 'key_collision' });
      return false;
    }
    filled.add(key);
    return true;
  };

  for (const name of names) {
    if (!Object.hasOwn(properties, name)) continue;
    const value = properties[name];
    const standard = standardFieldFor(name);
    if (standard) {
      const outcome = standardFieldValue(standard, value, lookup);
      if (outcome.reason) dropped.push({ property: name, reason: outcome.reason });
      else if (outcome.value !== undefined && claim(standard, name)) fields[standard] = outcome.value;
      continue;
    }
    const entries = flatten([name], value);
    if (entries.length === 0) dropped.push({ property: name, reason: 'empty' });
    for (const entry of entries) {
      const attribute = sanitizeAttributeName(entry.path.join(FLATTEN_SEPARATOR));
      const typed = typedAttributeValue(attribute, entry.value);
      if (RESERVED_ATTRIBUTE_NAMES.has(attribute.toLowerCase())) {
        dropped.push({ property: attribute, reason: 'reserved_name' });
      } else if (!typed) {
        dropped.push({ property: attribute, reason: 'unsupported_value' });
      } else if (claim(attribute, attribute)) {
        setEntry(fields.custom_attributes, attribute, typed.value);
        if (!Object.hasOwn(attributeTypes, attribute)) setEntry(attributeTypes, attribute, typed.type);
      }
    }
  }
  return fields;
}

/** `$unset` of selected properties: standard fields and custom attributes are cleared with null. */
function clearFields(names: readonly string[], dropped: DroppedProperty[]): ContactFields {
  const fields: ContactFields = { custom_attributes: {} };
  for (const name of names) {
    const standard = standardFieldFor(name);
    if (standard === 'email') dropped.push({ property: name, reason: 'not_clearable' });
    else if (standard) fields[standard] = null;
    else {
      const attribute = sanitizeAttributeName(name);
      if (RESERVED_ATTRIBUTE_NAMES.has(attribute.toLowerCase()))
        dropped.push({ property: name, reason: 'reserved_name' });
      else setEntry(fields.custom_attributes, attribute, null);
    }
  }
  return fields;
}

function standardFieldValue(
  field: StandardField,
  value: unknown,
  lookup: IntercomUser,
): { value?: string; reason?: ContactDropReason } {
  const text =
    typeof value === 'string'
      ? value.trim()
      : typeof value === 'number' && Number.isFinite(value)
        ? String(value)
        : undefined;
  if (value === null || value === undefined || text === '') return { reason: 'empty' };
  if (text === undefined) return { reason: 'unsupported_value' };
  if (field !== 'email') return { value: truncateString(text) };
  const email = matchableEmail(text);
  if (email === undefined) return { reason: 'invalid_email' };
  if (lookup.field !== 'email') return { value: email };
  // The contact is looked up by its email; the identity value is set on the contact already.
  return email === lookup.value ? {} : { reason: 'conflicts_with_lookup' };
}

function typedAttributeValue(
  attribute: string,
  value: unknown,
): { value: CustomAttributeValue; type: AttributeType } | undefined {
  if (attribute.toLowerCase().endsWith(DATE_ATTRIBUTE_SUFFIX)) {
    const seconds = toUnixSeconds(value);
    if (seconds !== undefined) return { value: seconds, type: 'date' };
  }
  if (!isScalar(value)) return undefined;
  if (typeof value === 'string') return { value: truncateString(value), type: 'string' };
  if (typeof value === 'boolean') return { value, type: 'boolean' };
  return { value, type: Number.isInteger(value) ? 'integer' : 'float' };
}
