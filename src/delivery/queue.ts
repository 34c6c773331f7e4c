import { sql, type SQL } from 'drizzle-orm';
import { isClaimable } from '../connections/repository';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';
import type { RowOutcome } from '../outcomes';
import type { QueueTable } from './shards';

/**
 * The mechanics both queues share (source_inbox and destination_outbox): rows wait as `pending` until
 * due, a shard's drain claims a batch by leasing it (`FOR UPDATE SKIP LOCKED`, so concurrent claims never
 * overlap), a lease expires if its worker dies, and every claimed row is settled with one outcome.
 */

/** How long a claim holds its rows; a crashed worker's rows come back after this (longer than any send takes). */
export const LEASE_SECONDS = 60;

export interface ClaimRequest {
  shard: number;
  /** Identifies one drain (activity attempt), for operators reading a lease. */
  owner: string;
  /** At most this many rows per connection per claim: one busy tenant cannot fill a claim. */
  perConnection: number;
  limit: number;
  /**
   * Rows this drain leased whose outcome it could not commit (Postgres failed mid-settle): it may take them again
   * at once instead of waiting for their lease to end. Rows it is still delivering are never in this list.
   */
  reclaim?: readonly number[];
  /** Connections this claim must skip (already at their in-flight limit in this drain, or halted). */
  exclude: readonly string[];
  /**
   * Rows that share this column's value keep their order across claims: a row is not claimed while another pending
   * row of its value is leased (in flight here or in another drain). Without it, rows are independent.
   */
  orderKey?: string;
  /** Round robin: start after this connection id, so every connection gets its turn. */
  after: string;
  /** Columns of the row to return besides id, connection_id and received_at. */
  columns: readonly string[];
}

export interface ClaimedRaw {
  id: string | number;
  connection_id: string;
  received_at: string | Date;
  attempts: number;
  /** The connection's delivery state at claim time: `active` or `discard`. */
  delivery_state: 'active' | 'discard';
  /** The connection's status at claim time (e.g. `Listening`: its first delivery is news to its workflow). */
  connection_status: string;
  /** When the connection row last changed: a drain re-reads its settings when this moves. */
  connection_version: string;
  [column: string]: unknown;
}

/**
 * Leases due rows of one shard, taking up to `perConnection` from each connection in turn, starting after
 * `after` (round robin). The walk over connections is a loose index scan of the shard's pending index, so
 * it costs one index probe per connection that has pending rows; idle connections cost nothing.
 * Only connections whose workflow set them `active` or `discard` are claimed: `held` rows wait.
 * A leased row is never claimed again until its lease ends (except by its own drain after a failed settle, see
 * `reclaim`), so a drain may claim a connection's next rows while its earlier ones are still being delivered
 * (pipelining); `orderKey` keeps per-key order where a lane needs it.
 */
export async function claimShardRows(db: Db, table: QueueTable, request: ClaimRequest): Promise<ClaimedRaw[]> {
  const t = sql.identifier(table);
  const exclude = sqlArray(request.exclude, 'text');
  const columns = sql.raw(
    ['id', 'connection_id', 'received_at', 'attempts', ...request.columns].map((c) => `q.${c}`).join(', '),
  );
  const reclaim = sqlArray(request.reclaim ?? [], 'bigint');
  const orderedAfterLeased: SQL = request.orderKey
    ? sql`
              AND NOT EXISTS (SELECT 1 FROM ${t} o
                WHERE o.connection_id = r.connection_id AND o.${sql.identifier(request.orderKey)} = r.${sql.identifier(request.orderKey)}
                  AND o.status = 'pending' AND o.lease_until IS NOT NULL AND o.lease_until >= now()
                  AND NOT (o.lease_owner = ${request.owner} AND o.id = ANY(${reclaim})))`
    : sql``;
  // Reads `connections` (owned by src/connections/repository.ts) inside this statement: one round trip on a hot path.
  const rows = await queryRows<ClaimedRaw>(
    db,
    sql`WITH RECURSIVE conns(connection_id) AS (
          (SELECT connection_id FROM ${t}
            WHERE shard = ${request.shard} AND status = 'pending' AND connection_id > ${request.after}
            ORDER BY connection_id LIMIT 1)
          UNION ALL
          SELECT (SELECT n.connection_id FROM ${t} n
                   WHERE n.shard = ${request.shard} AND n.status = 'pending' AND n.connection_id > conns.connection_id
                   ORDER BY n.connection_id LIMIT 1)
          FROM conns WHERE conns.connection_id IS NOT NULL
        ),
        picked AS (
          SELECT r.id, c.delivery_state, c.status AS connection_status,
                 (extract(epoch FROM c.updated_at) * 1000000)::bigint::text AS connection_version FROM conns
          JOIN connections c ON c.id = conns.connection_id AND ${isClaimable(sql`c.delivery_state`)}
            AND NOT (c.id = ANY(${exclude}))
          CROSS JOIN LATERAL (
            SELECT id FROM ${t} r
            WHERE r.shard = ${request.shard} AND r.connection_id = conns.connection_id AND r.status = 'pending'
              AND r.next_attempt_at <= now()
              AND (r.lease_until IS NULL OR r.lease_until < now() OR (r.lease_owner = ${request.owner} AND r.id = ANY(${reclaim})))${orderedAfterLeased}
            ORDER BY r.next_attempt_at, r.id
            LIMIT ${request.perConnection}
            FOR UPDATE SKIP LOCKED
          ) r
          LIMIT ${request.limit}
        )
        UPDATE ${t} q SET lease_until = now() + make_interval(secs => ${LEASE_SECONDS}),
                          lease_owner = ${request.owner}, attempts = q.attempts + 1
        FROM picked WHERE q.id = picked.id
        RETURNING ${columns}, picked.delivery_state, picked.connection_status, picked.connection_version`,
  );
  return rows.sort((a, b) =>
    a.connection_id < b.connection_id ? -1 : a.connection_id > b.connection_id ? 1 : Number(a.id) - Number(b.id),
  );
}

/** A typed array literal of parameters (`ARRAY[]::<type>[]` when empty). */
function sqlArray(values: readonly (string | number)[], type: 'text' | 'bigint'): SQL {
  return sql`ARRAY[${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )}]::${sql.raw(type)}[]`;
}

/** How a table spells the outcomes: the source inbox says delivered/dropped, the outbox sent/skipped/expired. */
export interface StatusNames {
  delivered: string;
  skipped: string;
  expired: string;
  /** The table tracks when a row started waiting for a contact. */
  hasParkedSince: boolean;
}

const MAX_ERROR_LENGTH = 500;

/** Applies the outcomes of a batch in one statement (inside the caller's transaction). */
export async function settleRows(db: Db, table: QueueTable, names: StatusNames, outcomes: RowOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  const values = sql.join(
    outcomes.map((o) => {
      const status = o.kind === 'later' ? 'pending' : names[o.kind];
      const delay = o.kind === 'later' ? o.delayMs / 1000 : 0;
      const reason = o.kind === 'delivered' ? null : o.reason;
      const error = o.kind === 'delivered' ? null : (o.error?.slice(0, MAX_ERROR_LENGTH) ?? null);
      const parked = o.kind === 'later' && o.parked === true;
      return sql`(${o.id}::bigint, ${status}::text, ${reason}::text, ${delay}::float8, ${parked}::boolean, ${error}::text)`;
    }),
    sql`, `,
  );
  const parkedSince: SQL = names.hasParkedSince
    ? sql`, parked_since = CASE WHEN v.parked THEN coalesce(q.parked_since, now()) WHEN v.status = 'pending' THEN q.parked_since ELSE NULL END`
    : sql``;
  await db.execute(sql`
    UPDATE ${sql.identifier(table)} AS q SET
      status = v.status,
      reason = v.reason,
      last_error = coalesce(v.error, q.last_error),
      done_at = CASE WHEN v.status = 'pending' THEN NULL ELSE now() END,
      next_attempt_at = CASE WHEN v.status = 'pending' THEN now() + make_interval(secs => v.delay) ELSE q.next_attempt_at END,
      lease_until = NULL${parkedSince}
    FROM (VALUES ${values}) AS v(id, status, reason, delay, parked, error)
    WHERE q.id = v.id`);
}

/**
 * When the shard next has work (epoch ms), so its workflow can sleep until then: a time already past when a row
 * came due after the drain's last claim (a parked row's retry while the drain was ending), so the shard goes
 * again at once instead of sleeping until its idle check. Rows of held connections don't count: they wait for
 * their connection, not for time.
 */
export async function nextDueAt(db: Db, table: QueueTable, shard: number): Promise<number | undefined> {
  // Reads `connections` (owned by src/connections/repository.ts) inside this statement: one round trip on a hot path.
  const [row] = await queryRows<{ at: string | Date | null }>(
    db,
    sql`SELECT min(greatest(q.next_attempt_at, coalesce(q.lease_until, q.next_attempt_at))) AS at
        FROM ${sql.identifier(table)} q JOIN connections c ON c.id = q.connection_id
        WHERE q.shard = ${shard} AND q.status = 'pending' AND ${isClaimable(sql`c.delivery_state`)}`,
  );
  return row?.at ? new Date(row.at).getTime() : undefined;
}

export interface QueueSummary {
  pending: number;
  /** Pending rows waiting for something outside us (destination: a contact to appear). */
  parked: number;
}

/** Pending and parked rows of one connection (status views). */
export async function queueSummary(db: Db, table: QueueTable, connectionId: string): Promise<QueueSummary> {
  const parked = table === 'destination_outbox' ? sql`count(*) FILTER (WHERE parked_since IS NOT NULL)::int` : sql`0`;
  const [row] = await queryRows<{ pending: number; parked: number }>(
    db,
    sql`SELECT count(*)::int AS pending, ${parked} AS parked
        FROM ${sql.identifier(table)} WHERE connection_id = ${connectionId} AND status = 'pending'`,
  );
  return { pending: row?.pending ?? 0, parked: row?.parked ?? 0 };
}

/**
 * Makes a connection's rows that wait for one of `reasons` due now (a replaced credential): they go as soon as its
 * workflow lets delivery run again, not after the wait they were given. Returns the count.
 */
export async function retryWaitingNow(
  db: Db,
  table: QueueTable,
  connectionId: string,
  reasons: readonly string[],
): Promise<number> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`UPDATE ${sql.identifier(table)} SET next_attempt_at = now()
        WHERE connection_id = ${connectionId} AND status = 'pending' AND next_attempt_at > now()
          AND reason IN (${sql.join(
            reasons.map((r) => sql`${r}`),
            sql`, `,
          )})
        RETURNING id`,
  );
  return rows.length;
}

/** Pending rows of a connection that are due now (a disconnect waits for delivery to take them). */
export async function dueCount(db: Db, table: QueueTable, connectionId: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)}
        WHERE connection_id = ${connectionId} AND status = 'pending' AND next_attempt_at <= now()`,
  );
  return row?.n ?? 0;
}

/** Whether a connection has pending rows on a shard (due or not): one probe of the shard's pending index. */
export async function hasPendingRows(db: Db, table: QueueTable, shard: number, connectionId: string): Promise<boolean> {
  const [row] = await queryRows<{ pending: boolean }>(
    db,
    sql`SELECT EXISTS (SELECT 1 FROM ${sql.identifier(table)}
        WHERE shard = ${shard} AND connection_id = ${connectionId} AND status = 'pending') AS pending`,
  );
  return row?.pending ?? false;
}

/** Settles every pending row of a connection with one final status and reason (disconnect). Returns the count. */
export async function settleAllPending(
  db: Db,
  table: QueueTable,
  connectionId: string,
  status: string,
  reason: string,
): Promise<number> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`UPDATE ${sql.identifier(table)} SET status = ${status}, reason = ${reason}, done_at = now(), lease_until = NULL
        WHERE connection_id = ${connectionId} AND status = 'pending' RETURNING id`,
  );
  return rows.length;
}

/**
 * Expires up to `limit` pending rows received longer than `maxAgeMs` ago, whatever their connection's delivery
 * state (a paused or errored connection's rows are never claimed, so the drain's own age check never sees
 * them): status `expiredStatus`, reason `max_age`. Returns how many each connection lost, so the caller
 * counts them in the same transaction.
 */
export async function expireOverdueRows(
  db: Db,
  table: QueueTable,
  expiredStatus: string,
  maxAgeMs: number,
  limit: number,
): Promise<Map<string, number>> {
  const t = sql.identifier(table);
  const rows = await queryRows<{ connection_id: string; n: number }>(
    db,
    sql`WITH overdue AS (
          SELECT id FROM ${t} WHERE status = 'pending'
            AND received_at < now() - make_interval(secs => ${maxAgeMs / 1000})
            -- a row a drain holds is its to settle (it expires it too)
            AND (lease_until IS NULL OR lease_until < now())
          ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED),
        expired AS (
          UPDATE ${t} q SET status = ${expiredStatus}, reason = 'max_age', done_at = now(), lease_until = NULL
          FROM overdue WHERE q.id = overdue.id RETURNING q.connection_id)
        SELECT connection_id, count(*)::int AS n FROM expired GROUP BY connection_id`,
  );
  return new Map(rows.map((r) => [r.connection_id, r.n]));
}

/** JSON columns come back parsed (postgres.js) or as text (PGlite with `json`). */
export function parseJsonColumn<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
