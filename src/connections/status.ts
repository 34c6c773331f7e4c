import type { Db } from '../db/client';
import { queueSummary } from '../delivery/queue';
import { LANE_TABLE, laneOf } from '../delivery/shards';
import {
  EARLIER_PREFIX,
  LAST_BATCH_AT,
  LAST_DELIVERED_AT,
  RECONNECTED_AT,
  readCounters,
  type Connection,
} from './repository';
import { CohortRecord } from '../cohort/record';
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
  const {
    [LAST_DELIVERED_AT]: lastDeliveredAt,
    [RECONNECTED_AT]: reconnectedAt,
    [LAST_BATCH_AT]: lastBatchAt,
    ...all
  } = counters;
  const byPrefix = (prefix: string, from: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(from)
        .filter(([name]) => name.startsWith(prefix))
        .map(([name, value]) => [name.slice(prefix.length), value]),
    );
  const earlier = byPrefix(EARLIER_PREFIX, all);
  const rest = Object.fromEntries(Object.entries(all).filter(([name]) => !name.startsWith(EARLIER_PREFIX)));
  const lastAt = lastDeliveredAt ? new Date(lastDeliveredAt).toISOString() : undefined;
  if (connection.kind === 'intercom_source') {
    const dropped = byPrefix('dropped:', rest);
    const delivered = rest.delivered ?? 0;
    const droppedTotal = Object.values(dropped).reduce((a, b) => a + b, 0);
    const droppedBefore = byPrefix('dropped:', earlier);
    return {
      received: delivered + droppedTotal + queue.pending,
      delivered,
      pending: queue.pending,
      dropped,
      counters: rest,
      lastEventAt: lastAt,
      // Delivered events by how their Amplitude user id was found (payload, memory, lookup, fallback).
      identityResolution: identityResolutionView(rest),
      // A reconnected source keeps its counters: what they held when it was reconnected (included above).
      earlier:
        reconnectedAt === undefined
          ? undefined
          : {
              reconnectedAt: new Date(reconnectedAt).toISOString(),
              received: (earlier.delivered ?? 0) + Object.values(droppedBefore).reduce((a, b) => a + b, 0),
              delivered: earlier.delivered ?? 0,
              dropped: droppedBefore,
            },
    };
  }
  if (connection.kind === 'intercom_cohort') {
    // The tag's size is our record of whom we tagged (no Intercom call); `parked` members wait for their contact.
    const tags = await new CohortRecord(db, connection.id).sizes();
    return {
      added: rest.members_added ?? 0,
      removed: rest.members_removed ?? 0,
      pending: queue.pending - queue.parked,
      parked: queue.parked,
      skipped: byPrefix('skipped:', rest),
      expired: byPrefix('expired:', rest),
      tagSize: tags.reduce((sum, t) => sum + t.members, 0),
      tags,
      counters: rest,
      lastBatchAt: lastBatchAt ? new Date(lastBatchAt).toISOString() : undefined,
      lastChangeAt: lastAt,
    };
  }
  return {
    sent: rest.sent ?? 0,
    pending: queue.pending - queue.parked,
    parked: queue.parked,
    skipped: byPrefix('skipped:', rest),
    expired: byPrefix('expired:', rest),
    counters: rest,
    lastSentAt: lastAt,
    // Metadata keys Intercom could not keep, per event name.
    metadataKeysCut: byPrefix(METADATA_KEYS_CUT_PREFIX, rest),
  };
}
