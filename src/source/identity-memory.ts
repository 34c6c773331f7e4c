import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';
import { IntercomClient } from '../intercom/client';
import { WorkspaceRateBudget } from '../intercom/rate-budget';
import type { IntercomNotification } from '../intercom/webhook-envelope';
import { fallbackIdentity, mappedIdentity, personFrom, type IdentityMapping, type ResolvedIdentity } from './identity';
import type { JsonObject } from './item-fields';
import { topicGroupOf } from './topic-groups';
import { GroupCommit } from '../util/group-commit';

/**
 * Identity memory: one Intercom person stays one Amplitude user even when a payload lacks the
 * mapped field. Under the email mapping, an admin-started conversation or a minimal `*.deleted`
 * payload names the contact by id (and maybe external_id) but not by email; Amplitude's own rule
 * would fall back to the user id and split the person in two. So, per workspace and mapping, we
 * remember contact id → the identity last resolved from a payload, and for an event without the
 * field we use, in order:
 *   payload  – the mapped field is in the payload;
 *   memory   – what this batch's other payloads, or an earlier one, said about the contact;
 *   lookup   – GET /contacts/{id} (through the workspace's rate budget), remembered as well;
 *   fallback – Amplitude's documented fallback (email mapping: the user id).
 * Otherwise the event has no identity and is dropped (`no_identity`).
 *
 * `resolveIdentities` is called once per claimed batch; the rules themselves are pure functions
 * below (planIdentities, settleIdentities, memoryWrites).
 */
export const IDENTITY_HOWS = ['payload', 'memory', 'lookup', 'fallback'] as const;
export type IdentityHow = (typeof IDENTITY_HOWS)[number];

/** Connection counters `identity:<how>` count delivered events by how their identity was found. */
export const IDENTITY_COUNTER_PREFIX = 'identity:';

export type RowIdentity = { identity: ResolvedIdentity; how: IdentityHow } | { identity: null };

/** What remembering says about a contact: its identity, or that it has none under the mapping. */
export interface Remembered {
  userId: string | null;
  /** Epoch ms. */
  expiresAt: number;
}

export type ContactLookup = { state: 'found'; contact: JsonObject } | { state: 'missing' } | { state: 'unavailable' };

export interface IdentityMemoryDeps {
  db: Db;
  workspaceId: string;
  fetchContact(contactId: string): Promise<ContactLookup>;
  /** How long a resolved identity is remembered; refreshed when it is used past half of that. */
  ttlMs: number;
  /** How long "this contact has no value for the mapping" is remembered (a burst then costs one lookup). */
  noneTtlMs?: number;
  now?: () => number;
  /** Called between lookups (activities heartbeat here). */
  heartbeat?: () => void;
  /** Writes shared with other batches (createMemoryWriter); without it, each batch writes on its own. */
  writer?: GroupCommit<MemoryEntry>;
}

const DEFAULT_NONE_TTL_MS = 10 * 60_000;
const LOOKUP_CONCURRENCY = 4;

export interface PlannedRow {
  rowId: number;
  contactId?: string;
  /** The mapped field, from the payload. */
  mapped: ResolvedIdentity | null;
  fallback: ResolvedIdentity | null;
  /** Notification time, so the newest payload of a batch is what it remembers. */
  at: number;
}

/** Step 1 (pure): what each notification's payload says. Unsupported topics are left out (they are dropped anyway). */
export function planIdentities(
  rows: readonly { id: number; payload: IntercomNotification }[],
  mapping: IdentityMapping,
): PlannedRow[] {
  const planned: PlannedRow[] = [];
  for (const row of rows) {
    const group = topicGroupOf(row.payload.topic);
    if (!group) continue;
    const person = group.person(row.payload.data.item);
    planned.push({
      rowId: row.id,
      contactId: person?.intercomId,
      mapped: mappedIdentity(person, mapping),
      fallback: fallbackIdentity(person, mapping),
      at: row.payload.created_at,
    });
  }
  return planned;
}

/** Step 2 (pure): contact id → the mapped identity the batch's newest payload for it carries. */
export function batchKnowledge(plan: readonly PlannedRow[]): Map<string, ResolvedIdentity> {
  const newest = new Map<string, { identity: ResolvedIdentity; at: number }>();
  for (const row of plan) {
    if (!row.contactId || !row.mapped) continue;
    const seen = newest.get(row.contactId);
    if (!seen || row.at >= seen.at) newest.set(row.contactId, { identity: row.mapped, at: row.at });
  }
  return new Map([...newest].map(([id, { identity }]) => [id, identity]));
}

/** Step 3 (pure): contacts to fetch: rows without the field that neither the batch nor memory can answer. */
export function contactsToLookUp(
  plan: readonly PlannedRow[],
  known: ReadonlyMap<string, ResolvedIdentity>,
  remembered: ReadonlyMap<string, Remembered>,
): string[] {
  const ids = plan
    .filter((row) => !row.mapped && row.contactId && !known.has(row.contactId) && !remembered.has(row.contactId))
    .map((row) => row.contactId!);
  return [...new Set(ids)];
}

/**
 * Step 4 (pure): each row's identity and how it was found. `lookedUp` holds, per contact fetched,
 * its identity under the mapping or null when Intercom has none (absent: the lookup failed).
 */
export function settleIdentities(
  plan: readonly PlannedRow[],
  mapping: IdentityMapping,
  known: ReadonlyMap<string, ResolvedIdentity>,
  remembered: ReadonlyMap<string, Remembered>,
  lookedUp: ReadonlyMap<string, ResolvedIdentity | null>,
): Map<number, RowIdentity> {
  const source = mapping === 'email' ? 'email' : 'user_id';
  const result = new Map<number, RowIdentity>();
  for (const row of plan) {
    const id = row.contactId;
    const fromMemory = id ? (known.get(id) ?? rememberedIdentity(remembered.get(id), source)) : undefined;
    const fromLookup = id ? lookedUp.get(id) : undefined;
    const decided: RowIdentity = row.mapped
      ? { identity: row.mapped, how: 'payload' }
      : fromMemory
        ? { identity: fromMemory, how: 'memory' }
        : fromLookup
          ? { identity: fromLookup, how: 'lookup' }
          : row.fallback
            ? { identity: row.fallback, how: 'fallback' }
            : { identity: null };
    result.set(row.rowId, decided);
  }
  return result;
}

export interface MemoryWrite {
  contactId: string;
  userId: string | null;
  ttlMs: number;
}

/**
 * Step 5 (pure): what to remember. Payload identities that differ from memory or are past half
 * their life, and every lookup's answer (a contact without the field for a short while only).
 * Writing only changes keeps a steady stream of known contacts write-free.
 */
export function memoryWrites(
  known: ReadonlyMap<string, ResolvedIdentity>,
  remembered: ReadonlyMap<string, Remembered>,
  lookedUp: ReadonlyMap<string, ResolvedIdentity | null>,
  options: { now: number; ttlMs: number; noneTtlMs: number },
): MemoryWrite[] {
  const writes: MemoryWrite[] = [];
  for (const [contactId, identity] of known) {
    const stored = remembered.get(contactId);
    const fresh = stored && stored.expiresAt - options.now > options.ttlMs / 2;
    if (stored?.userId !== identity.userId || !fresh)
      writes.push({ contactId, userId: identity.userId, ttlMs: options.ttlMs });
  }
  for (const [contactId, identity] of lookedUp) {
    writes.push({
      contactId,
      userId: identity?.userId ?? null,
      ttlMs: identity ? options.ttlMs : options.noneTtlMs,
    });
  }
  return writes;
}

/** A contact's identity under the mapping, as GET /contacts/{id} returns it (leads have no user id). */
export function identityOfContact(contact: JsonObject, mapping: IdentityMapping): ResolvedIdentity | null {
  return mappedIdentity(personFrom(contact), mapping);
}

/** Once per claimed batch: each supported row's identity and how it was found (see the module comment). */
export async function resolveIdentities(
  rows: readonly { id: number; payload: IntercomNotification }[],
  mapping: IdentityMapping,
  deps: IdentityMemoryDeps | undefined,
): Promise<Map<number, RowIdentity>> {
  const plan = planIdentities(rows, mapping);
  const known = batchKnowledge(plan);
  if (!deps) return settleIdentities(plan, mapping, known, new Map(), new Map());

  const now = deps.now?.() ?? Date.now();
  // Memory is read only for rows whose payload lacks the mapped field; when every payload names its identity, the
  // writes alone keep memory current (they change nothing for contacts it already knows, see rememberMany).
  const needed = plan.some((row) => row.contactId && !row.mapped);
  const contactIds = needed ? [...new Set(plan.flatMap((row) => (row.contactId ? [row.contactId] : [])))] : [];
  const remembered = await recall(deps, mapping, contactIds);
  const lookedUp = await lookUp(deps, mapping, contactsToLookUp(plan, known, remembered));
  const writes = memoryWrites(known, remembered, lookedUp, {
    now,
    ttlMs: deps.ttlMs,
    noneTtlMs: deps.noneTtlMs ?? DEFAULT_NONE_TTL_MS,
  });
  await remember(deps, mapping, writes);
  return settleIdentities(plan, mapping, known, remembered, lookedUp);
}

/** Counter deltas for the rows delivered: `identity:<how>`. */
export function identityCounters(
  identities: ReadonlyMap<number, RowIdentity>,
  deliveredRowIds: readonly number[],
): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const id of deliveredRowIds) {
    const resolved = identities.get(id);
    if (!resolved?.identity) continue;
    const name = `${IDENTITY_COUNTER_PREFIX}${resolved.how}`;
    counters[name] = (counters[name] ?? 0) + 1;
  }
  return counters;
}

/** A status view of the counters: delivered events by how their identity was found. */
export function identityResolutionView(counters: Record<string, number>): Record<IdentityHow, number> {
  return Object.fromEntries(
    IDENTITY_HOWS.map((how) => [how, counters[`${IDENTITY_COUNTER_PREFIX}${how}`] ?? 0]),
  ) as Record<IdentityHow, number>;
}

/**
 * Builds the dependencies from a source connection's facts: contact lookups go through the
 * workspace's shared rate budget, whose waits heartbeat so a long wait does not look like a dead worker.
 */
export function identityMemoryDeps(input: {
  db: Db;
  workspaceId: string | null;
  intercomBaseUrl: string;
  intercomVersion: string;
  /** Read only when a contact must be looked up. */
  token: () => Promise<string | undefined>;
  ttlMs: number;
  heartbeat?: () => void;
  writer?: GroupCommit<MemoryEntry>;
}): IdentityMemoryDeps | undefined {
  if (!input.workspaceId) return undefined;
  const heartbeat = input.heartbeat;
  const intercom = new IntercomClient({
    baseUrl: input.intercomBaseUrl,
    version: input.intercomVersion,
    budget: new WorkspaceRateBudget(input.db, input.workspaceId, {
      sleep: heartbeat ? (ms) => sleepWithHeartbeats(ms, heartbeat) : undefined,
    }),
  });
  return {
    db: input.db,
    workspaceId: input.workspaceId,
    ttlMs: input.ttlMs,
    heartbeat,
    writer: input.writer,
    fetchContact: async (contactId) => {
      const token = await input.token();
      if (!token) return { state: 'unavailable' };
      const answer = await intercom.getContact(token, contactId);
      if (answer.ok) return { state: 'found', contact: answer.data as JsonObject };
      return answer.failure.kind === 'not_found' ? { state: 'missing' } : { state: 'unavailable' };
    },
  };
}

/**
 * Retention: forgets expired entries, and in workspaces holding more than `maxPerWorkspace`
 * contacts, the least recently resolved beyond that. Returns how many were forgotten.
 */
export async function pruneIdentityMemory(db: Db, maxPerWorkspace: number): Promise<number> {
  const rows = await queryRows<{ n: number }>(
    db,
    sql`WITH over AS (
          SELECT workspace_id FROM source_identity_memory GROUP BY workspace_id HAVING count(*) > ${maxPerWorkspace}
        ), ranked AS (
          SELECT workspace_id, mapping, contact_id,
                 row_number() OVER (PARTITION BY workspace_id ORDER BY expires_at DESC) AS rank
          FROM source_identity_memory WHERE workspace_id IN (SELECT workspace_id FROM over)
        ), deleted AS (
          DELETE FROM source_identity_memory m
          WHERE m.expires_at < now()
             OR (m.workspace_id, m.mapping, m.contact_id) IN
                (SELECT workspace_id, mapping, contact_id FROM ranked WHERE rank > ${maxPerWorkspace})
          RETURNING 1
        )
        SELECT count(*)::int AS n FROM deleted`,
  );
  return rows[0]?.n ?? 0;
}

function rememberedIdentity(
  remembered: Remembered | undefined,
  source: ResolvedIdentity['source'],
): ResolvedIdentity | undefined {
  return remembered?.userId ? { userId: remembered.userId, source } : undefined;
}

async function recall(
  deps: IdentityMemoryDeps,
  mapping: IdentityMapping,
  contactIds: string[],
): Promise<Map<string, Remembered>> {
  if (contactIds.length === 0) return new Map();
  const rows = await queryRows<{ contact_id: string; user_id: string | null; expires_at: string | Date }>(
    deps.db,
    // One primary-key probe per id, whatever the planner's statistics say (`LIMIT 1` keeps each probe a subquery):
    // with `IN (…)` or a plain join, stale statistics after a burst of new contacts made it scan the workspace's
    // whole memory instead (20–50 ms a batch at 65,000 contacts, against 3 ms).
    sql`SELECT m.contact_id, m.user_id, m.expires_at
        FROM unnest(ARRAY[${sql.join(
          contactIds.map((id) => sql`${id}`),
          sql`, `,
        )}]::text[]) AS wanted(contact_id)
        CROSS JOIN LATERAL (
          SELECT contact_id, user_id, expires_at FROM source_identity_memory
          WHERE workspace_id = ${deps.workspaceId} AND mapping = ${mapping} AND contact_id = wanted.contact_id
          LIMIT 1) m
        WHERE m.expires_at > now()`,
  );
  return new Map(rows.map((r) => [r.contact_id, { userId: r.user_id, expiresAt: new Date(r.expires_at).getTime() }]));
}

async function lookUp(
  deps: IdentityMemoryDeps,
  mapping: IdentityMapping,
  contactIds: string[],
): Promise<Map<string, ResolvedIdentity | null>> {
  const found = new Map<string, ResolvedIdentity | null>();
  const queue = [...contactIds];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const answer = await deps.fetchContact(id);
      deps.heartbeat?.();
      if (answer.state === 'found') found.set(id, identityOfContact(answer.contact, mapping));
      else if (answer.state === 'missing') found.set(id, null);
      // unavailable: not remembered, so the next batch asks again
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUP_CONCURRENCY, queue.length) }, worker));
  return found;
}

async function remember(deps: IdentityMemoryDeps, mapping: IdentityMapping, writes: MemoryWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const entries = writes.map((write) => ({ workspaceId: deps.workspaceId, mapping, write }));
  if (deps.writer) await Promise.all(entries.map((entry) => deps.writer!.add(entry)));
  else await rememberMany(deps.db, entries);
}

/** One write to identity memory, as a drain's shared writer takes it. */
export interface MemoryEntry {
  workspaceId: string;
  mapping: IdentityMapping;
  write: MemoryWrite;
}

/**
 * Identity memory writes of many batches (any workspace) in one statement, with group commit: under a thousand
 * one-event batches a second, one write per batch was the busiest statement of the whole stack.
 */
export function createMemoryWriter(db: Db): GroupCommit<MemoryEntry> {
  return new GroupCommit(async (entries) => {
    try {
      await rememberMany(db, entries);
    } catch (err) {
      // One entry Postgres refuses must not fail the other connections' batches written with it: one by one, and
      // only if none can be written (Postgres down) do they all fail. A refused entry is not remembered; memory
      // is a cache in front of a contact lookup, so that costs at most a lookup later.
      if (entries.length === 1) throw err;
      const results = await Promise.allSettled(entries.map((entry) => rememberMany(db, [entry])));
      if (results.every((result) => result.status === 'rejected')) throw err;
    }
  }, 2_000);
}

/**
 * Writes entries in one statement, the last one per contact winning, in key order (concurrent writers lock rows in
 * the same order, so they cannot deadlock). An entry whose contact is remembered with the same identity and more
 * than half of the new lifetime left changes nothing: a steady stream of known contacts stays write-free even
 * when the batch skipped reading memory (every payload named its identity).
 */
async function rememberMany(db: Db, entries: readonly MemoryEntry[]): Promise<void> {
  const latest = new Map<string, MemoryEntry>();
  for (const entry of entries) latest.set(`${entry.workspaceId}\0${entry.mapping}\0${entry.write.contactId}`, entry);
  const sorted = [...latest].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry);
  if (sorted.length === 0) return;
  const values = sql.join(
    sorted.map(
      ({ workspaceId, mapping, write: w }) =>
        sql`(${workspaceId}, ${mapping}, ${w.contactId}, ${w.userId}, now() + make_interval(secs => ${w.ttlMs / 1000}))`,
    ),
    sql`, `,
  );
  await db.execute(sql`
    INSERT INTO source_identity_memory AS m (workspace_id, mapping, contact_id, user_id, expires_at) VALUES ${values}
    ON CONFLICT (workspace_id, mapping, contact_id) DO UPDATE
      SET user_id = excluded.user_id, expires_at = excluded.expires_at, resolved_at = now()
      WHERE m.user_id IS DISTINCT FROM excluded.user_id OR m.expires_at < now() + (excluded.expires_at - now()) / 2`);
}

async function sleepWithHeartbeats(ms: number, heartbeat: () => void): Promise<void> {
  const until = Date.now() + ms;
  for (let left = ms; left > 0; left = until - Date.now()) {
    heartbeat();
    await new Promise((resolve) => setTimeout(resolve, Math.min(left, 1_000)));
  }
}
