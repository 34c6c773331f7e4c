import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { assignShard, shardAssignments } from '../connections/repository';

/**
 * Delivery runs in a fixed number of shards per lane, not per connection: a shard is one long-running
 * workflow whose activity drains the queued rows of every connection hashed to it. The cost of delivery
 * then follows the event rate and the shard count, whatever the number of connections.
 *
 * A lane is a direction of delivery, named after where its rows go:
 * - `amplitude`: Intercom notifications of source connections (table source_inbox) → Amplitude;
 * - `intercom`: Amplitude events, identifies and cohort memberships (table destination_outbox) → Intercom.
 */
export const LANES = ['amplitude', 'intercom'] as const;
export type Lane = (typeof LANES)[number];

export const LANE_TABLE = { amplitude: 'source_inbox', intercom: 'destination_outbox' } as const;
export type QueueTable = (typeof LANE_TABLE)[Lane];

/** The lane that drains a connection's rows, by connection kind. */
export function laneOf(kind: string): Lane {
  return kind === 'intercom_source' ? 'amplitude' : 'intercom';
}

/** FNV-1a: a stable, well-spread hash of the connection id (the same in every process and release). */
export function shardOf(connectionId: string, shardCount: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < connectionId.length; i += 1) {
    hash ^= connectionId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shardCount;
}

/**
 * Shard workflow ids carry the task queue, so deployments (or test runs) that share a Temporal
 * namespace never drive each other's shards: `<task queue>.delivery.<lane>.<n>`.
 */
export function shardWorkflowId(taskQueue: string, lane: Lane, shard: number): string {
  return `${taskQueue}.delivery.${lane}.${shard}`;
}

/**
 * Puts every connection on the shard its id hashes to under `shardCount`, and moves its pending rows
 * with it. Run by each worker at start (a no-op when nothing changed): after DELIVERY_SHARDS changes,
 * and for connections that predate shards. Returns how many connections moved.
 */
export async function rebalanceShards(db: Db, shardCount: number): Promise<number> {
  const rows = await shardAssignments(db);
  const moves = rows
    .map((r) => ({ id: r.id, from: r.deliveryShard, to: shardOf(r.id, shardCount) }))
    .filter((m) => m.from !== m.to);
  for (const move of moves) {
    await db.transaction(async (tx) => {
      await assignShard(tx as unknown as Db, move.id, move.to);
      for (const table of Object.values(LANE_TABLE)) {
        await tx.execute(
          sql`UPDATE ${sql.identifier(table)} SET shard = ${move.to} WHERE connection_id = ${move.id} AND status = 'pending'`,
        );
      }
    });
  }
  return moves.length;
}
