import { randomUUID } from 'node:crypto';
import { badParameter, IntercomApiError, missingParameter, userNotFound } from './api-error';
import { unixSeconds, type ContactRecord, type ContactStore } from './contacts';

export interface StoredEvent {
  id: string;
  contactId: string;
  externalId: string | null;
  email: string | null;
  /** Normalised name, the one Intercom keeps. */
  eventName: string;
  /** Name as sent. */
  sentName: string;
  createdAt: number;
  /** Metadata as kept: the first `metadataKeyLimit` keys in sent order. */
  metadata: Record<string, unknown>;
  droppedMetadataKeys: string[];
  /** Keys whose values are nested objects Intercom shows but cannot use (rich links and money excepted). */
  nestedMetadataKeys: string[];
  /** Milliseconds (simulator clock) when accepted. */
  receivedAt: number;
  seq: number;
}

export interface EventLimits {
  eventTypeLimit: number;
  metadataKeyLimit: number;
}

const NINETY_DAYS_SECONDS = 90 * 24 * 3600;

/**
 * Data events of one workspace: 202 for new and duplicate events alike, dedupe on
 * (contact, normalised name, created_at), the active-event-name cap answered with the bare
 * `{code, message}` body Intercom was seen to send, and metadata past the key cap dropped.
 */
export class EventStore {
  readonly accepted: StoredEvent[] = [];
  readonly activeNames = new Set<string>();
  duplicates = 0;
  private readonly keys = new Set<string>();
  private seq = 0;

  constructor(
    private readonly contacts: ContactStore,
    private readonly limits: EventLimits,
    private readonly now: () => number,
  ) {}

  /** Returns the stored event, or undefined when it was a duplicate. */
  submit(body: unknown): StoredEvent | undefined {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw badParameter('Request body must be a JSON object');
    const input = body as Record<string, unknown>;

    if (input.event_name === undefined || input.event_name === null)
      throw missingParameter('event_name is required', 'event_name');
    if (typeof input.event_name !== 'string') throw badParameter('event_name must be a string', 'event_name');
    const eventName = storedEventName(input.event_name);
    if (!eventName) throw badParameter('event_name must not be blank', 'event_name');
    if (input.created_at === undefined || input.created_at === null)
      throw missingParameter('created_at is required', 'created_at');
    const createdAt = unixSeconds(input.created_at, 'created_at');
    if (
      input.metadata !== undefined &&
      (typeof input.metadata !== 'object' || input.metadata === null || Array.isArray(input.metadata))
    ) {
      throw badParameter('metadata must be an object', 'metadata');
    }
    const contact = this.findContact(input);

    if (!this.activeNames.has(eventName) && this.activeNames.size >= this.limits.eventTypeLimit) {
      const message = `Cannot have more than ${this.limits.eventTypeLimit} active event names`;
      throw new IntercomApiError(422, '422', message, undefined, { code: '422', message });
    }
    const key = JSON.stringify([contact.fields.id, eventName, createdAt]);
    if (this.keys.has(key)) {
      this.duplicates += 1;
      return undefined;
    }
    this.keys.add(key);
    this.activeNames.add(eventName);

    // Sent order is JSON order, except that JSON.parse puts integer-like keys first (rare in metadata).
    const entries = Object.entries((input.metadata ?? {}) as Record<string, unknown>);
    const kept = entries.slice(0, this.limits.metadataKeyLimit);
    const event: StoredEvent = {
      id: randomUUID(),
      contactId: contact.fields.id,
      externalId: contact.fields.externalId,
      email: contact.fields.email,
      eventName,
      sentName: input.event_name,
      createdAt,
      metadata: Object.fromEntries(kept),
      droppedMetadataKeys: entries.slice(this.limits.metadataKeyLimit).map(([k]) => k),
      nestedMetadataKeys: kept.filter(([, v]) => isNestedValue(v)).map(([k]) => k),
      receivedAt: this.now(),
      seq: ++this.seq,
    };
    this.accepted.push(event);
    return event;
  }

  snapshot(): { accepted: StoredEvent[]; duplicates: number } {
    return { accepted: structuredClone(this.accepted), duplicates: this.duplicates };
  }

  restore(state: { accepted: StoredEvent[]; duplicates: number }): void {
    for (const event of state.accepted) {
      this.accepted.push(structuredClone(event));
      this.keys.add(JSON.stringify([event.contactId, event.eventName, event.createdAt]));
      this.activeNames.add(event.eventName);
      this.seq = Math.max(this.seq, event.seq);
    }
    this.duplicates += state.duplicates;
  }

  /**
   * What an admin does in Intercom's settings (Data → Events → Archive): the names stop counting
   * towards the active-name cap; their events stay. There is no REST endpoint for it.
   */
  archiveNames(names: readonly string[]): void {
    for (const name of names) this.activeNames.delete(storedEventName(name));
  }

  /** A contact's events from the last 90 days (by created_at), as `GET /events` shows them. */
  recentFor(contactId: string): StoredEvent[] {
    const since = Math.floor(this.now() / 1000) - NINETY_DAYS_SECONDS;
    return this.accepted.filter((e) => e.contactId === contactId && e.createdAt >= since);
  }

  /**
   * `id` finds any contact; `user_id` and `email` find users only (Intercom: leads must use `id`).
   * Events never create contacts.
   */
  private findContact(input: Record<string, unknown>): ContactRecord {
    const { id, user_id: userId, email } = input;
    if (id == null && userId == null && email == null)
      throw missingParameter('One of user_id, email or id is required', 'user_id');
    let contact: ContactRecord | undefined;
    if (id != null) {
      contact = this.contacts.visible().find((r) => r.fields.id === String(id));
    } else if (userId != null) {
      contact = this.contacts.findUserByExternalId(String(userId));
    } else {
      contact = this.contacts.findUserByEmail(String(email));
    }
    if (!contact) throw userNotFound();
    return contact;
  }
}

/** Rich links `{url, value}` and money `{amount, currency}` are Intercom metadata types, not nesting. */
function isNestedValue(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const keys = Object.keys(value).sort().join(',');
  return keys !== 'url,value' && keys !== 'amount,currency';
}

/**
 * The name Intercom keeps: names are case-insensitive and `.` and `$` become `-` (documented in
 * testkit/fixtures/intercom/webhook-topics.json, `eventNames`), so `Completed.Order` is `completed-order`.
 */
export function storedEventName(name: string): string {
  return name.trim().toLowerCase().replace(/[.$]/g, '-');
}
