import { resourceNotFound } from './api-error';
import type { ContactRecord, ContactStore } from './contacts';
import { newNumericId } from './ids';
import type { AppliedTag, TagRef } from './items';

export interface TagRecord {
  id: string;
  name: string;
  /** Creation order: `GET /tags` lists in it. */
  seq: number;
}

/**
 * Tags of one workspace. A tag's members are kept on the contacts themselves (`fields.tags`), so a
 * contact's own answer, `GET /contacts/{id}/tags` and contact search on `tag_id` all read one truth.
 * Names are unique case-insensitively: creating "VIP" when "vip" exists returns "vip" (Intercom: "Names
 * are case insensitive"; "only one tag will be created for that name").
 */
export class TagStore {
  private readonly records = new Map<string, TagRecord>();
  private seq = 0;

  constructor(
    private readonly contacts: ContactStore,
    private readonly now: () => number,
  ) {}

  list(): TagRecord[] {
    return [...this.records.values()].sort((a, b) => a.seq - b.seq);
  }

  find(id: string): TagRecord | undefined {
    return this.records.get(id);
  }

  /** 404 `not_found` "Resource Not Found", Intercom's answer for an unknown tag id. */
  get(id: string): TagRecord {
    const record = this.records.get(id);
    if (!record) throw resourceNotFound();
    return record;
  }

  findByName(name: string): TagRecord | undefined {
    const wanted = name.toLowerCase();
    return this.list().find((r) => r.name.toLowerCase() === wanted);
  }

  findOrCreate(name: string): { tag: TagRecord; created: boolean } {
    const existing = this.findByName(name);
    if (existing) return { tag: existing, created: false };
    return { tag: this.insert(newNumericId(), name), created: true };
  }

  /** Renames a tag; contacts carrying it show the new name. Returns undefined when another tag has the name. */
  rename(id: string, name: string): TagRecord | undefined {
    const record = this.get(id);
    const clash = this.findByName(name);
    if (clash && clash.id !== id) return undefined;
    record.name = name;
    for (const contact of this.members(id)) {
      contact.fields.tags = contact.fields.tags.map((t) => (t.id === id ? { ...t, name } : t));
    }
    return record;
  }

  /** Deletes a tag, which leaves every contact that carried it. */
  delete(id: string): TagRecord {
    const record = this.get(id);
    for (const contact of this.members(id)) {
      contact.fields.tags = contact.fields.tags.filter((t) => t.id !== id);
    }
    this.records.delete(id);
    return record;
  }

  /** A tag a seeded contact already carries: known by id from then on. */
  register(ref: TagRef): TagRecord {
    return this.records.get(ref.id) ?? this.insert(ref.id, ref.name);
  }

  /** The tag as applied to the contact, or undefined. */
  applied(contact: ContactRecord, tagId: string): AppliedTag | undefined {
    return contact.fields.tags.find((t) => t.id === tagId);
  }

  /** Tags a contact; tagging it again changes nothing (and keeps the first `applied_at`). */
  apply(contact: ContactRecord, tag: TagRecord): { applied: AppliedTag; changed: boolean } {
    const existing = this.applied(contact, tag.id);
    if (existing) return { applied: existing, changed: false };
    const applied: AppliedTag = { id: tag.id, name: tag.name, appliedAt: Math.floor(this.now() / 1000) };
    contact.fields.tags = [...contact.fields.tags, applied];
    return { applied, changed: true };
  }

  /** Untags a contact; returns what was removed, or undefined when it did not carry the tag. */
  remove(contact: ContactRecord, tag: TagRecord): AppliedTag | undefined {
    const existing = this.applied(contact, tag.id);
    if (!existing) return undefined;
    contact.fields.tags = contact.fields.tags.filter((t) => t.id !== tag.id);
    return existing;
  }

  /** Every contact carrying the tag, archived ones included, in creation order. */
  members(tagId: string): ContactRecord[] {
    return this.contacts.all().filter((c) => c.fields.tags.some((t) => t.id === tagId));
  }

  private insert(id: string, name: string): TagRecord {
    const record: TagRecord = { id, name, seq: ++this.seq };
    this.records.set(id, record);
    return record;
  }
}

/** `tag_basic`: what `GET /tags`, `GET /tags/{id}` and `POST /tags` answer. */
export function renderTag(tag: TagRef) {
  return { type: 'tag' as const, id: tag.id, name: tag.name };
}

/** `tag` as returned by the tagging calls on a contact: with when and by which admin it was applied. */
export function renderAppliedTag(tag: AppliedTag, adminId: string) {
  return {
    ...renderTag(tag),
    applied_at: tag.appliedAt ?? null,
    applied_by: { type: 'admin' as const, id: adminId },
  };
}
