import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client';
import { drainShard, type BaseRow, type DrainDeps, type GroupResult, type LaneDriver } from '../../src/delivery/drain';
import { nextDueAt, type ClaimedRaw } from '../../src/delivery/queue';
import { insertOutboxRows } from '../../src/destination/outbox';
import { createLogger } from '../../src/observability/logger';
import { Metrics } from '../../src/observability/metrics';
import { usePrivateDatabase } from '../support/database';

/**
 * The one drain routine on real Postgres, with a recording lane in place of Intercom: what it promises every lane
 * (each row delivered once, fair claims, a busy connection's groups overlapping) and what `orderKey` adds (a user's
 * rows never in two groups at once, and in order).
 */
interface Row extends BaseRow {
  userKey: string;
}

interface Delivery {
  connectionId: string;
  rows: Row[];
  startedAt: number;
  endedAt: number;
}

function recordingLane(options: {
  perConnection: number;
  claimLimit?: number;
  perConnectionInFlight: number;
  orderKey?: string;
  deliverMs: number;
  /** Called as each group starts being delivered (e.g. to add rows meanwhile). */
  onDeliver?: (call: number) => Promise<void>;
}) {
  const deliveries: Delivery[] = [];
  let clock = 0; // a logical clock: start/end order without relying on timer resolution
  const lane: LaneDriver<Row> = {
    table: 'destination_outbox',
    names: { delivered: 'sent', skipped: 'skipped', expired: 'expired', hasParkedSince: true },
    columns: ['user_key'],
    perConnection: options.perConnection,
    claimLimit: options.claimLimit ?? 1_000,
    maxInFlight: 32,
    perConnectionInFlight: options.perConnectionInFlight,
    orderKey: options.orderKey,
    discardReason: 'sync_disabled',
    toRow: (raw: ClaimedRaw) => ({
      id: Number(raw.id),
      connectionId: raw.connection_id,
      receivedAt: new Date(raw.received_at),
      attempts: raw.attempts,
      userKey: String(raw.user_key),
    }),
    counterFor: (o) => (o.kind === 'delivered' ? 'sent' : undefined),
    direction: () => 'destination',
    async deliver(connection, rows): Promise<GroupResult> {
      const delivery: Delivery = { connectionId: connection.id, rows, startedAt: clock++, endedAt: Infinity };
      deliveries.push(delivery);
      await options.onDeliver?.(deliveries.length);
      await new Promise((r) => setTimeout(r, options.deliverMs));
      delivery.endedAt = clock++;
      return { outcomes: rows.map((r) => ({ id: r.id, kind: 'delivered' as const })) };
    },
  };
  return { lane, deliveries };
}

/** The most groups of one connection (and of one user, if given) that were being delivered at the same time. */
function mostAtOnce(deliveries: Delivery[], match: (d: Delivery) => boolean): number {
  const chosen = deliveries.filter(match);
  return Math.max(
    0,
    ...chosen.map((d) => chosen.filter((o) => o.startedAt <= d.startedAt && d.startedAt < o.endedAt).length),
  );
}

describe('drainShard', () => {
  const database = usePrivateDatabase({ max: 4 });
  const metrics = new Metrics();
  const logger = createLogger('silent');

  async function connectionWith(rowsPerUser: Record<string, number>): Promise<string> {
    const id = `sync-${randomBytes(4).toString('hex')}`;
    await database.db.execute(
      sql`INSERT INTO connections (id, kind, name, status, delivery_shard, delivery_state)
          VALUES (${id}, 'intercom_destination', ${id}, 'Connected', 0, 'active')`,
    );
    await addRows(id, rowsPerUser);
    return id;
  }

  /** Each user's rows in one block, users one after another: ids (and so claim order) follow that. */
  async function addRows(connectionId: string, rowsPerUser: Record<string, number>, tag = 'r') {
    for (const [user, count] of Object.entries(rowsPerUser)) {
      await insertOutboxRows(
        database.db,
        Array.from({ length: count }, (_, i) => ({
          connectionId,
          insertId: `${tag}-${user}-${i}`,
          kind: 'event' as const,
          payload: {},
          userKey: user,
          eventTime: new Date(),
        })),
      );
    }
  }

  const drain = (lane: LaneDriver<Row>, notify: DrainDeps['notify'] = async () => {}) =>
    drainShard(
      lane,
      { db: database.db, logger, metrics, notify },
      {
        shard: 0,
        owner: `test/${randomBytes(2).toString('hex')}`,
        budgetMs: 30_000,
        lingerMs: 300,
        pollMs: 10,
        maxPendingAgeMs: 3_600_000,
      },
    );

  async function statuses(connectionId: string) {
    return queryRows<{ status: string; n: number }>(
      database.db,
      sql`SELECT status, count(*)::int AS n FROM destination_outbox WHERE connection_id = ${connectionId} GROUP BY status`,
    );
  }

  async function clearShard() {
    await database.db.execute(sql`DELETE FROM destination_outbox`);
  }

  it('counts a row that came due after the last claim as work now, so the shard does not sleep past it', async () => {
    await clearShard();
    const id = await connectionWith({ u1: 1 });
    const scheduled = Date.now() + 60_000;
    await database.db.execute(
      sql`UPDATE destination_outbox SET next_attempt_at = to_timestamp(${scheduled / 1000}) WHERE connection_id = ${id}`,
    );
    expect(await nextDueAt(database.db, 'destination_outbox', 0)).toBe(scheduled);
    // The same row, due a moment ago and not claimed yet (it came due while the drain was ending).
    await database.db.execute(
      sql`UPDATE destination_outbox SET next_attempt_at = now() - interval '1 second' WHERE connection_id = ${id}`,
    );
    expect(await nextDueAt(database.db, 'destination_outbox', 0)).toBeLessThanOrEqual(Date.now());
    // Held connections' rows wait for their connection, not for time.
    await database.db.execute(sql`UPDATE connections SET delivery_state = 'held' WHERE id = ${id}`);
    expect(await nextDueAt(database.db, 'destination_outbox', 0)).toBeUndefined();
  });

  it('tells a listening connection’s workflow of its first deliveries once per published state, not once per group', async () => {
    await clearShard();
    let id = '';
    const { lane, deliveries } = recordingLane({
      perConnection: 25,
      perConnectionInFlight: 1,
      deliverMs: 5,
      // Mid-drain the workflow publishes Listening again (a reconnect): its row's version changes.
      onDeliver: async (call) => {
        if (call === 4)
          await database.db.execute(
            sql`UPDATE connections SET updated_at = now() + interval '1 second' WHERE id = ${id}`,
          );
      },
    });
    id = await connectionWith({ u1: 100, u2: 100 });
    await database.db.execute(sql`UPDATE connections SET status = 'Listening' WHERE id = ${id}`);
    const told: string[] = [];
    await drain(lane, async (connectionId, event) => void told.push(`${connectionId} ${event.kind}`));
    expect(deliveries.length).toBeGreaterThanOrEqual(8);
    expect(told).toEqual([`${id} delivered`, `${id} delivered`]);
  });

  it('overlaps a busy connection’s groups up to its limit, and delivers every row exactly once', async () => {
    await clearShard();
    const id = await connectionWith({ u1: 200, u2: 200, u3: 200 });
    const { lane, deliveries } = recordingLane({ perConnection: 25, perConnectionInFlight: 3, deliverMs: 40 });

    const report = await drain(lane);

    const ids = deliveries.flatMap((d) => d.rows.map((r) => r.id));
    expect(ids).toHaveLength(600);
    expect(new Set(ids).size).toBe(600);
    expect(report.delivered).toBe(600);
    expect(await statuses(id)).toEqual([{ status: 'sent', n: 600 }]);
    expect(mostAtOnce(deliveries, () => true)).toBe(3);
  });

  it('without a backlog, waits for a connection’s group before claiming its next rows, so they go together', async () => {
    await clearShard();
    let id = '';
    const { lane, deliveries } = recordingLane({
      perConnection: 25,
      perConnectionInFlight: 3,
      deliverMs: 150,
      // Rows keep arriving while the first (not full) group is being delivered.
      onDeliver: async (call) => {
        if (call === 1) for (const tag of ['a', 'b', 'c']) await addRows(id, { u1: 2 }, tag);
      },
    });
    id = await connectionWith({ u1: 10 });

    await drain(lane);

    expect(deliveries.map((d) => d.rows.length)).toEqual([10, 6]);
    expect(mostAtOnce(deliveries, () => true)).toBe(1);
  });

  it('with an order key, keeps each user’s rows in one group at a time and in order, while users overlap', async () => {
    await clearShard();
    await connectionWith({ u1: 120, u2: 120, u3: 120, u4: 120 });
    const { lane, deliveries } = recordingLane({
      perConnection: 30,
      perConnectionInFlight: 4,
      orderKey: 'user_key',
      deliverMs: 30,
    });

    await drain(lane);

    expect(deliveries.flatMap((d) => d.rows)).toHaveLength(480);
    for (const user of ['u1', 'u2', 'u3', 'u4']) {
      const hasUser = (d: Delivery) => d.rows.some((r) => r.userKey === user);
      expect(mostAtOnce(deliveries, hasUser), `${user}'s groups overlapped`).toBe(1);
      const order = deliveries
        .filter(hasUser)
        .flatMap((d) => d.rows.filter((r) => r.userKey === user).map((r) => r.id));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    // Different users' groups did overlap: the order key does not serialise the whole connection.
    expect(mostAtOnce(deliveries, () => true)).toBeGreaterThan(1);
  });

  it('gives a small tenant its turn in the first claim, whatever the backlog of a busy one', async () => {
    await clearShard();
    const busy = await connectionWith({ hot: 2_000 });
    const quiet = await connectionWith({ calm: 5 });
    const { lane, deliveries } = recordingLane({
      perConnection: 100,
      claimLimit: 200,
      perConnectionInFlight: 2,
      deliverMs: 20,
    });

    await drain(lane);

    const quietAt = deliveries.findIndex((d) => d.connectionId === quiet);
    expect(quietAt).toBeGreaterThanOrEqual(0);
    expect(quietAt).toBeLessThan(2);
    expect(deliveries.filter((d) => d.connectionId === busy).flatMap((d) => d.rows)).toHaveLength(2_000);
  });
});
