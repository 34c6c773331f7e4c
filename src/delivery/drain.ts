import type { Db } from '../db/client';
import { addCountersOfMany, findConnection, recordLastDelivery } from '../connections/repository';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { heldForConnectionError, type RowOutcome } from '../outcomes';
import { GroupCommit } from '../util/group-commit';
import { claimShardRows, nextDueAt, settleRows, type ClaimedRaw, type StatusNames } from './queue';
import type { QueueTable } from './shards';

/**
 * The one drain routine of every lane: claim → deliver → settle → metrics → report. A shard's activity
 * runs it; the lane (src/delivery/lanes/*) only says how one connection's rows are delivered.
 *
 * - Claims take rows from many connections in turn (src/delivery/queue.ts), so a busy tenant cannot
 *   starve the others, and each claimed group is delivered as its own task: a slow or failing tenant holds
 *   at most `perConnectionInFlight` slots, never the whole shard.
 * - A connection with a backlog (its last group was full) has its next group claimed while the current ones are
 *   delivered (pipelining), so one busy tenant's throughput is not paced by claim → deliver → settle. Without a
 *   backlog it waits for its group to finish, so rows arriving meanwhile go together in the next group (many
 *   one-row groups would cost a request and a commit each). A row is never in flight twice (its lease), and a
 *   lane that needs per-user order names an `orderKey`: a user's rows wait while an earlier one flies.
 * - Outcomes are committed with group commit: groups that finish while a commit runs go in the next one.
 * - Nothing a row holds can fail its batch: an unexpected error retries that group's rows with backoff and
 *   finally expires them as `internal_error`, with the message kept.
 * - The connection's workflow hears only what changes its lifecycle: the first delivered event of a
 *   connection that is still listening, and a fatal rejection (a revoked key or token).
 */

/** The `connections` columns a lane needs to deliver. */
export interface DeliveryConnection {
  id: string;
  kind: string;
  status: string;
  settings: Record<string, unknown>;
  amplitudeProjectId: string | null;
  amplitudeRegion: 'US' | 'EU' | null;
  intercomWorkspaceId: string | null;
  intercomRegion: 'US' | 'EU' | 'AU' | null;
}

export interface BaseRow {
  id: number;
  connectionId: string;
  receivedAt: Date;
  attempts: number;
}

export interface GroupResult {
  /** One per row of the group. */
  outcomes: RowOutcome[];
  /** Extra counters of the connection (e.g. contacts_created), committed with the outcomes. */
  counters?: Record<string, number>;
  /**
   * More writes that belong to the same commit (e.g. releasing a user's parked events). It may name shards whose
   * rows it made due (another connection's), to be rung once the commit is done.
   */
  afterSettle?: (tx: Db) => Promise<void | { ringShards?: number[] }>;
  /** The connection cannot deliver at all until an operator acts (its rows wait, its workflow is told). */
  fatal?: { reason: string; message: string };
  /** A failure the lane recovered from, for logs. */
  warning?: string;
}

export interface LaneDriver<Row extends BaseRow> {
  table: QueueTable;
  names: StatusNames;
  /** Row columns to claim besides id, connection_id, received_at and attempts. */
  columns: readonly string[];
  perConnection: number;
  claimLimit: number;
  /** Groups delivered at once by one drain. */
  maxInFlight: number;
  /** Groups of one connection with a backlog delivered at once by one drain (1 = no pipelining). */
  perConnectionInFlight: number;
  /** Column whose rows must be delivered in order (see ClaimRequest.orderKey). */
  orderKey?: string;
  toRow(raw: ClaimedRaw): Row;
  /** Skip reason for the rows of a connection in `discard` state (a disabled destination). */
  discardReason: string;
  /** Delivers one connection's claimed rows, returning an outcome for each. May throw only on bugs or infrastructure. */
  deliver(connection: DeliveryConnection, rows: Row[]): Promise<GroupResult>;
  /** The counter a final outcome adds to (e.g. `delivered`, `dropped:<reason>`, `sent`, `skipped:<reason>`). */
  counterFor(outcome: RowOutcome, row: Row): string | undefined;
  /** Metric label of a connection kind. */
  direction(kind: string): string;
}

export type LifecycleEvent = { kind: 'delivered' } | { kind: 'fatal'; reason: string; message: string };

export interface DrainDeps {
  db: Db;
  logger: Logger;
  metrics: Metrics;
  /** Tells a connection's workflow about a lifecycle event (a signal). Failures are logged, not thrown. */
  notify(connectionId: string, event: LifecycleEvent): Promise<void>;
  /** Rings a shard of the lane (rows an `afterSettle` made due there). Failures are logged, not thrown. */
  ring?(shard: number): Promise<void>;
  now?: () => number;
}

export interface DrainControl {
  shard: number;
  owner: string;
  signal?: AbortSignal;
  heartbeat?: (details: unknown) => void;
  /** Hand back to the workflow after this long, to keep activities and histories short. */
  budgetMs: number;
  /** With nothing to claim for this long (and nothing in flight), the drain ends. */
  lingerMs: number;
  pollMs: number;
  /** Rows older than this are expired (`max_age`) instead of delivered. */
  maxPendingAgeMs: number;
}

export interface DrainReport {
  processed: number;
  delivered: number;
  /** Earliest time a pending row of the shard becomes due (epoch ms), if any. */
  nextDueAt?: number;
  /** Ended by its time budget while work remained: run again at once. */
  busy: boolean;
}

/** Unexpected errors are retried this many times per row before the row expires as `internal_error`. */
const MAX_INTERNAL_ATTEMPTS = 5;

export async function drainShard<Row extends BaseRow>(
  driver: LaneDriver<Row>,
  deps: DrainDeps,
  control: DrainControl,
): Promise<DrainReport> {
  const now = deps.now ?? Date.now;
  const connections = new ConnectionCache(deps.db);
  /** Groups being delivered, and how many of them each connection has. */
  const inFlight = new Set<Promise<void>>();
  const groupsOf = new Map<string, number>();
  /** Rows whose settle failed (Postgres down): leased by this drain, taken again by its next claims. */
  const orphaned = new Set<number>();
  /** Connections whose latest claimed group was full: more rows are waiting, so the next group may overlap. */
  const backlogged = new Set<string>();
  /** Connections that hit a fatal rejection in this run: not claimed again until their workflow decides. */
  const halted = new Set<string>();
  /**
   * Listening connections told of a delivery in this run, by `<id>@<row version>`: once per published state is all
   * their workflow needs to go Connected (a reconnect publishes Listening again: a new version, told again).
   */
  const toldDelivered = new Set<string>();
  const settler = new Settler(driver, deps);
  let cursor = '';
  let processed = 0;
  let delivered = 0;
  let busy = false;
  const started = now();
  let lastRowsAt = started;
  let slotFreed: () => void = () => {};
  // Heartbeats go on while groups finish after the loop ends (a slow Intercom call, a rate-budget wait):
  // a drain that stopped heartbeating would be retried while it still runs.
  const beat = setInterval(() => control.heartbeat?.({ processed, delivered }), 1_000);

  const runGroup = async (
    connectionId: string,
    state: 'active' | 'discard',
    status: string,
    version: string,
    rows: Row[],
  ) => {
    const connection = await connections.get(connectionId, version).catch(() => undefined);
    let result: GroupResult;
    if (state === 'discard') {
      result = {
        outcomes: rows.map((r) => ({ id: r.id, kind: 'skipped' as const, reason: driver.discardReason })),
      };
    } else {
      const expired = rows.filter((r) => now() - r.receivedAt.getTime() > control.maxPendingAgeMs);
      const fresh = rows.filter((r) => !expired.includes(r));
      result = { outcomes: expired.map((r) => ({ id: r.id, kind: 'expired' as const, reason: 'max_age' })) };
      if (fresh.length > 0) {
        let delivery: GroupResult;
        try {
          if (!connection) throw new Error(`connection ${connectionId} could not be read`);
          delivery = await driver.deliver(connection, fresh);
        } catch (err) {
          delivery = retryOrExpireAll(fresh, err as Error);
          deps.logger.error(
            { connectionId, err: { message: (err as Error).message } },
            'delivery of a group failed unexpectedly; its rows are retried',
          );
        }
        result = {
          ...delivery,
          outcomes: [...result.outcomes, ...delivery.outcomes],
        };
      }
    }
    if (result.fatal) {
      halted.add(connectionId);
      deps.logger.warn({ connectionId, reason: result.fatal.reason }, result.fatal.message);
    }
    if (result.warning) deps.logger.warn({ connectionId }, result.warning);
    await settler.add({ connectionId, connection, rows, result });
    processed += rows.length;
    const sent = result.outcomes.filter((o) => o.kind === 'delivered').length;
    delivered += sent;
    // Lifecycle news for the connection's workflow, after the commit. The status comes fresh with the claim: only a
    // connection still listening hears of its deliveries, once per published state in this drain (other drains may
    // still repeat it before the workflow has published Connected; the workflow ignores repeats).
    const told = `${connectionId}@${version}`;
    if (result.fatal) await deps.notify(connectionId, { kind: 'fatal', ...result.fatal });
    else if (sent > 0 && status === 'Listening' && !toldDelivered.has(told)) {
      toldDelivered.add(told);
      await deps.notify(connectionId, { kind: 'delivered' });
    }
  };

  const claim = async (after: string, exclude: string[], limit: number) =>
    claimShardRows(deps.db, driver.table, {
      shard: control.shard,
      owner: control.owner,
      perConnection: driver.perConnection,
      limit,
      exclude,
      after,
      columns: driver.columns,
      orderKey: driver.orderKey,
      reclaim: [...orphaned],
    });
  /**
   * Connections this drain must not claim now: in flight without a backlog, at their in-flight limit, or halted
   * by a fatal rejection.
   */
  const excluded = () => [
    ...[...groupsOf].filter(([id, n]) => !backlogged.has(id) || n >= driver.perConnectionInFlight).map(([id]) => id),
    ...halted,
  ];

  while (!control.signal?.aborted) {
    if (now() - started >= control.budgetMs) {
      busy = true;
      break;
    }
    let claimedRows = 0;
    let full = false;
    if (inFlight.size < driver.maxInFlight) {
      const exclude = excluded();
      let raws = await claim(cursor, exclude, driver.claimLimit);
      if (raws.length < driver.claimLimit && cursor !== '') {
        // Wrap around: the connections before the cursor get their turn too.
        const seen = new Set(raws.map((r) => r.connection_id));
        raws = [...raws, ...(await claim('', [...exclude, ...seen], driver.claimLimit - raws.length))];
      }
      claimedRows = raws.length;
      for (const raw of raws) orphaned.delete(Number(raw.id));
      full = raws.length >= driver.claimLimit;
      const groups = new Map<string, { state: 'active' | 'discard'; status: string; version: string; rows: Row[] }>();
      for (const raw of raws) {
        const group = groups.get(raw.connection_id) ?? {
          state: raw.delivery_state,
          status: raw.connection_status,
          version: raw.connection_version,
          rows: [],
        };
        group.rows.push(driver.toRow(raw));
        groups.set(raw.connection_id, group);
      }
      for (const [connectionId, group] of groups) {
        cursor = connectionId;
        groupsOf.set(connectionId, (groupsOf.get(connectionId) ?? 0) + 1);
        if (group.rows.length >= driver.perConnection) backlogged.add(connectionId);
        else backlogged.delete(connectionId);
        const task: Promise<void> = runGroup(connectionId, group.state, group.status, group.version, group.rows)
          .catch((err) => {
            deps.logger.error({ connectionId, err: { message: (err as Error).message } }, 'settling a group failed');
            for (const row of group.rows) orphaned.add(row.id);
          })
          .finally(() => {
            const wasFull = inFlight.size >= driver.maxInFlight;
            inFlight.delete(task);
            const left = (groupsOf.get(connectionId) ?? 1) - 1;
            if (left > 0) groupsOf.set(connectionId, left);
            else groupsOf.delete(connectionId);
            // Claim at once only when this opens something a claim could not take before: a slot the drain had run
            // out of, or a backlogged connection's next group. Other rows wait for the next poll, so claims follow
            // the poll, not every finished group (a thousand one-row groups a second cost Postgres a core in claims).
            if (wasFull || backlogged.has(connectionId)) slotFreed();
          });
        inFlight.add(task);
      }
      if (groups.size === 0) cursor = '';
    }
    if (claimedRows > 0) lastRowsAt = now();
    else if (inFlight.size === 0 && now() - lastRowsAt >= control.lingerMs) break;
    // Claim again at once while there is a backlog and room; otherwise poll soon, or when a slot that counts frees.
    if (full && inFlight.size < driver.maxInFlight) continue;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, control.pollMs);
      slotFreed = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  try {
    await Promise.all([...inFlight]);
    await settler.flush();
    return { processed, delivered, busy, nextDueAt: await nextDueAt(deps.db, driver.table, control.shard) };
  } finally {
    clearInterval(beat);
  }
}

/** An unexpected error: retry the rows with backoff, then expire them with the message kept. */
function retryOrExpireAll(rows: BaseRow[], err: Error): GroupResult {
  const message = err.message || String(err);
  return {
    outcomes: rows.map((r) =>
      r.attempts >= MAX_INTERNAL_ATTEMPTS
        ? { id: r.id, kind: 'expired' as const, reason: 'internal_error', error: message }
        : {
            id: r.id,
            kind: 'later' as const,
            delayMs: backoffMs(r.attempts),
            reason: 'internal_error',
            error: message,
          },
    ),
    warning: message,
  };
}

/** 1 s, 2 s, 4 s … capped at 5 minutes. */
export function backoffMs(attempts: number): number {
  return Math.min(1_000 * 2 ** Math.max(attempts - 1, 0), 300_000);
}

/** The connection cannot deliver until an operator acts: its rows wait, and its workflow is told. */
export function fatalHold(rows: readonly { id: number }[], reason: string, message: string): GroupResult {
  return { outcomes: heldForConnectionError(rows, reason, message), fatal: { reason, message } };
}

interface Finished<Row extends BaseRow> {
  connectionId: string;
  connection?: DeliveryConnection;
  rows: Row[];
  result: GroupResult;
}

/**
 * Group commit of outcomes (src/util/group-commit.ts): the first finished group is committed at once; groups
 * finishing while a commit runs wait for the next one, which takes them all in one transaction.
 */
class Settler<Row extends BaseRow> {
  private readonly commits = new GroupCommit<Finished<Row>>((items) => this.commit(items));

  constructor(
    private readonly driver: LaneDriver<Row>,
    private readonly deps: DrainDeps,
  ) {}

  add(item: Finished<Row>): Promise<void> {
    return this.commits.add(item);
  }

  flush(): Promise<void> {
    return this.commits.flush();
  }

  private async commit(items: Finished<Row>[]): Promise<void> {
    const { driver, deps } = this;
    const counters = new Map<string, Record<string, number>>();
    for (const { connectionId, rows, result } of items) {
      const deltas = counters.get(connectionId) ?? {};
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const outcome of result.outcomes) {
        const name = driver.counterFor(outcome, byId.get(outcome.id)!);
        if (name) deltas[name] = (deltas[name] ?? 0) + 1;
      }
      for (const [name, value] of Object.entries(result.counters ?? {})) deltas[name] = (deltas[name] ?? 0) + value;
      counters.set(connectionId, deltas);
    }
    const ring = new Set<number>();
    await deps.db.transaction(async (tx) => {
      const t = tx as unknown as Db;
      await settleRows(
        t,
        driver.table,
        driver.names,
        items.flatMap((i) => i.result.outcomes),
      );
      for (const { result } of items) {
        const after = await result.afterSettle?.(t);
        for (const shard of after?.ringShards ?? []) ring.add(shard);
      }
      await addCountersOfMany(t, counters);
      const deliveredTo = [
        ...new Set(
          items.filter((i) => i.result.outcomes.some((o) => o.kind === 'delivered')).map((i) => i.connectionId),
        ),
      ];
      if (deliveredTo.length > 0) await recordLastDelivery(t, deliveredTo, (deps.now ?? Date.now)());
    });
    for (const shard of ring) await deps.ring?.(shard);
    const now = (deps.now ?? Date.now)();
    for (const { connection, rows, result } of items) {
      const direction = driver.direction(connection?.kind ?? '');
      const received = new Map(rows.map((r) => [r.id, r.receivedAt.getTime()]));
      for (const outcome of result.outcomes) {
        if (outcome.kind === 'delivered') {
          deps.metrics.delivered.inc({ direction });
          deps.metrics.deliveryLatency.observe({ direction }, (now - (received.get(outcome.id) ?? now)) / 1000);
        } else if (outcome.kind === 'skipped' || outcome.kind === 'expired') {
          deps.metrics.dropped.inc({ direction, reason: outcome.reason });
        }
      }
    }
  }
}

/**
 * Connection rows for the groups being delivered, re-read only when the row changed: each claim says when
 * (`version`), so a settings change applies to the next claim, and an unchanged connection costs no query.
 */
class ConnectionCache {
  private readonly cache = new Map<string, { connection: DeliveryConnection; version: string }>();

  constructor(private readonly db: Db) {}

  async get(id: string, version: string): Promise<DeliveryConnection> {
    const cached = this.cache.get(id);
    if (cached && cached.version === version) return cached.connection;
    const row = await findConnection(this.db, id);
    if (!row) throw new Error(`connection ${id} not found`);
    const connection: DeliveryConnection = {
      id: row.id,
      kind: row.kind,
      status: row.status,
      settings: row.settings as Record<string, unknown>,
      amplitudeProjectId: row.amplitudeProjectId,
      amplitudeRegion: row.amplitudeRegion,
      intercomWorkspaceId: row.intercomWorkspaceId,
      intercomRegion: row.intercomRegion,
    };
    this.cache.set(id, { connection, version });
    return connection;
  }
}
