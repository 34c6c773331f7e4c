import { and, eq, inArray, ne, notInArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';
import { connectionCounters, connections, credentials } from '../db/schema';
import type { SecretBox } from '../crypto/secrets';

export type Connection = typeof connections.$inferSelect;
export type ConnectionKind = Connection['kind'];
export type CredentialKind = (typeof credentials.$inferSelect)['kind'];
/** What delivery does with a connection's queued rows (src/db/schema.ts says what each state means). */
export type DeliveryState = Connection['deliveryState'];
/** The states in which delivery claims a connection's rows: `active` delivers them, `discard` settles them as skipped. */
export const CLAIMABLE_DELIVERY_STATES = ['active', 'discard'] as const satisfies readonly DeliveryState[];

/**
 * SQL: the delivery state in `column` (a `connections.delivery_state` of the caller's query) lets delivery claim the
 * connection's rows. The one spelling of it, for the claim, the doorbell and the inserts that report claimable rows.
 */
export function isClaimable(column: SQL): SQL {
  const states = CLAIMABLE_DELIVERY_STATES.map((state) => sql.raw(`'${state}'`));
  return sql`${column} IN (${sql.join(states, sql`, `)})`;
}

/** Which lane (by kind) and shard deliver a connection's rows; no shard yet before the worker's first rebalance. */
export type ShardPlacement = Pick<Connection, 'id' | 'kind' | 'deliveryShard'>;

/** Connection statuses in which Intercom webhooks for the workspace are accepted and stored. */
export const SOURCE_RECEIVING_STATUSES = ['Configuring', 'Listening', 'Connected', 'Paused', 'Error'] as const;

export class ConnectionNotFoundError extends Error {
  constructor(id: string) {
    super(`connection ${id} not found`);
    this.name = 'ConnectionNotFoundError';
  }
}

/**
 * The owner of table `connections` (and of `credentials` and `connection_counters`): every query on them goes
 * through this module. Rows are written by the service that creates them and by each connection's workflow
 * (through its publishConnectionState and saveConnectionSettings activities); secrets go in and out only
 * through the SecretBox. Statements that store or claim queued rows join `connections` inside their own SQL
 * (src/source/inbox-writer.ts, src/source/inbox.ts, src/destination/outbox.ts, src/delivery/queue.ts): one
 * statement on the hottest paths instead of a read and a write, so they read its columns there.
 */
export class ConnectionRepository {
  private statusWaits?: StatusWaits;

  constructor(
    private readonly db: Db,
    private readonly secrets: SecretBox,
  ) {}

  get(id: string): Promise<Connection | undefined> {
    return findConnection(this.db, id);
  }

  async require(id: string): Promise<Connection> {
    const row = await this.get(id);
    if (!row) throw new ConnectionNotFoundError(id);
    return row;
  }

  async list(kind?: ConnectionKind): Promise<Connection[]> {
    const query = this.db.select().from(connections);
    return kind ? query.where(eq(connections.kind, kind)).orderBy(connections.id) : query.orderBy(connections.id);
  }

  /** Inserts or refreshes a connection row; the status and settings given win. */
  async upsert(row: typeof connections.$inferInsert): Promise<Connection> {
    const [saved] = await this.db
      .insert(connections)
      .values(row)
      .onConflictDoUpdate({
        target: connections.id,
        set: { ...row, id: undefined, createdAt: undefined, updatedAt: sql`now()` },
      })
      .returning();
    return saved!;
  }

  /** Writes `patch`; returns where the connection's rows are delivered (undefined: no such connection). */
  async update(id: string, patch: Partial<typeof connections.$inferInsert>): Promise<ShardPlacement | undefined> {
    const [row] = await this.db
      .update(connections)
      .set({ ...patch, updatedAt: sql`now()` })
      .where(eq(connections.id, id))
      .returning({ id: connections.id, kind: connections.kind, deliveryShard: connections.deliveryShard });
    return row;
  }

  /** Source connections that currently receive webhooks for an Intercom workspace (app_id). */
  async receivingSourcesForWorkspace(workspaceId: string): Promise<Connection[]> {
    return this.db
      .select()
      .from(connections)
      .where(
        and(
          eq(connections.kind, 'intercom_source'),
          eq(connections.intercomWorkspaceId, workspaceId),
          inArray(connections.status, [...SOURCE_RECEIVING_STATUSES]),
        ),
      );
  }

  /**
   * Live connections of ours besides `exceptId` that stream from a workspace: while any remains, uninstalling
   * our app from the workspace would cut them off too.
   */
  async otherLiveSourcesOfWorkspace(workspaceId: string, exceptId: string): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(connections)
      .where(
        and(
          eq(connections.intercomWorkspaceId, workspaceId),
          ne(connections.id, exceptId),
          eq(connections.kind, 'intercom_source'),
          notInArray(connections.status, ['Disconnected', 'Authorizing']),
        ),
      );
    return Number(row?.n ?? 0);
  }

  /**
   * Resolves once the connection's status satisfies `done`, or after `timeoutMs` with the last status seen. Every
   * wait of this repository shares one poll (StatusWaits): callbacks onboarding in bulk cost one query per look.
   */
  waitForStatus(id: string, done: (status: string) => boolean, timeoutMs: number): Promise<string | undefined> {
    this.statusWaits ??= new StatusWaits(this.db);
    return this.statusWaits.wait(id, done, timeoutMs);
  }

  async findByIngestKeyHash(hash: string): Promise<Connection | undefined> {
    const [row] = await this.db.select().from(connections).where(eq(connections.ingestKeyHash, hash));
    return row;
  }

  async storeSecret(connectionId: string, kind: CredentialKind, value: string): Promise<void> {
    const sealed = this.secrets.seal(value, `${connectionId}:${kind}`);
    await this.db
      .insert(credentials)
      .values({ connectionId, kind, sealed })
      .onConflictDoUpdate({
        target: [credentials.connectionId, credentials.kind],
        set: { sealed, createdAt: sql`now()` },
      });
  }

  async readSecret(connectionId: string, kind: CredentialKind): Promise<string | undefined> {
    const [row] = await this.db
      .select()
      .from(credentials)
      .where(and(eq(credentials.connectionId, connectionId), eq(credentials.kind, kind)));
    return row ? this.secrets.open(row.sealed, `${connectionId}:${kind}`) : undefined;
  }

  async deleteSecret(connectionId: string, kind: CredentialKind): Promise<void> {
    await this.db
      .delete(credentials)
      .where(and(eq(credentials.connectionId, connectionId), eq(credentials.kind, kind)));
  }
}

/** How many connections there are of each kind and status (the `connector_connections` gauge). */
export async function connectionsByStatus(db: Db): Promise<{ kind: string; status: string; count: number }[]> {
  return db
    .select({ kind: connections.kind, status: connections.status, count: sql<number>`count(*)::int` })
    .from(connections)
    .groupBy(connections.kind, connections.status);
}

/** One connection row (without a SecretBox: for readers that need no secret, such as the drain). */
export async function findConnection(db: Db, id: string): Promise<Connection | undefined> {
  const [row] = await db.select().from(connections).where(eq(connections.id, id));
  return row;
}

/** Which of these connections a drain may claim rows of now (isClaimable): the doorbell's look after commit. */
export async function claimableAmong(db: Db, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: connections.id })
    .from(connections)
    .where(and(inArray(connections.id, ids), inArray(connections.deliveryState, [...CLAIMABLE_DELIVERY_STATES])));
  return rows.map((r) => r.id);
}

/** The delivery shard of every connection (the worker's rebalance at start). */
export function shardAssignments(db: Db): Promise<{ id: string; deliveryShard: number | null }[]> {
  return db.select({ id: connections.id, deliveryShard: connections.deliveryShard }).from(connections);
}

/** Puts a connection on another delivery shard (inside the caller's transaction, which moves its rows too). */
export async function assignShard(db: Db, id: string, shard: number): Promise<void> {
  await db.update(connections).set({ deliveryShard: shard }).where(eq(connections.id, id));
}

/** Adds deltas to a connection's counters (inside the caller's transaction when given one). */
export function addCounters(db: Db, connectionId: string, deltas: Record<string, number>): Promise<void> {
  return addCountersOfMany(db, new Map([[connectionId, deltas]]));
}

/**
 * Adds deltas to many connections' counters in one statement (a drain's group commit covers many connections).
 * Rows go in key order, so concurrent commits lock shared counters in the same order and cannot deadlock.
 */
export async function addCountersOfMany(db: Db, deltas: ReadonlyMap<string, Record<string, number>>): Promise<void> {
  const values = [...deltas]
    .flatMap(([connectionId, byName]) =>
      Object.entries(byName)
        .filter(([, value]) => value !== 0)
        .map(([name, value]) => ({ connectionId, name, value })),
    )
    .sort((a, b) => (a.connectionId + '\0' + a.name < b.connectionId + '\0' + b.name ? -1 : 1));
  if (values.length === 0) return;
  await db
    .insert(connectionCounters)
    .values(values)
    .onConflictDoUpdate({
      target: [connectionCounters.connectionId, connectionCounters.name],
      set: { value: sql`${connectionCounters.value} + excluded.value` },
    });
}

export async function readCounters(db: Db, connectionId: string): Promise<Record<string, number>> {
  const rows = await queryRows<{ name: string; value: string | number }>(
    db,
    sql`SELECT name, value FROM connection_counters WHERE connection_id = ${connectionId}`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.value)]));
}

/** The `last_delivered_at` counter: epoch ms of the connection's latest delivery (status views). */
export const LAST_DELIVERED_AT = 'last_delivered_at';

export async function recordLastDelivery(db: Db, connectionIds: string[], atMs: number): Promise<void> {
  await db
    .insert(connectionCounters)
    // In key order, like addCountersOfMany: concurrent commits lock these rows in one order.
    .values([...connectionIds].sort().map((connectionId) => ({ connectionId, name: LAST_DELIVERED_AT, value: atMs })))
    .onConflictDoUpdate({
      target: [connectionCounters.connectionId, connectionCounters.name],
      set: { value: sql`greatest(${connectionCounters.value}, excluded.value)` },
    });
}

/** The `last_batch_at` counter: epoch ms when a cohort sync last received a batch of its cohort webhook. */
export const LAST_BATCH_AT = 'last_batch_at';

export async function recordLastBatch(db: Db, connectionId: string, atMs: number): Promise<void> {
  await db
    .insert(connectionCounters)
    .values({ connectionId, name: LAST_BATCH_AT, value: atMs })
    .onConflictDoUpdate({
      target: [connectionCounters.connectionId, connectionCounters.name],
      set: { value: sql`greatest(${connectionCounters.value}, excluded.value)` },
    });
}

/** When a disconnected source was created again (epoch ms); see `rememberCountersAtReconnect`. */
export const RECONNECTED_AT = 'reconnected_at';
/** `earlier:<name>`: the counter `<name>` as it was when the source was last reconnected. */
export const EARLIER_PREFIX = 'earlier:';

/**
 * A reconnected source keeps its counters (same connection id). This remembers what they held at the reconnect
 * (replacing an older snapshot) and when, so its status can say which part came from the earlier connection.
 */
export async function rememberCountersAtReconnect(db: Db, connectionId: string, atMs: number): Promise<void> {
  const copied = await queryRows<{ name: string }>(
    db,
    sql`INSERT INTO connection_counters (connection_id, name, value)
        SELECT connection_id, ${EARLIER_PREFIX} || name, value FROM connection_counters
        WHERE connection_id = ${connectionId} AND name NOT LIKE ${`${EARLIER_PREFIX}%`}
          AND name NOT IN (${LAST_DELIVERED_AT}, ${RECONNECTED_AT}, ${LAST_BATCH_AT})
        ON CONFLICT (connection_id, name) DO UPDATE SET value = excluded.value
        RETURNING name`,
  );
  if (copied.length === 0) return;
  await db
    .insert(connectionCounters)
    .values({ connectionId, name: RECONNECTED_AT, value: atMs })
    .onConflictDoUpdate({
      target: [connectionCounters.connectionId, connectionCounters.name],
      set: { value: atMs },
    });
}

interface StatusWait {
  done: (status: string) => boolean;
  /** Settles the wait once, with the status it ends on, whichever comes first: an answer or the deadline. */
  settle: (status: string | undefined) => void;
}

/**
 * Connection statuses awaited by many callers at once (OAuth callbacks waiting for their workflow to publish the
 * next status), read with one query per look for all of them. A failed look is not an answer: the waits go on
 * until their deadline, which callers treat as "answer anyway". Each deadline is a timer of its own, so a look
 * that hangs (Postgres stalled) cannot hold a caller past it.
 */
export class StatusWaits {
  private readonly waits = new Map<string, Set<StatusWait>>();
  /** The status each awaited connection had at the last look: what a wait ends on at its deadline. */
  private readonly lastSeen = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private looking = false;

  constructor(
    private readonly db: Db,
    /** The first look comes one interval after a wait begins: its caller has just signalled a workflow. */
    private readonly intervalMs = 50,
  ) {}

  wait(id: string, done: (status: string) => boolean, timeoutMs: number): Promise<string | undefined> {
    return new Promise((resolve) => {
      const waits = this.waits.get(id) ?? new Set<StatusWait>();
      this.waits.set(id, waits);
      const deadline = setTimeout(() => wait.settle(this.lastSeen.get(id)), timeoutMs);
      const wait: StatusWait = {
        done,
        settle: (status) => {
          if (!waits.delete(wait)) return;
          clearTimeout(deadline);
          if (waits.size === 0 && this.waits.get(id) === waits) {
            this.waits.delete(id);
            this.lastSeen.delete(id);
          }
          resolve(status);
        },
      };
      waits.add(wait);
      this.scheduleLook();
    });
  }

  private scheduleLook(): void {
    if (this.timer || this.looking || this.waits.size === 0) return;
    this.timer = setTimeout(() => void this.look(), this.intervalMs);
    this.timer.unref();
  }

  private async look(): Promise<void> {
    this.timer = undefined;
    this.looking = true;
    const ids = [...this.waits.keys()];
    try {
      const rows = await this.db
        .select({ id: connections.id, status: connections.status })
        .from(connections)
        .where(inArray(connections.id, ids));
      for (const row of rows) {
        const waits = this.waits.get(row.id);
        if (!waits) continue; // every wait for it ended while we looked
        this.lastSeen.set(row.id, row.status);
        for (const wait of [...waits]) if (wait.done(row.status)) wait.settle(row.status);
      }
    } catch {
      // not an answer: the waits go on until their deadlines
    } finally {
      this.looking = false;
      this.scheduleLook();
    }
  }
}
