import type { Db } from '../db/client';
import type { IntercomClient, IntercomResult } from '../intercom/client';
import { conflictContactId } from '../intercom/errors';
import type { DestinationSettings } from './settings';
import {
  ledgerUserKey,
  toContactUpsert,
  toIntercomEvent,
  type AmplitudeEvent,
  type IntercomUser,
  type NormalizedIdentify,
} from './transform';
import type { OutboxRow, RowOutcome } from './outbox';
import { recordSentEvents } from './sent-ledger';
import { IdentityCache, FOUND_TTL_SECONDS, type LookupField } from './identity-cache';
import type { EventTypeRegistry } from './event-types';
import { AttributeCreationDeferred, type DataAttributeRegistry } from './data-attributes';
import { identifyHash, type IdentifyHashes } from './identify-hashes';

/**
 * Sends one outbox row to Intercom and says what became of it. Events go only to contacts that
 * exist (looked up by email, or sent by external_id and parked on 404); identifies upsert the
 * contact (search → update, else create; a 409 "already exists" is treated as found).
 * Everything not sent carries a reason, and every reason is counted.
 */
export interface DeliveryPolicy {
  metadataKeyLimit: number;
  /** Waits between attempts while a contact does not exist yet, e.g. 1 min, 5 min, … */
  parkScheduleMs: number[];
  /** How long an event may wait for its contact before it expires. */
  parkMaxAgeMs: number;
  /** How long transient Intercom failures are retried before a row expires. */
  retryWindowMs: number;
  /** How long "no such contact" is remembered, sparing repeated lookups during a burst. */
  missingTtlSeconds: number;
}

export interface DeliveryContext {
  db: Db;
  workspaceId: string;
  token: string;
  settings: DestinationSettings;
  intercom: IntercomClient;
  identities: IdentityCache;
  eventTypes: EventTypeRegistry;
  attributes: DataAttributeRegistry;
  /** What Create & Update Users last wrote to each contact, so unchanged identifies are skipped. */
  identifyHashes: IdentifyHashes;
  policy: DeliveryPolicy;
  now: () => number;
}

/** Connection counters `metadata_keys_cut:<event name>`: metadata keys cut by Intercom's limit, per event name. */
export const METADATA_KEYS_CUT_PREFIX = 'metadata_keys_cut:';

export interface RowResult {
  outcome: RowOutcome;
  counters: Record<string, number>;
  /** An identify made this user's contact exist: release their parked events. */
  unparkUserKey?: string;
  authRevoked?: boolean;
  error?: string;
}

/** A transient failure somewhere in a row's steps: try the row again later. */
class Later extends Error {
  constructor(
    readonly reason: string,
    readonly delayMs: number,
    readonly authRevoked = false,
  ) {
    super(reason);
  }
}

export async function deliverRow(ctx: DeliveryContext, row: OutboxRow): Promise<RowResult> {
  try {
    return row.kind === 'identify' ? await deliverIdentify(ctx, row) : await deliverEvent(ctx, row);
  } catch (err) {
    if (err instanceof Later) return retryOrExpire(ctx, row, err);
    if (err instanceof AttributeCreationDeferred) return retryOrExpire(ctx, row, laterFor(err.outcome, undefined, ctx));
    if (err instanceof Rejected) return { ...skipped(row, err.reason), error: err.detail };
    throw err;
  }
}

async function deliverEvent(ctx: DeliveryContext, row: OutboxRow): Promise<RowResult> {
  const event = row.payload as unknown as AmplitudeEvent;
  const built = toIntercomEvent(event, ctx.settings, {
    metadataKeyLimit: ctx.policy.metadataKeyLimit,
    receivedAtMs: row.receivedAt.getTime(),
  });
  if (!built.ok) return skipped(row, built.reason);
  // Turned away early when there is no room; the slot itself is taken only once the contact is known.
  const slot = await ctx.eventTypes.check(built.eventTypeKey);
  if (slot === 'full' || slot === 'rejected') return skipped(row, 'event_type_limit');

  const { user } = built;
  let body: Record<string, unknown> = built.body;
  if (user.field === 'email') {
    // Intercom can match several contacts (a lead and a user) on one email; send by contact id.
    const contactId = await resolveContact(ctx, user);
    if (!contactId) return park(ctx, row);
    const { email: _email, ...rest } = built.body as Record<string, unknown>;
    body = { ...rest, id: contactId };
  } else if ((await ctx.identities.get('external_id', user.value)).state === 'missing') {
    return park(ctx, row);
  }
  const admission = await ctx.eventTypes.admit(built.eventTypeKey);
  if (!admission.admitted) return skipped(row, 'event_type_limit');

  // Recorded before sending: Intercom's event.created webhook for it may reach our source before the
  // send even returns, and the source must already know the event is ours (loop prevention).
  await recordSentEvents(ctx.db, [
    {
      workspaceId: ctx.workspaceId,
      eventName: built.eventTypeKey,
      createdAt: built.body.created_at,
      userKey: ledgerUserKey(user),
    },
  ]);
  const sent = await ctx.intercom.sendEvent(ctx.token, body);
  if (sent.ok) {
    await ctx.eventTypes.used(built.eventTypeKey);
    const counters: Record<string, number> = { sent: 1 };
    if (built.cutKeys.length > 0) {
      counters.metadata_keys_cut = built.cutKeys.length;
      counters[`${METADATA_KEYS_CUT_PREFIX}${built.eventTypeKey}`] = built.cutKeys.length;
      counters.events_with_metadata_cut = 1;
    }
    if (built.droppedKeys.length > 0) counters.metadata_keys_dropped = built.droppedKeys.length;
    return { outcome: { id: row.id, status: 'sent' }, counters };
  }
  switch (sent.outcome) {
    case 'not_found':
      // No such contact: the name was not used after all, and what we synced to the contact is gone.
      if (admission.fresh) await ctx.eventTypes.release(built.eventTypeKey);
      await ctx.identities.remember(user.field, user.value, null, ctx.policy.missingTtlSeconds);
      await ctx.identifyHashes.forget(user);
      return park(ctx, row);
    case 'event_type_limit':
      await ctx.eventTypes.reject(built.eventTypeKey);
      return skipped(row, 'event_type_limit');
    default:
      throw laterOrReject(sent, ctx);
  }
}

async function deliverIdentify(ctx: DeliveryContext, row: OutboxRow): Promise<RowResult> {
  const identify = row.payload as unknown as NormalizedIdentify;
  const upsert = toContactUpsert(identify, ctx.settings);
  if (!upsert.ok) return skipped(row, upsert.reason);

  // Nothing Intercom would see changed since we last wrote this contact (which still exists as far as
  // we know): no call at all.
  const hash = identifyHash(upsert);
  if (await unchangedSinceSynced(ctx, upsert.lookup, hash)) {
    return {
      outcome: { id: row.id, status: 'sent' },
      counters: { identifies_unchanged: 1 },
      unparkUserKey: row.userKey,
    };
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
    if (updated.outcome !== 'not_found') throw laterOrReject(updated, ctx);
    // Deleted or merged since we cached it.
    await ctx.identities.forget(upsert.lookup.field, upsert.lookup.value);
    await ctx.identifyHashes.forget(upsert.lookup);
  }
  const created = await ctx.intercom.createContact(ctx.token, create);
  if (created.ok) return identified(ctx, row, written, created.data.id, { ...counters, contacts_created: 1 });
  if (created.outcome === 'conflict') {
    // Search lags behind writes: the contact exists, and Intercom tells us its id.
    const conflict = conflictContactId(created.error.message ?? '');
    if (!conflict) throw laterOrReject(created, ctx);
    if (conflict.archived) return skipped(row, 'archived_contact');
    contactId = conflict.id;
    const updated = await ctx.intercom.updateContact(ctx.token, contactId, update);
    if (updated.ok)
      return identified(ctx, row, written, contactId, {
        ...counters,
        contacts_updated: 1,
        conflicts_resolved: 1,
      });
    throw laterOrReject(updated, ctx);
  }
  throw laterOrReject(created, ctx);
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
  return {
    outcome: { id: row.id, status: 'sent' },
    counters: { ...counters, identified: 1 },
    unparkUserKey: row.userKey,
  };
}

/** The same upsert was written to this contact, and we have not learnt since that the contact is gone or another. */
async function unchangedSinceSynced(ctx: DeliveryContext, lookup: IntercomUser, hash: string): Promise<boolean> {
  const syncedContact = await ctx.identifyHashes.unchanged(lookup, hash);
  if (!syncedContact) return false;
  const cached = await ctx.identities.get(lookup.field, lookup.value);
  return cached.state === 'unknown' || (cached.state === 'found' && cached.contactId === syncedContact);
}

/** Cached contact id, else a search (exact match; a user wins over a lead). Null when no contact exists. */
async function resolveContact(ctx: DeliveryContext, user: IntercomUser): Promise<string | null> {
  const field: LookupField = user.field;
  const cached = await ctx.identities.get(field, user.value);
  if (cached.state === 'found') return cached.contactId;
  if (cached.state === 'missing') return null;
  const found = await ctx.intercom.searchContacts(
    ctx.token,
    { field, operator: '=', value: user.value },
    { per_page: 5 },
  );
  if (!found.ok) throw laterOrReject(found, ctx);
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

function skipped(row: OutboxRow, reason: string): RowResult {
  return { outcome: { id: row.id, status: 'skipped', reason }, counters: { [`skipped:${reason}`]: 1 } };
}

/** The contact does not exist yet: wait on the park schedule, and expire once the wait is too long. */
function park(ctx: DeliveryContext, row: OutboxRow): RowResult {
  const since = row.parkedSince?.getTime() ?? ctx.now();
  if (ctx.now() - since >= ctx.policy.parkMaxAgeMs) {
    return {
      outcome: { id: row.id, status: 'expired', reason: 'contact_not_found' },
      counters: { 'expired:contact_not_found': 1 },
    };
  }
  const schedule = ctx.policy.parkScheduleMs;
  const delayMs = schedule[Math.min(Math.max(row.attempts - 1, 0), schedule.length - 1)] ?? 60_000;
  return {
    outcome: { id: row.id, status: 'later', delayMs, reason: 'contact_not_found', parked: true },
    counters: row.parkedSince ? {} : { parked: 1 },
  };
}

function retryOrExpire(ctx: DeliveryContext, row: OutboxRow, later: Later): RowResult {
  if (later.authRevoked) {
    return {
      outcome: { id: row.id, status: 'later', delayMs: later.delayMs, reason: later.reason },
      counters: {},
      authRevoked: true,
      error: later.reason,
    };
  }
  if (ctx.now() - row.receivedAt.getTime() > ctx.policy.retryWindowMs && later.reason !== 'rate_limited') {
    return {
      outcome: { id: row.id, status: 'expired', reason: 'delivery_failed' },
      counters: { 'expired:delivery_failed': 1 },
      error: later.reason,
    };
  }
  const delayMs = later.reason === 'intercom_unavailable' ? backoffMs(row.attempts) : later.delayMs;
  return {
    outcome: { id: row.id, status: 'later', delayMs, reason: later.reason },
    counters: { retried: 1 },
    error: later.reason,
  };
}

/** Exponential backoff for transient failures: 5 s, 10 s, … capped at 10 minutes. */
function backoffMs(attempts: number): number {
  return Math.min(5_000 * 2 ** Math.max(attempts - 1, 0), 600_000);
}

function laterFor(outcome: string, resetAt: number | undefined, ctx: DeliveryContext): Later {
  if (outcome === 'rate_limited')
    return new Later('rate_limited', Math.max((resetAt ?? ctx.now() + 10_000) - ctx.now(), 1_000));
  if (outcome === 'auth_revoked') return new Later('auth_revoked', 60_000, true);
  return new Later('intercom_unavailable', 0);
}

/** Transient answers become a Later; anything else Intercom refused is a final skip, with its message kept. */
function laterOrReject(result: Extract<IntercomResult<unknown>, { ok: false }>, ctx: DeliveryContext): Error {
  if (result.outcome === 'rate_limited' || result.outcome === 'retry' || result.outcome === 'auth_revoked') {
    return laterFor(result.outcome, result.rateLimit.resetAt, ctx);
  }
  return new Rejected(
    `intercom_rejected`,
    `${result.status} ${result.error.code ?? ''} ${result.error.message ?? ''}`.trim(),
  );
}

class Rejected extends Error {
  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}
