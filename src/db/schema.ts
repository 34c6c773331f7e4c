import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  bigserial,
  index,
  integer,
  json,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** The delivery columns both queues share: src/delivery/queue.ts claims, leases and settles rows by them. */
const queueColumns = () => ({
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
  /** Claimed by one delivery attempt until this time; a retry of the same activity may reclaim its own lease. */
  leaseUntil: ts('lease_until'),
  leaseOwner: text('lease_owner'),
  doneAt: ts('done_at'),
  /** The delivery shard of the row's connection (copied at insert, so a shard's claim reads one index). */
  shard: integer('shard').notNull().default(0),
  /** The message of the last failure (e.g. an `internal_error`), kept for operators. */
  lastError: text('last_error'),
});

/**
 * One row per connection: an Intercom source feeding an Amplitude project, a destination sync streaming
 * Amplitude events into an Intercom workspace, or a cohort sync keeping Amplitude cohorts as Intercom tags.
 * Kind-specific settings live in `settings` (validated by zod where they are written).
 */
export const connections = pgTable(
  'connections',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['intercom_source', 'intercom_destination', 'intercom_cohort'] }).notNull(),
    name: text('name').notNull(),
    /** Lifecycle status as shown in the UI: Authorizing, Listening, Connected, Paused, Disconnected, Enabled, Disabled. */
    status: text('status').notNull(),
    amplitudeProjectId: text('amplitude_project_id'),
    amplitudeRegion: text('amplitude_region', { enum: ['US', 'EU'] }),
    /** Intercom `app.id_code` from GET /me; equals a webhook's `app_id`. */
    intercomWorkspaceId: text('intercom_workspace_id'),
    intercomRegion: text('intercom_region', { enum: ['US', 'EU', 'AU'] }),
    settings: jsonb('settings').notNull().default({}),
    /** SHA-256 of a destination's or cohort sync's ingest key (an SDK's `api_key`, a webhook's custom header). */
    ingestKeyHash: text('ingest_key_hash'),
    /** The delivery shard that drains this connection's rows (src/delivery/shards.ts). */
    deliveryShard: integer('delivery_shard'),
    /**
     * What delivery does with this connection's queued rows, written by its workflow only:
     * `active` = claim and deliver; `held` = leave them queued (paused, error, not configured yet);
     * `discard` = settle them as skipped (a disabled destination sends nothing and queues nothing).
     */
    deliveryState: text('delivery_state', { enum: ['active', 'held', 'discard'] })
      .notNull()
      .default('held'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('connections_ingest_key_hash_uq').on(t.ingestKeyHash),
    index('connections_workspace_idx').on(t.intercomWorkspaceId),
  ],
);

/** Secrets, sealed with AES-256-GCM (see src/crypto/secrets.ts). Deleted on disconnect. */
export const credentials = pgTable(
  'credentials',
  {
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['intercom_access_token', 'amplitude_api_key'] }).notNull(),
    sealed: text('sealed').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.kind] })],
);

/** OAuth `state` values: only their SHA-256 is stored; single use, expiring, bound to one connection. */
export const oauthStates = pgTable('oauth_states', {
  stateHash: text('state_hash').primaryKey(),
  connectionId: text('connection_id')
    .notNull()
    .references(() => connections.id, { onDelete: 'cascade' }),
  createdAt: ts('created_at').notNull().defaultNow(),
  expiresAt: ts('expires_at').notNull(),
  usedAt: ts('used_at'),
});

/**
 * Source inbox: Intercom notifications accepted for a connection, written before the webhook is acknowledged.
 * `dedupe_key` collapses duplicate deliveries and live/backfilled copies of the same fact.
 */
export const sourceInbox = pgTable(
  'source_inbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    dedupeKey: text('dedupe_key').notNull(),
    notificationId: text('notification_id'),
    topic: text('topic').notNull(),
    /** `json`, not `jsonb`: stored once and read whole, so the cheaper text form wins (it is the hottest write). */
    payload: json('payload').notNull(),
    origin: text('origin', { enum: ['webhook', 'backfill'] })
      .notNull()
      .default('webhook'),
    receivedAt: ts('received_at').notNull().defaultNow(),
    status: text('status', { enum: ['pending', 'delivered', 'dropped'] })
      .notNull()
      .default('pending'),
    reason: text('reason'),
    ...queueColumns(),
  },
  (t) => [
    uniqueIndex('source_inbox_dedupe_uq').on(t.connectionId, t.dedupeKey),
    // A shard's claim walks the connections with pending rows, then takes each one's due rows in order.
    index('source_inbox_shard_pending_idx')
      .on(t.shard, t.connectionId, t.nextAttemptAt, t.id)
      .where(sql`status = 'pending'`),
    index('source_inbox_done_idx')
      .on(t.doneAt)
      .where(sql`status <> 'pending'`),
  ],
);

/**
 * Destination outbox: Amplitude events and identifies ingested for a sync, written before we answer.
 * Parked rows (contact not in Intercom yet) come back at `next_attempt_at` until they expire.
 */
export const destinationOutbox = pgTable(
  'destination_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    insertId: text('insert_id').notNull(),
    /** `membership`: one user entering or leaving one cohort (cohort syncs, src/cohort/outbox-rows.ts). */
    kind: text('kind', { enum: ['event', 'identify', 'membership'] }).notNull(),
    payload: json('payload').notNull(),
    /** Amplitude user_id or device_id: rows of one user are delivered in order, and an identify unparks its events. */
    userKey: text('user_key').notNull(),
    eventTime: ts('event_time').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
    status: text('status', { enum: ['pending', 'sent', 'skipped', 'expired'] })
      .notNull()
      .default('pending'),
    reason: text('reason'),
    /** Set while an event waits for its contact to appear in Intercom. */
    parkedSince: ts('parked_since'),
    ...queueColumns(),
  },
  (t) => [
    uniqueIndex('destination_outbox_insert_uq').on(t.connectionId, t.insertId),
    index('destination_outbox_user_idx')
      .on(t.connectionId, t.userKey)
      .where(sql`status = 'pending'`),
    // Rows a drain holds (small: settling clears the lease): a claim skips a user whose earlier row is in flight.
    index('destination_outbox_leased_user_idx')
      .on(t.connectionId, t.userKey)
      .where(sql`status = 'pending' AND lease_until IS NOT NULL`),
    index('destination_outbox_shard_pending_idx')
      .on(t.shard, t.connectionId, t.nextAttemptAt, t.id)
      .where(sql`status = 'pending'`),
    index('destination_outbox_time_idx').on(t.connectionId, t.eventTime),
    index('destination_outbox_done_idx')
      .on(t.doneAt)
      .where(sql`status <> 'pending'`),
  ],
);

/** Per-connection counters, updated in the same transaction as the rows they count. */
export const connectionCounters = pgTable(
  'connection_counters',
  {
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    value: bigint('value', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.name] })],
);

/** Intercom contact lookups (external_id or normalised email → contact id), with expiry. Null id = known missing. */
export const identityCache = pgTable(
  'identity_cache',
  {
    workspaceId: text('workspace_id').notNull(),
    field: text('field', { enum: ['external_id', 'email'] }).notNull(),
    value: text('value').notNull(),
    contactId: text('contact_id'),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.field, t.value] })],
);

/**
 * Identity memory of the source: per workspace and identity mapping, the Amplitude user id last
 * resolved for an Intercom contact id, so events whose payload lacks the mapped field (admin-started
 * conversations, minimal `*.deleted` payloads) stay with the same Amplitude user. A null user id
 * remembers, briefly, that the contact has no value for the mapping. Expiring, pruned and capped
 * per workspace by the retention workflow.
 */
export const sourceIdentityMemory = pgTable(
  'source_identity_memory',
  {
    workspaceId: text('workspace_id').notNull(),
    mapping: text('mapping', { enum: ['user_id', 'email'] }).notNull(),
    contactId: text('contact_id').notNull(),
    userId: text('user_id'),
    resolvedAt: ts('resolved_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.mapping, t.contactId] }),
    index('source_identity_memory_expiry_idx').on(t.workspaceId, t.expiresAt),
  ],
);

/**
 * Event names a workspace holds in Intercom, to stay under its limit of active event types. A name
 * is taken when an event with it is sent; `last_used_at` is null only while that first send is under way.
 */
export const intercomEventTypes = pgTable(
  'intercom_event_types',
  {
    workspaceId: text('workspace_id').notNull(),
    eventName: text('event_name').notNull(),
    status: text('status', { enum: ['active', 'rejected'] }).notNull(),
    firstSeenAt: ts('first_seen_at').notNull().defaultNow(),
    lastUsedAt: ts('last_used_at'),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.eventName] })],
);

/**
 * Create & Update Users: a hash of what we last wrote to each contact (looked up by external_id or
 * email), so an identify that changes nothing Intercom would see costs no Intercom call.
 */
export const intercomIdentifyHashes = pgTable(
  'intercom_identify_hashes',
  {
    workspaceId: text('workspace_id').notNull(),
    field: text('field', { enum: ['external_id', 'email'] }).notNull(),
    value: text('value').notNull(),
    hash: text('hash').notNull(),
    contactId: text('contact_id').notNull(),
    syncedAt: ts('synced_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.field, t.value] }),
    index('intercom_identify_hashes_synced_idx').on(t.syncedAt),
  ],
);

/** Custom contact attributes known to exist in a workspace (Intercom writes only existing ones). */
export const intercomDataAttributes = pgTable(
  'intercom_data_attributes',
  {
    workspaceId: text('workspace_id').notNull(),
    name: text('name').notNull(),
    dataType: text('data_type').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.name] })],
);

/**
 * Events our destination sent to an Intercom workspace, so the source can recognise their
 * `event.created` echoes (loop prevention). Keyed like Intercom's own event dedupe.
 */
export const intercomSentEvents = pgTable(
  'intercom_sent_events',
  {
    workspaceId: text('workspace_id').notNull(),
    eventName: text('event_name').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    userKey: text('user_key').notNull(),
    /** The Amplitude project the sending sync is fed from ('' when its settings don't say: echoes of every source). */
    amplitudeProjectId: text('amplitude_project_id').notNull().default(''),
    sentAt: ts('sent_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({
      name: 'intercom_sent_events_pk',
      columns: [t.workspaceId, t.eventName, t.createdAt, t.userKey, t.amplitudeProjectId],
    }),
  ],
);

/** One shared Intercom REST budget per workspace, read and spent by every worker. */
export const intercomRateBudgets = pgTable('intercom_rate_budgets', {
  workspaceId: text('workspace_id').primaryKey(),
  limitPerMinute: integer('limit_per_minute'),
  remaining: integer('remaining'),
  resetAt: ts('reset_at'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/**
 * The Intercom tag of each cohort a cohort sync receives: created once (POST /tags), then tagged and untagged.
 * Deleted with the tag when a sync is disconnected with "remove the tag".
 */
export const cohortTags = pgTable(
  'cohort_tags',
  {
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    cohortId: text('cohort_id').notNull(),
    tagId: text('tag_id').notNull(),
    tagName: text('tag_name').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.cohortId] })],
);

/**
 * The cohort membership record: who a cohort sync has tagged (the tag's size, and what a resync compares with
 * when Intercom cannot list a tag's contacts), and whom it untagged, each with when Amplitude computed that change:
 * a change computed earlier than the one applied is stale and skipped, whatever order they arrive in. Written when
 * a tag or untag call succeeds.
 */
export const cohortMembers = pgTable(
  'cohort_members',
  {
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    cohortId: text('cohort_id').notNull(),
    /** The Amplitude user id, as sent. */
    userId: text('user_id').notNull(),
    /** The contact we tagged or untagged; null for a removal of someone whose contact we never found. */
    contactId: text('contact_id'),
    /** True while the contact carries the tag; false once we untagged it (kept to order later changes). */
    member: boolean('member').notNull().default(true),
    /** When Amplitude computed the change last applied (`computed_time`, or when a payload without one arrived). */
    changedAt: ts('changed_at').notNull(),
    taggedAt: ts('tagged_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.cohortId, t.userId] })],
);

/** A full member list given to a cohort sync's resync, kept until its workflow has turned it into membership rows. */
export const cohortResyncs = pgTable('cohort_resyncs', {
  id: text('id').primaryKey(),
  connectionId: text('connection_id')
    .notNull()
    .references(() => connections.id, { onDelete: 'cascade' }),
  cohortId: text('cohort_id').notNull(),
  cohortName: text('cohort_name').notNull(),
  userIds: jsonb('user_ids').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  appliedAt: ts('applied_at'),
});
