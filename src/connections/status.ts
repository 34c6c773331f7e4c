import type { Db } from '../db/client';
import { queueSummary } from '../delivery/queue';
import { LANE_TABLE, laneOf } from '../delivery/shards';
import { LAST_DELIVERED_AT, readCounters, type Connection } from './repository';
import { identityResolutionView } from '../source/identity-memory';
import { METADATA_KEYS_CUT_PREFIX } from '../destination/actions/send-event/perform';

/**
 * A connection's status as the admin API, the CLI and the setup page show it: the lifecycle its workflow
 * knows (phase, settings, errors, backfills) merged with what Postgres knows now (counters by outcome and
 * reason, rows pending and parked). Counters live in Postgres, not in the workflow: delivery runs in the
 * shards and tells the connection's workflow only what changes its lifecycle.
 */
export async function liveCounts(db: Db, connection: Pick<Connection, 'id' | 'kind'>) {
  const [counters, queue] = await Promise.all([
    readCounters(db, connection.id),
    queueSummary(db, LANE_TABLE[laneOf(connection.kind)], connection.id),
  ]);
  const { [LAST_DELIVERED_AT]: lastDeliveredAt, ...rest } = counters;
  const byPrefix = (prefix: string) =>
    Object.fromEntries(
      Object.entries(rest)
        .filter(([name]) => name.startsWith(prefix))
        .map(([name, value]) => [name.slice(prefix.length), value]),
    );
  const lastAt = lastDeliveredAt ? new Date(lastDeliveredAt).toISOString() : undefined;
  if (connection.kind === 'intercom_source') {
    const dropped = byPrefix('dropped:');
    const delivered = rest.delivered ?? 0;
    const droppedTotal = Object.values(dropped).reduce((a, b) => a + b, 0);
    return {
      received: delivered + droppedTotal + queue.pending,
      delivered,
      pending: queue.pending,
      dropped,
      counters: rest,
      lastEventAt: lastAt,
      // Delivered events by how their Amplitude user id was found (payload, memory, lookup, fallback).
      identityResolution: identityResolutionView(rest),
    };
  }
  return {
    sent: rest.sent ?? 0,
    pending: queue.pending - queue.parked,
    parked: queue.parked,
    skipped: byPrefix('skipped:'),
    expired: byPrefix('expired:'),
    counters: rest,
    lastSentAt: lastAt,
    // Metadata keys Intercom could not keep, per event name.
    metadataKeysCut: byPrefix(METADATA_KEYS_CUT_PREFIX),
  };
}
