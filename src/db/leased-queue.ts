import { sql } from 'drizzle-orm';
import type { Db } from './client';
import { queryRows } from './client';

/**
 * The mechanics the source inbox and the destination outbox share: rows of a connection wait as
 * `pending` until due, one delivery claims a batch by leasing it (`FOR UPDATE SKIP LOCKED`, so
 * concurrent claims never overlap), and a lease expires if its worker dies. A retry of the same
 * activity (same owner) may reclaim its own leased rows at once.
 */
export type QueueTable = 'source_inbox' | 'destination_outbox';

/** Leases up to `limit` due rows and returns the requested columns, oldest first. */
export async function claimLeased<T extends { id: string | number }>(
  db: Db,
  table: QueueTable,
  options: { connectionId: string; owner: string; limit: number; leaseSeconds: number; columns: string[] },
): Promise<T[]> {
  const name = sql.identifier(table);
  const rows = await queryRows<T>(
    db,
    sql`UPDATE ${name} SET lease_until = now() + make_interval(secs => ${options.leaseSeconds}),
               lease_owner = ${options.owner}, attempts = attempts + 1
        WHERE id IN (
          SELECT id FROM ${name}
          WHERE connection_id = ${options.connectionId} AND status = 'pending' AND next_attempt_at <= now()
            AND (lease_until IS NULL OR lease_until < now() OR lease_owner = ${options.owner})
          ORDER BY id
          LIMIT ${options.limit}
          FOR UPDATE SKIP LOCKED)
        RETURNING ${sql.raw(['id', ...options.columns].join(', '))}`,
  );
  return rows.sort((a, b) => Number(a.id) - Number(b.id));
}

export interface QueueSummary {
  pending: number;
  /** Pending rows claimable now. */
  due: number;
  /** When the earliest pending row that is not claimable now (not due, or leased) becomes claimable. */
  nextDueAt?: number;
  /** Pending rows waiting for something outside us (destination: a contact to appear). */
  parked: number;
}

export async function queueSummary(db: Db, table: QueueTable, connectionId: string): Promise<QueueSummary> {
  const claimable = sql`next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now())`;
  const parked = table === 'destination_outbox' ? sql`count(*) FILTER (WHERE parked_since IS NOT NULL)::int` : sql`0`;
  const [row] = await queryRows<{ pending: number; due: number; parked: number; next_due_at: string | Date | null }>(
    db,
    sql`SELECT count(*)::int AS pending,
               count(*) FILTER (WHERE ${claimable})::int AS due,
               ${parked} AS parked,
               min(greatest(next_attempt_at, coalesce(lease_until, next_attempt_at))) FILTER (WHERE NOT (${claimable})) AS next_due_at
        FROM ${sql.identifier(table)} WHERE connection_id = ${connectionId} AND status = 'pending'`,
  );
  return {
    pending: row?.pending ?? 0,
    due: row?.due ?? 0,
    parked: row?.parked ?? 0,
    nextDueAt: row?.next_due_at ? new Date(row.next_due_at).getTime() : undefined,
  };
}

/** JSON columns come back parsed (postgres.js) or as text (PGlite with `json`). */
export function parseJsonColumn<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
