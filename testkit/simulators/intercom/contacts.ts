import { badParameter, IntercomApiError, userNotFound } from './api-error';
import type { DataAttributeStore, DataType } from './data-attributes';
import { newContactId } from './ids';
import { contactFields, type ContactFields, type ContactInput, type Role } from './items';

export interface ContactRecord {
  fields: ContactFields;
  archived: boolean;
  /** Creation order; the tiebreaker of every listing. */
  seq: number;
  /** Milliseconds from which search may see the contact (creation time; seeds are indexed at once). */
  indexedFrom: number;
}

export interface ContactStoreOptions {
  workspaceId: string;
  now: () => number;
  /** Read on every search, so tests can change it at runtime. */
  searchLagMs: () => number;
  attributes: DataAttributeStore;
}

/** Biggest plausible Unix-seconds value (year 2286): larger values are almost surely milliseconds. */
export const MAX_UNIX_SECONDS = 9_999_999_999;

const WRITABLE_FIELDS = [
  'role',
  'external_id',
  'email',
  'phone',
  'name',
  'avatar',
  'signed_up_at',
  'last_seen_at',
  'owner_id',
  'unsubscribed_from_emails',
  'custom_attributes',
] as const;

/**
 * Contacts of one workspace with Intercom's write rules: unique external_id, unique email among
 * users (leads may share one), only existing custom attributes, and 409 bodies naming the id of
 * the contact that already holds the identifier (archived ones say so).
 */
export class ContactStore {
  private readonly records = new Map<string, ContactRecord>();
  private seq = 0;

  constructor(private readonly options: ContactStoreOptions) {}

  all(): ContactRecord[] {
    return [...this.records.values()];
  }

  /** What list endpoints return: archived contacts are left out. */
  visible(): ContactRecord[] {
    return this.all().filter((r) => !r.archived);
  }

  /** What search returns: visible contacts the index has caught up with. */
  searchable(): ContactRecord[] {
    const cutoff = this.options.now() - this.options.searchLagMs();
    return this.visible().filter((r) => r.indexedFrom <= cutoff);
  }

  get(id: string): ContactRecord {
    const record = this.records.get(id);
    if (!record || record.archived) throw userNotFound();
    return record;
  }

  /** A visible contact by Intercom id, or undefined (`get` is the throwing form). */
  find(id: string): ContactRecord | undefined {
    const record = this.records.get(id);
    return record && !record.archived ? record : undefined;
  }

  /** Lookup by our id; Intercom finds users only this way (leads need their Intercom id). */
  findUserByExternalId(externalId: string): ContactRecord | undefined {
    return this.visible().find((r) => r.fields.role === 'user' && r.fields.externalId === externalId);
  }

  findUserByEmail(email: string): ContactRecord | undefined {
    const wanted = email.toLowerCase();
    return this.visible().find((r) => r.fields.role === 'user' && r.fields.email?.toLowerCase() === wanted);
  }

  create(body: unknown): ContactRecord {
    const changes = this.parseBody(body);
    if (changes.email == null && changes.externalId == null && changes.role === undefined) {
      throw badParameter('Must provide at least one of: role, email, external_id');
    }
    const role = changes.role ?? 'user';
    this.assertNoConflict(role, changes);
    const nowMs = this.options.now();
    const now = Math.floor(nowMs / 1000);
    return this.insert(
      contactFields({
        ...changes,
        id: newContactId(nowMs),
        workspaceId: this.options.workspaceId,
        role,
        createdAt: now,
        updatedAt: now,
      }),
      nowMs,
    );
  }

  update(id: string, body: unknown): ContactRecord {
    const record = this.get(id);
    const changes = this.parseBody(body);
    const role = changes.role ?? record.fields.role;
    this.assertNoConflict(
      role,
      { email: changes.email ?? record.fields.email, externalId: changes.externalId ?? record.fields.externalId },
      id,
    );
    const { customAttributes, ...rest } = changes;
    record.fields = {
      ...record.fields,
      ...rest,
      role,
      customAttributes: { ...record.fields.customAttributes, ...customAttributes },
      updatedAt: Math.floor(this.options.now() / 1000),
    };
    return record;
  }

  setArchived(id: string, archived: boolean): ContactRecord {
    const record = this.records.get(id);
    if (!record) throw userNotFound();
    record.archived = archived;
    record.fields = { ...record.fields, updatedAt: Math.floor(this.options.now() / 1000) };
    return record;
  }

  delete(id: string): ContactRecord {
    const record = this.get(id);
    this.records.delete(id);
    return record;
  }

  /** Test seeding: no validation, indexed for search at once; custom attributes are registered. */
  seed(input: Partial<ContactInput> & { archived?: boolean }): ContactRecord {
    const now = Math.floor(this.options.now() / 1000);
    for (const [name, value] of Object.entries(input.customAttributes ?? {})) {
      this.options.attributes.ensure(name, inferDataType(value));
    }
    const fields = contactFields({ createdAt: now, ...input, workspaceId: this.options.workspaceId });
    const record = this.insert(fields, 0);
    record.archived = input.archived ?? false;
    return record;
  }

  snapshot(): ContactRecord[] {
    return this.all().map((r) => structuredClone(r));
  }

  restore(records: ContactRecord[]): void {
    for (const record of records) {
      this.records.set(record.fields.id, structuredClone(record));
      this.seq = Math.max(this.seq, record.seq);
    }
  }

  private insert(fields: ContactFields, indexedFrom: number): ContactRecord {
    const record: ContactRecord = { fields, archived: false, seq: ++this.seq, indexedFrom };
    this.records.set(fields.id, record);
    return record;
  }

  private assertNoConflict(
    role: Role,
    wanted: { email?: string | null; externalId?: string | null },
    exceptId?: string,
  ): void {
    const email = wanted.email?.toLowerCase();
    const clash = this.all().find(
      (r) =>
        r.fields.id !== exceptId &&
        ((wanted.externalId != null && r.fields.externalId === wanted.externalId) ||
          (email !== undefined &&
            role === 'user' &&
            r.fields.role === 'user' &&
            r.fields.email?.toLowerCase() === email)),
    );
    if (!clash) return;
    const what = clash.archived ? 'An archived contact' : 'A contact';
    throw new IntercomApiError(
      409,
      'conflict',
      `${what} matching those details already exists with id=${clash.fields.id}`,
    );
  }

  /** Validates a create/update body into field changes (only keys that were sent). */
  private parseBody(body: unknown): Partial<ContactFields> {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw badParameter('Request body must be a JSON object');
    const input = body as Record<string, unknown>;
    const changes: Partial<ContactFields> = {};
    const has = (key: (typeof WRITABLE_FIELDS)[number]) => input[key] !== undefined;

    if (has('role')) {
      if (input.role !== 'user' && input.role !== 'lead') throw badParameter('role must be user or lead', 'role');
      changes.role = input.role;
    }
    if (has('external_id')) {
      const v = input.external_id;
      if (v !== null && typeof v !== 'string' && typeof v !== 'number')
        throw badParameter('external_id must be a string', 'external_id');
      changes.externalId = v === null ? null : String(v);
    }
    if (has('email')) {
      const v = input.email;
      if (v !== null && (typeof v !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(v)))
        throw badParameter('Email is invalid', 'email');
      changes.email = v;
    }
    for (const [key, field] of [
      ['name', 'name'],
      ['phone', 'phone'],
      ['avatar', 'avatar'],
    ] as const) {
      if (!has(key)) continue;
      const v = input[key];
      if (v !== null && typeof v !== 'string') throw badParameter(`${key} must be a string`, key);
      changes[field] = v;
    }
    if (has('signed_up_at')) changes.signedUpAt = unixSecondsOrNull(input.signed_up_at, 'signed_up_at');
    if (has('last_seen_at')) changes.lastSeenAt = unixSecondsOrNull(input.last_seen_at, 'last_seen_at');
    if (has('owner_id')) {
      const v = input.owner_id;
      if (v !== null && !Number.isInteger(Number(v))) throw badParameter('owner_id must be an integer', 'owner_id');
      changes.ownerId = v === null ? null : Number(v);
    }
    if (has('unsubscribed_from_emails')) {
      if (typeof input.unsubscribed_from_emails !== 'boolean') {
        throw badParameter('unsubscribed_from_emails must be a boolean', 'unsubscribed_from_emails');
      }
      changes.unsubscribedFromEmails = input.unsubscribed_from_emails;
    }
    if (has('custom_attributes')) changes.customAttributes = this.parseCustomAttributes(input.custom_attributes);
    return changes;
  }

  /**
   * Only attributes that already exist may be written. Values must be scalars (or null to clear);
   * Intercom's per-type coercion is not modelled, so a string sent to an integer attribute passes.
   */
  private parseCustomAttributes(value: unknown): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw badParameter('custom_attributes must be an object', 'custom_attributes');
    }
    const result: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(value)) {
      if (!this.options.attributes.custom(name)) {
        throw badParameter(`Custom attribute '${name}' does not exist`, `custom_attributes.${name}`);
      }
      if (typeof v === 'object' && v !== null) {
        throw badParameter(
          `Custom attribute '${name}' must be a string, number, boolean or null`,
          `custom_attributes.${name}`,
        );
      }
      result[name] = v;
    }
    return result;
  }
}

export function unixSeconds(value: unknown, field: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw badParameter(`${field} must be a Unix timestamp in seconds`, field);
  if (n > MAX_UNIX_SECONDS) throw badParameter(`${field} must be a Unix timestamp in seconds, not milliseconds`, field);
  return n;
}

function unixSecondsOrNull(value: unknown, field: string): number | null {
  return value === null ? null : unixSeconds(value, field);
}

function inferDataType(value: unknown): DataType {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'float';
  return 'string';
}
